r"""Running a comparison: the results store, batches of replicates, provenance.

Rules
-----
*Adaptive replication*: run batches of replicates until every headline interval (every scenario
against the first, both horizons) is narrower than the requested precision, or a cap is hit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..metrics import HEADLINE
from ..results import TIMESERIES
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

if TYPE_CHECKING:
    from ..experiments.plan import PlanSession


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


@dataclass
class ComparisonPlan:
    """A comparison batch as a :class:`sim.experiments.plan.Plan`: replicates 0..n-1 of each.

    The fingerprint does not depend on ``replicates``, so a comparison resumed with more
    replicates (or grown by adaptive batches) reuses every finished run.
    """

    setup: ComparisonSetup
    replicates: int
    kind: str = "compare"
    resumable: bool = True
    run_ids: str = "s<scenario index>-<file stem>-r<replicate>"

    @property
    def fingerprint(self) -> str:
        """See :meth:`ComparisonSetup.fingerprint`."""
        return self.setup.fingerprint()

    @property
    def scenarios(self) -> dict[str, Any]:
        """Label -> scenario."""
        return dict(self.setup.scenarios)

    @property
    def seeds(self) -> dict[str, Any]:
        """The root seed and the derivation of replicate and bootstrap seeds."""
        return {"seed": self.setup.seed, "derivation": SEED_DERIVATION}

    def tasks(self) -> list[Any]:
        """Replicates ``0 .. replicates-1`` of every scenario (same seeds)."""
        return self.setup.tasks(self.replicates)

    def manifest_extra(self) -> dict[str, Any]:
        """Files, labels, run length and the replication rule."""
        s = self.setup
        return {
            "scenario_files": [str(f.resolve()) for f in s.files],
            "labels": s.labels,
            "steps": s.steps,
            "window": s.window,
            "overrides": s.overrides,
            "precision": s.precision,
            "max_replicates": s.max_replicates,
            "uncertainty": s.uncertainty,
            "posterior": None if s.posterior is None else str(s.posterior),
        }


#: How a comparison derives its seeds.
SEED_DERIVATION = (
    "replicate k of every scenario runs with derive_seed(seed, k) "
    "(common random numbers); bootstrap of pair i: derive_seed(seed, 7000001, i, h)"
)


def open_store(
    setup: ComparisonSetup,
    out: Path,
    *,
    resume: bool = False,
    force: bool = False,
    command: Sequence[str] | None = None,
    executor: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
) -> PlanSession:
    """Open the comparison's results folder: lock it, check it, write the manifest.

    Returns an open :class:`~sim.experiments.plan.PlanSession` to pass to
    :func:`run_comparison`; the folder stays locked until the session is closed or the
    process ends (so a report written afterwards is still under the lock). Refuses (with
    :class:`~sim.errors.OutputDirError`) a folder another command is writing, a folder
    holding other files, or earlier results unless ``resume`` (same scenarios, steps and
    seed) or ``force``.
    """
    from ..experiments.plan import PlanSession

    plan = ComparisonPlan(setup, setup.replicates)
    session = PlanSession(
        plan, Path(out), executor=executor, workers=workers, scheduler=scheduler,
        resume=resume, force=force, command=command,
    )  # fmt: skip
    return session.open()


def run_comparison(
    setup: ComparisonSetup,
    store: PlanSession | Path | str,
    *,
    executor: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    resume: bool = False,
    force: bool = False,
) -> Comparison:
    """Run (or resume) the replicates, adding batches until precise enough; summarise.

    ``store`` is a results folder (opened, locked and closed here, with ``resume`` and
    ``force``) or a session from :func:`open_store` (left open: its lock is held until it is
    closed). Runs go in one atomic part per finished run, so an interrupted comparison keeps
    its finished runs and ``resume=True`` reuses them. ``progress(event, done, total)`` is
    called with ``event`` ``"start"`` (a batch begins) or ``"run"`` (a run finished).
    ``executor``/``workers``/``scheduler`` are those of the session when not given.
    """
    if isinstance(store, str | Path):
        with open_store(
            setup, Path(store), resume=resume, force=force,
            executor=executor or "serial", workers=workers, scheduler=scheduler,
        ) as session:  # fmt: skip
            return _run(setup, session, progress)
    if executor is not None:
        from ..experiments.executors import check_executor

        check_executor(executor, workers, scheduler)
        store.options = {"kind": executor, "workers": workers, "scheduler": scheduler}
    return _run(setup, store, progress)


def _run(
    setup: ComparisonSetup,
    session: PlanSession,
    progress: Callable[[str, int, int], None] | None,
) -> Comparison:
    """The adaptive loop over batches of replicates (everything else is the session's)."""
    out = session.out
    paired = pairing(setup.scenarios)
    flags = {lab: ok for lab, (ok, _) in paired.items()}
    target = setup.replicates
    batches: list[dict[str, Any]] = []
    found = session.completed_ids()
    ran = 0
    try:
        while True:
            tasks = ComparisonPlan(setup, target).tasks()
            done = session.completed_ids()
            if progress:
                progress("start", sum(t.run_id in done for t in tasks), len(tasks))
            batch = session.run(
                tasks,
                progress=(lambda r, s: progress("run", s.skipped + s.done + s.failed, s.total))
                if progress
                else None,
            )
            ran += batch.done + batch.failed
            runs = session.finalise()
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
    finally:
        session.close_executor()
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
    runs = session.finalise(extra)
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
        manifest=session.manifest,
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
