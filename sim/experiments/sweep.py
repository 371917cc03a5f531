"""Run a whole experiment: the sweep's plan through :func:`~sim.experiments.plan.execute_plan`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from .limits import MAX_RUNS
from .plan import execute_plan
from .spec import SEED_DERIVATION, Experiment, load_experiment
from .tasks import SweepSummary

__all__ = ["SEED_DERIVATION", "run_sweep", "sweep_file"]


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


def sweep_file(
    path: Path,
    out: Path | None = None,
    *,
    max_runs: int | None = MAX_RUNS,
    on_loaded: Callable[[Experiment], None] | None = None,
    **options: Any,
) -> tuple[Experiment, SweepSummary, pd.DataFrame, Path]:
    """Load the experiment file ``path`` and run it (``govsim sweep``).

    ``out`` defaults to ``results/<file stem>``; ``max_runs`` caps the design size (None: no
    cap); ``on_loaded(experiment)`` is called before any run; other keywords go to
    :func:`run_sweep`. Returns the experiment, counts, ``runs.parquet`` and the folder.
    """
    path = Path(path)
    exp = load_experiment(path, max_runs=max_runs)
    if on_loaded is not None:
        on_loaded(exp)
    out = Path(out) if out is not None else Path("results") / path.stem
    summary, runs = run_sweep(exp, out, **options)
    return exp, summary, runs, out
