"""Run a whole experiment: the sweep's plan through :func:`~sim.experiments.plan.execute_plan`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from .plan import execute_plan
from .spec import SEED_DERIVATION, Experiment
from .tasks import SweepSummary

__all__ = ["SEED_DERIVATION", "run_sweep"]


def run_sweep(
    experiment: Experiment,
    out: Path,
    *,
    executor: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    force: bool = False,
    progress: Callable[..., None] | None = None,
    on_start: Callable[[int, int], None] | None = None,
) -> tuple[SweepSummary, pd.DataFrame]:
    """Run every (design point, replicate) of ``experiment`` into the results directory ``out``.

    ``on_start(total, already_done)`` is called once the store knows what is left;
    ``progress(result, summary)`` after each run. Returns the counts and ``runs.parquet``.
    The folder is locked for the whole sweep (a second writer is refused at once).
    """
    outcome = execute_plan(
        experiment,
        Path(out),
        executor=executor,
        workers=workers,
        scheduler=scheduler,
        resume=resume,
        force=force,
        progress=progress,
        on_start=on_start,
    )
    return outcome.summary, outcome.runs
