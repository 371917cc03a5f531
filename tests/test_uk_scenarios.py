"""The calibrated council scenarios (scenarios/uk/) change what the essay's scenarios change.

Each of scenarios/uk/ extends the calibrated UK world; the test checks that the change from
one to the next is exactly the change between the matching stylised scenarios, so findings
re-measured on the calibrated world compare like with like.
"""

from __future__ import annotations

from typing import Any

import pytest

import sim
from tests._util import ROOT

S = ROOT / "scenarios"
LABELS = {"name", "description", "extends"}


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flat(v, f"{prefix}{k}."))
        return out
    return {prefix.rstrip("."): value}


def _delta(a: str, b: str) -> dict[str, tuple[Any, Any]]:
    fa = _flat(sim.load_scenario(S / a).model_dump())
    fb = _flat(sim.load_scenario(S / b).model_dump())
    keys = (set(fa) | set(fb)) - LABELS
    return {k: (fa.get(k), fb.get(k)) for k in sorted(keys) if fa.get(k) != fb.get(k)}


@pytest.mark.parametrize(
    ("calibrated", "stylised"),
    [
        (
            ("uk/centralised.toml", "uk/cooperative.toml"),
            ("centralised_baseline.toml", "cooperative_council.toml"),
        ),
        (
            ("uk/cooperative.toml", "uk/tokenism.toml"),
            ("cooperative_council.toml", "tokenism.toml"),
        ),
    ],
)
def test_calibrated_council_scenarios_change_what_the_stylised_ones_change(calibrated, stylised):
    got, want = _delta(*calibrated), _delta(*stylised)
    assert got and got == want


def test_centralised_is_the_calibrated_world():
    assert _delta("uk_calibrated.toml", "uk/centralised.toml") == {}
    # and the calibrated world is not the stylised one: the comparison really moved
    assert _delta("centralised_baseline.toml", "uk/centralised.toml")
