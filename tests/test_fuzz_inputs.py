"""Mutated scenario files are refused with a message or run cleanly: never a traceback or NaN.

A seeded mutator changes the shipped scenarios (values replaced by other types, huge, tiny,
negative, NaN-like strings; keys deleted, renamed or nested) and each mutant goes through the
library as ``govsim validate`` and ``govsim run`` use it.  The only exception allowed is a
:class:`sim.GovsimError` (a message naming the file); a model that builds must give finite
headline metrics.
"""

from __future__ import annotations

import random
import tomllib

import numpy as np
import pytest
import tomli_w

import sim
from sim.metrics import HEADLINE
from tests._util import SCENARIOS

ODD_VALUES = [
    0,
    -1,
    1e308,
    -1e308,
    1e-308,
    2**64,
    -(2**63),
    "200",
    "",
    "x" * 5000,
    True,
    False,
    [],
    [1, 2],
    {},
    {"a": 1},
    0.5,
    3,
    "nan",
    "inf",
    10**9,
    1000,
    2,
]


def _mutate(data: dict, rng: random.Random) -> dict:
    """One random change somewhere in the nested tables of ``data``."""
    node, key = data, None
    for _ in range(4):
        if not isinstance(node, dict) or not node:
            break
        key = rng.choice(sorted(node))
        if isinstance(node[key], dict) and rng.random() < 0.7:
            node = node[key]
            continue
        break
    if not isinstance(node, dict) or key is None or key not in node:
        return data
    action = rng.random()
    if action < 0.6:
        node[key] = rng.choice(ODD_VALUES)
    elif action < 0.75:
        del node[key]
    elif action < 0.9:
        node[key + "x"] = node.pop(key)
    else:
        node[key] = {"nested": node[key]}
    return data


def _cases(n: int = 120):
    rng = random.Random(20261202)
    out = []
    for i in range(n):
        path = rng.choice(SCENARIOS)
        data = tomllib.loads(path.read_text())
        data.pop("extends", None)
        for _ in range(rng.randint(1, 3)):
            data = _mutate(data, rng)
        out.append((i, path.name, data))
    return out


@pytest.mark.parametrize(("i", "name", "data"), _cases(), ids=lambda x: str(x)[:20])
def test_mutant_is_refused_with_a_message_or_runs_finite(tmp_path, i, name, data):
    f = tmp_path / name
    try:
        f.write_text(tomli_w.dumps(data))
    except (TypeError, ValueError):
        pytest.skip("not writable as TOML")
    try:
        sc = sim.load_scenario(f, overrides={"population.size": 200})
    except sim.GovsimError as exc:
        assert str(f.name) in str(exc) or "--set" in str(exc), str(exc)
        return
    model = sim.GovernanceModel(sc, rng=1)
    model.run(steps=3)
    row = model.datacollector.get_model_vars_dataframe().iloc[-1]
    for metric in HEADLINE:
        if metric == "turnout":
            continue
        assert np.isfinite(row[metric]), (metric, data)
