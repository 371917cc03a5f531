r"""Running a comparison: the results store, batches of replicates, provenance.

Rules
-----
*Adaptive replication*: run batches of replicates until every headline interval (every scenario
against the first, both horizons) is narrower than the requested precision, or a cap is hit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..metrics import HEADLINE
from ..results import TIMESERIES
from ..results import manifest as results_manifest
from ..scenario import ScenarioError
from .setup import (
    ComparisonSetup,
    Horizon,
    horizons,
    pairing,
    replicate_seed,
    scenario_differences,
)
from .summary import bands, precision_status, summarise


@dataclass
class Comparison:
    """Everything a comparison produced: runs, statistics, and how replication went."""

    setup: ComparisonSetup
    runs: pd.DataFrame
    timeseries: pd.DataFrame
    index: pd.DataFrame  # run_id, label, replicate (successful runs used)
    summary: pd.DataFrame
    bands: pd.DataFrame
    paired: dict[str, tuple[bool, str]]
    differences: pd.DataFrame
    replicates: int
    adaptive: dict[str, Any]
    failed: list[str]
    manifest: dict[str, Any]
    out: Path | None = None
    reused: int = 0  # finished runs found in the store (``--resume``) and used again
    ran: int = 0  # runs executed by this call (including failed ones)
    uncertainty: list[str] = field(default_factory=lambda: ["simulation noise"])

    @property
    def horizons(self) -> list[Horizon]:
        """The final step and the window."""
        return horizons(self.setup.steps, self.setup.window)


def open_store(
    setup: ComparisonSetup,
    out: Path,
    *,
    resume: bool = False,
    force: bool = False,
    command: Sequence[str] | None = None,
) -> Any:
    """The comparison's results directory as a crash-safe :class:`sim.experiments.RunStore`.

    Refuses (with :class:`~sim.results.OutputDirError`) a directory holding other files, or
    earlier results unless ``resume`` (same scenarios, steps and seed) or ``force``.
    """
    from ..experiments import RunStore

    meta = _manifest(setup, dt.datetime.now(dt.UTC), command)
    return RunStore(
        Path(out), fingerprint=setup.fingerprint(), manifest=meta, resume=resume, force=force
    )


def run_comparison(
    setup: ComparisonSetup,
    store: Any,
    *,
    executor: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> Comparison:
    """Run (or resume) the replicates, adding batches until precise enough; summarise.

    Runs go into ``store`` (see :func:`open_store`), one atomic part per finished run, so an
    interrupted comparison keeps its finished runs and a store opened with ``resume=True``
    reuses them. ``progress(event, done, total)`` is called with ``event`` ``"start"`` (a batch
    begins) or ``"run"`` (a run finished).
    """
    from ..experiments import make_executor, run_tasks

    out = store.out
    paired = pairing(setup.scenarios)
    flags = {lab: ok for lab, (ok, _) in paired.items()}
    target = setup.replicates
    batches: list[dict[str, Any]] = []
    found = store.completed_ids()
    ran = 0
    with make_executor(
        executor, workers=workers, scheduler=scheduler, local_directory=out / ".dask"
    ) as ex:
        while True:
            tasks = setup.tasks(target)
            todo = len([t for t in tasks if t.run_id not in store.completed_ids()])
            if progress:
                progress("start", len(tasks) - todo, len(tasks))
            done = run_tasks(
                tasks,
                store,
                ex,
                progress=(lambda r, s: progress("run", s.skipped + s.done + s.failed, s.total))
                if progress
                else None,
            )
            ran += done.done + done.failed
            runs = store.finalise()
            ts = pd.read_parquet(out / TIMESERIES)
            index = _index(runs, setup, target)
            _check_enough(index, setup)
            summary = summarise(
                ts, index, setup.labels, steps=setup.steps, window=setup.window,
                seed=setup.seed, paired=flags,
            )  # fmt: skip
            met, worst = (
                precision_status(summary, setup.precision) if setup.precision else (True, np.nan)
            )
            batches.append({"replicates": target, "widest_interval": worst})
            if setup.precision is None or met or target >= setup.max_replicates:
                break
            target = min(setup.max_replicates, target + setup.replicates)
    failed = sorted(set(runs.loc[runs["status"] != "ok", "run_id"])) if len(runs) else []
    adaptive = {
        "precision": setup.precision,
        "cap": setup.max_replicates,
        "met": bool(met) if setup.precision else None,
        "widest_interval": worst,
        "replicates": target,
        "batches": batches,
    }
    seeds = [replicate_seed(setup.seed, k) for k in range(target)]
    reused = len(found & {t.run_id for t in setup.tasks(target)})
    uncertainty = list(getattr(setup, "uncertainty", None) or ["simulation noise"])
    extra = {
        "comparison": {
            "replicates": target,
            "adaptive": adaptive,
            "replicate_seeds": seeds,
            "paired": {lab: ok for lab, (ok, _) in paired.items()},
            "failed_runs": failed,
            "reused_runs": reused,
            "new_runs": ran,
            "uncertainty": uncertainty,
        }
    }
    runs = store.finalise(extra)
    used = ts[ts["run_id"].isin(index["run_id"])]
    return Comparison(
        setup=setup,
        runs=runs,
        timeseries=used,
        index=index,
        summary=summary,
        bands=bands(used, index, list(HEADLINE), seed=setup.seed),
        paired=paired,
        differences=scenario_differences(setup.scenarios),
        replicates=target,
        adaptive=adaptive,
        failed=failed,
        manifest=store.manifest,
        out=Path(out),
        reused=reused,
        ran=ran,
        uncertainty=uncertainty,
    )


def _index(runs: pd.DataFrame, setup: ComparisonSetup, target: int) -> pd.DataFrame:
    """Successful runs of the wanted replicates: ``run_id``, ``label``, ``replicate``."""
    wanted = {setup.run_id(i, k) for i in range(len(setup.labels)) for k in range(target)}
    ok = runs[(runs["status"] == "ok") & runs["run_id"].isin(wanted)]
    return pd.DataFrame(
        {
            "run_id": ok["run_id"].to_numpy(),
            "label": [setup.labels[int(p)] for p in ok["point"]],
            "replicate": ok["replicate"].astype(int).to_numpy(),
        }
    )


def _check_enough(index: pd.DataFrame, setup: ComparisonSetup) -> None:
    counts = index["label"].value_counts()
    short = [lab for lab in setup.labels if counts.get(lab, 0) < 2]
    if short:
        raise ScenarioError(
            f"fewer than 2 runs finished for {', '.join(short)}, so no interval can be given "
            "(see runs.parquet, column 'error', in the output directory)."
        )


def _manifest(
    setup: ComparisonSetup, started: dt.datetime, command: Sequence[str] | None
) -> dict[str, Any]:
    """Provenance of the comparison (see :func:`sim.results.manifest`)."""
    data = results_manifest(
        kind="compare",
        scenarios=setup.scenarios,
        seeds={
            "seed": setup.seed,
            "derivation": "replicate k of every scenario runs with derive_seed(seed, k) "
            "(common random numbers); bootstrap of pair i: derive_seed(seed, 7000001, i, h)",
        },
        started=started,
        extra={
            "scenario_files": [str(f.resolve()) for f in setup.files],
            "labels": setup.labels,
            "steps": setup.steps,
            "window": setup.window,
            "overrides": setup.overrides,
            "precision": setup.precision,
            "max_replicates": setup.max_replicates,
            "uncertainty": setup.uncertainty,
            "posterior": None if setup.posterior is None else str(setup.posterior),
        },
    )
    if command is not None:
        data["command"] = list(command)
    return data
