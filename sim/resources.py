"""Memory estimate of a model, so that impossible sizes are refused with a message, not a crash."""

from __future__ import annotations

import psutil

from .errors import ScenarioError
from .population import bytes_per_citizen
from .schema import Scenario

__all__ = ["HANDLE_LIMIT", "check_resources", "estimate_memory_bytes"]

#: Above this many citizens no per-citizen Mesa agent handles are made (results are unchanged).
HANDLE_LIMIT = 200_000

# Bytes per citizen beyond the state arrays of sim.population.VARIABLES (about ten array
# temporaries of a step, the degree arrays), per directed edge of the CSR matrix (float32
# weight + int32 index) and per edge list entry (two int32 end points, plus construction
# temporaries), and per Mesa agent handle.
_PER_CITIZEN_WORK = 100
_PER_DIRECTED_EDGE = 8
_PER_EDGE_BUILD = 40
_PER_HANDLE = 1_200


def estimate_memory_bytes(scenario: Scenario) -> int:
    """Rough peak memory of building and running ``scenario``, in bytes."""
    n = scenario.population.size
    k = scenario.network.mean_degree
    if scenario.network.kind == "complete":
        k = n - 1
    edges = n * k / 2
    per_citizen = bytes_per_citizen(len(scenario.parties)) + _PER_CITIZEN_WORK
    handles = _PER_HANDLE * n if n <= HANDLE_LIMIT else 0
    return int(n * per_citizen + edges * (2 * _PER_DIRECTED_EDGE + _PER_EDGE_BUILD) + handles)


def check_resources(scenario: Scenario, *, source: str = "scenario") -> None:
    """Raise :class:`~sim.errors.ScenarioError` when the model cannot fit in memory."""
    need = estimate_memory_bytes(scenario)
    have = psutil.virtual_memory().available
    if need > 0.8 * have:
        raise ScenarioError(
            f"{source}: population.size = {scenario.population.size:,} with "
            f"network.kind = {scenario.network.kind!r} and mean degree "
            f"{scenario.network.mean_degree:g} needs about {need / 1e9:.1f} GB of memory, but "
            f"this machine has {have / 1e9:.1f} GB available. Use a smaller population.size "
            "or a sparser network."
        )
