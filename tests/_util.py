"""Test helpers: build small models with only chosen processes switched on."""

from __future__ import annotations

from pathlib import Path

import sim
from sim.processes import SCHEDULE

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))


def only(*processes: str, **params) -> dict:
    """Overrides that switch every process off except ``processes`` (plus extra params)."""
    out = {f"processes.{p}.enabled": p in processes for p in SCHEDULE}
    out.update(params)
    return out


def small_model(*processes: str, rng: int = 1, **params) -> sim.GovernanceModel:
    """A model with only ``processes`` on (all processes on if none are named)."""
    overrides = only(*processes, **params) if processes else dict(params)
    return sim.GovernanceModel(rng=rng, **overrides)
