"""Every bound the schema documents (and docs/parameters.md prints) is enforced.

Walks every numeric field of :class:`sim.schema.Scenario` (process specs included, from the
registry) and tries a value just outside each documented bound: it must be refused with a
message.  pydantic applies only one of two ``ge`` given in both a type alias and a Field, so
a bound can be printed and not enforced; this test catches that.
"""

from __future__ import annotations

import math
import typing

import pytest
from pydantic import BaseModel

import sim
from sim import schema


def _bounded_fields(model: type[BaseModel], prefix: str = ""):
    for name, field in model.model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            yield from _bounded_fields(ann, f"{prefix}{name}.")
            continue
        kinds = {a for a in typing.get_args(ann) if a is not type(None)} or {ann}
        if not kinds <= {int, float}:
            continue
        lo = hi = None
        lo_strict = hi_strict = False
        for m in field.metadata:
            for key in ("ge", "gt"):
                v = getattr(m, key, None)
                if v is not None and (lo is None or v >= lo):
                    lo, lo_strict = v, key == "gt"
            for key in ("le", "lt"):
                v = getattr(m, key, None)
                if v is not None and (hi is None or v <= hi):
                    hi, hi_strict = v, key == "lt"
        yield f"{prefix}{name}", int in kinds, lo, lo_strict, hi, hi_strict


CASES = []
for path, is_int, lo, lo_strict, hi, hi_strict in _bounded_fields(schema.Scenario):
    step = 1 if is_int else 1e-6
    if lo is not None:
        CASES.append((path, lo if lo_strict else lo - step))
    if hi is not None:
        CASES.append((path, hi if hi_strict else (hi + step if not is_int else hi + 1)))


def test_walk_finds_the_known_bounds():
    paths = {c[0] for c in CASES}
    assert {"network.mean_degree", "programmes.tenant_voice_influence", "population.size"} <= paths
    assert len(CASES) > 100


@pytest.mark.parametrize(("path", "value"), CASES, ids=[f"{p}={v}" for p, v in CASES])
def test_value_outside_documented_bound_is_refused(path, value):
    assert math.isfinite(value)
    with pytest.raises(sim.ScenarioError, match=path.split(".")[-1]):
        sim.scenario_from_dict({}, {path: value})
