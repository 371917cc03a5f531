"""Limits checked before any run starts: the seed range and the size of a plan of runs.

>>> check_seed(2**63, "--seed")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
sim.errors.ScenarioError: --seed 9223372036854775808: must be a whole number from 0 to ...
>>> check_runs(2_000_000, "a grid", max_runs=MAX_RUNS)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
sim.errors.ScenarioError: a grid makes 2,000,000 runs, over the cap of 1,000,000 runs. ...
"""

from __future__ import annotations

from ..errors import ScenarioError

__all__ = ["MAX_RUNS", "MAX_SEED", "check_runs", "check_seed"]

#: Largest seed: seeds are stored as int64 in ``runs.parquet``.
MAX_SEED = 2**63 - 1

#: Default cap on the runs of one plan (``--max-runs`` overrides it).
MAX_RUNS = 1_000_000


def check_seed(seed: object, what: str, error: type[ScenarioError] = ScenarioError) -> int:
    """Return ``seed`` as an int, or raise ``error`` naming ``what`` if out of range."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise error(
            f"{what} {seed!r}: must be a whole number from 0 to {MAX_SEED} (2**63 - 1; seeds "
            "are stored as 64-bit integers)."
        )
    return int(seed)


def check_runs(
    runs: int, what: str, *, max_runs: int | None, error: type[ScenarioError] = ScenarioError
) -> None:
    """Refuse a plan of more than ``max_runs`` runs (None: no cap), saying its size."""
    if max_runs is not None and runs > max_runs:
        raise error(
            f"{what} makes {runs:,} runs, over the cap of {max_runs:,} runs. Make the design "
            f"smaller, or pass --max-runs {runs} to run it anyway."
        )
