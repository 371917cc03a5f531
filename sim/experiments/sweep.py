"""Run a whole experiment: tasks -> executor -> store, with provenance in the manifest."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from ..results import manifest
from .executors import make_executor
from .spec import Experiment
from .store import RunStore
from .tasks import SweepSummary, run_tasks

__all__ = ["SEED_DERIVATION", "run_sweep"]

SEED_DERIVATION = (
    "run seed = sim.rng.derive_seed(experiment seed, design point, replicate): "
    "numpy SeedSequence(seed, spawn_key=(point, replicate)), first 63 bits"
)


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
    """
    out = Path(out)
    started = dt.datetime.now(dt.UTC)
    data = manifest(
        kind="sweep",
        scenarios={"scenario": experiment.scenario},
        seeds={"experiment_seed": experiment.spec.experiment.seed, "derivation": SEED_DERIVATION},
        started=started,
        extra=_experiment_record(experiment, executor, workers, scheduler),
    )
    store = RunStore(
        out, fingerprint=experiment.fingerprint, manifest=data, resume=resume, force=force
    )
    tasks = experiment.tasks()
    if on_start is not None:
        done = store.completed_ids()
        on_start(len(tasks), sum(t.run_id in done for t in tasks))
    scratch = out / ".dask"
    try:
        with make_executor(executor, workers, scheduler, local_directory=scratch) as ex:
            summary = run_tasks(tasks, store, ex, progress=progress)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    runs = store.finalise()
    return summary, runs


def _experiment_record(
    exp: Experiment, executor: str, workers: int | None, scheduler: str | None
) -> dict[str, Any]:
    ex = exp.spec.experiment
    return {
        "experiment": {
            "name": exp.name,
            "file": str(exp.path),
            "text": exp.text,
            "design": ex.design,
            "replicates": ex.replicates,
            "steps": exp.steps,
            "samples": ex.samples,
            "levels": ex.levels,
            "second_order": ex.second_order,
            "common_seeds": ex.common_seeds,
            "parameters": {k: list(v) for k, v in exp.parameters.items()},
            "integer_parameters": [k for k, v in exp.integer.items() if v],
            "overrides": exp.spec.overrides,
            "keep": {
                "metrics": list(exp.keep.metrics),
                "window": exp.keep.window,
                "timeseries": list(exp.keep.timeseries),
                "every": exp.keep.every,
            },
            "problem": exp.problem,
            "points": len(exp.points),
            "runs": len(exp.points) * ex.replicates,
        },
        "executor": {"kind": executor, "workers": workers, "scheduler": scheduler},
    }
