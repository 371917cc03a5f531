"""One execution path for ``govsim run``, ``sweep`` and ``compare``: plan -> executor -> store.

A :class:`Plan` says which runs to do (``tasks()``), what decides them (``fingerprint``) and
what else the manifest records (``manifest_extra()``). It is implemented by a sweep's
:class:`~sim.experiments.spec.Experiment`, by a comparison batch
(:class:`sim.compare.run.ComparisonPlan`) and by :class:`RunPlan`, the one-run plan of
``govsim run``. :class:`PlanSession` owns everything else, written once:

1. the executor options, checked before anything starts;
2. the writer lock of the results folder (:class:`~sim.experiments.lock.WriterLock`), held
   until the session closes: a second command on the same ``--out`` is refused at once;
3. the output-folder check (other files, earlier results, ``--resume``/``--force``) and the
   removal of temporary files a killed writer left behind;
4. the manifest (one builder: kind, command line, versions, seeds and their derivation, run
   id scheme, fingerprint, executor, timings);
5. the store (:class:`~sim.experiments.store.RunStore`), the executor, the Dask scratch folder
   (``<out>/.dask``, removed on close) and the final consolidation.

:func:`execute_plan` is the whole sequence for a plan run once; ``run_comparison`` keeps a
session open across its adaptive batches.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import re
import shutil
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import pandas as pd

from ..errors import StoreError
from ..results import MANIFEST, check_output_dir, manifest
from ..runner import RunResult
from ..schema import Scenario
from .executors import check_executor, make_executor
from .limits import check_seed
from .lock import WriterLock
from .store import PARTS, RunStore
from .tasks import FailedRun, Keep, RunTask, SweepSummary, run_tasks

__all__ = [
    "RUN_DERIVATION",
    "SCRATCH",
    "Plan",
    "PlanOutcome",
    "PlanSession",
    "RunOutcome",
    "RunPlan",
    "build_manifest",
    "execute_plan",
    "fingerprint",
    "run_file",
    "safe_id",
]

#: Dask workers' scratch folder inside a results folder (removed when the session closes).
SCRATCH = ".dask"
_STALE = re.compile(r"^\..+\.tmp$")  # temporary names of atomic writes (results, store)


@runtime_checkable
class Plan(Protocol):
    """What to run: the protocol every plan of runs implements.

    Attributes
    ----------
    kind : str
        ``"run"``, ``"sweep"`` or ``"compare"`` (the manifest's ``kind``).
    fingerprint : str
        Hash of everything that decides the runs; resuming needs the same one.
    resumable : bool
        Whether the command offers ``--resume`` (said in refusal messages).
    run_ids : str
        The run-id scheme, e.g. ``p<point>-r<replicate>`` (recorded in the manifest).
    scenarios : Mapping[str, Scenario]
        Label -> validated scenario (resolved text and hash go in the manifest).
    seeds : dict
        ``{"seed": root seed, "derivation": how each run's seed derives from it}``.
    """

    kind: str
    resumable: bool
    run_ids: str

    @property
    def fingerprint(self) -> str:
        """Hash of everything that decides the runs."""
        ...

    @property
    def scenarios(self) -> Mapping[str, Scenario]:
        """Label -> scenario."""
        ...

    @property
    def seeds(self) -> dict[str, Any]:
        """Root seed and derivation."""
        ...

    def tasks(self) -> list[RunTask]:
        """Every run of the plan."""
        ...

    def manifest_extra(self) -> dict[str, Any]:
        """What this kind of plan adds to the manifest."""
        ...


def fingerprint(payload: Mapping[str, Any]) -> str:
    """SHA-256 of a plan's deciding data as sorted JSON (the one fingerprint function).

    >>> fingerprint({"b": 1, "a": [2]}) == fingerprint({"a": [2], "b": 1})
    True
    """
    text = json.dumps(dict(payload), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def safe_id(text: str) -> str:
    """Text usable in a run id: letters, digits and ``._-`` (other runs become ``_``).

    >>> safe_id("my scenario (v2)")
    'my_scenario_v2_'
    """
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)


# --------------------------------------------------------------------------- one run
#: How ``govsim run`` seeds its run.
RUN_DERIVATION = (
    "the run's seed is the seed itself: numpy SeedSequence(seed), one child stream per process"
)


@dataclass
class RunPlan:
    """The one-run plan of ``govsim run``: one scenario, one seed, every metric kept."""

    scenario: Scenario
    seed: int
    steps: int
    run_id: str
    file: Path | None = None
    overrides: list[str] = field(default_factory=list)
    kind: str = "run"
    resumable: bool = False
    run_ids: str = "<scenario file stem>-seed<seed>"

    def __post_init__(self) -> None:
        self.seed = check_seed(self.seed, "--seed")
        self.run_id = safe_id(self.run_id)

    @property
    def keep(self) -> Keep:
        """Every metric, every step."""
        from ..metrics import metric_names

        names = tuple(metric_names([p.name for p in self.scenario.parties]))
        return Keep(metrics=names, window=0, timeseries=names, every=1)

    @property
    def scenarios(self) -> dict[str, Scenario]:
        """The one scenario."""
        return {"scenario": self.scenario}

    @property
    def seeds(self) -> dict[str, Any]:
        """The seed and its derivation."""
        return {"seed": self.seed, "derivation": RUN_DERIVATION}

    @property
    def fingerprint(self) -> str:
        """Scenario, seed, steps and what is kept."""
        return fingerprint(
            {
                "scenarios": [self.scenario.model_dump(mode="json")],
                "seed": self.seed,
                "steps": self.steps,
                "keep": list(self.keep.as_dict().values()),
            }
        )

    def tasks(self) -> list[RunTask]:
        """The one run."""
        return [
            RunTask(
                run_id=self.run_id,
                scenario=self.scenario.model_dump(mode="json"),
                parameters={},
                seed=self.seed,
                steps=self.steps,
                keep=self.keep,
            )
        ]

    def manifest_extra(self) -> dict[str, Any]:
        """The scenario file, run length and overrides."""
        return {
            "scenario_file": str(self.file.resolve()) if self.file else None,
            "steps": self.steps,
            "overrides": list(self.overrides),
        }


# --------------------------------------------------------------------------- the session
def build_manifest(
    plan: Plan,
    *,
    executor: Mapping[str, Any],
    started: dt.datetime,
    command: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The manifest of a plan (the one builder; :class:`RunStore` adds fingerprint, status)."""
    data = manifest(
        kind=plan.kind,
        scenarios=plan.scenarios,
        seeds=plan.seeds,
        started=started,
        extra={"run_ids": plan.run_ids, "executor": dict(executor), **plan.manifest_extra()},
    )
    data["command"] = list(sys.argv if command is None else command)
    return data


@dataclass
class PlanOutcome:
    """What :func:`execute_plan` returns: counts, ``runs.parquet`` and the manifest."""

    summary: SweepSummary
    runs: pd.DataFrame
    manifest: dict[str, Any]
    out: Path


class PlanSession:
    """An open results folder of a plan: lock, store and (lazily) executor.

    Use as a context manager, or call :meth:`open` and :meth:`close`. The lock is held from
    :meth:`open` to :meth:`close` (or the end of the process).

    Parameters
    ----------
    plan : Plan
        What to run.
    out : Path
        The results folder.
    executor, workers, scheduler
        See :func:`~sim.experiments.executors.make_executor` (checked here, once).
    resume : bool
        Continue the plan already in ``out`` (same fingerprint), skipping its finished runs.
    force : bool
        Replace earlier results in ``out`` or write into a folder holding other files.
    command : sequence of str, optional
        Command line for the manifest (default: ``sys.argv``).
    """

    def __init__(
        self,
        plan: Plan,
        out: Path,
        *,
        executor: str = "serial",
        workers: int | None = None,
        scheduler: str | None = None,
        resume: bool = False,
        force: bool = False,
        command: Sequence[str] | None = None,
    ):
        check_executor(executor, workers, scheduler)
        self.plan = plan
        self.out = Path(out)
        self.options = {"kind": executor, "workers": workers, "scheduler": scheduler}
        self.resume, self.force, self.command = resume, force, command
        self.lock = WriterLock(self.out)
        self.store: RunStore | None = None
        self.totals = SweepSummary()
        self._stack = contextlib.ExitStack()
        self._executor: Any = None
        self._t0 = time.perf_counter()

    # ------------------------------------------------------------------ open / close
    def open(self) -> PlanSession:
        """Lock the folder, check it, write the manifest and open the store (once)."""
        if self.store is not None:
            return self
        self.lock.acquire()
        try:
            self._check_out()
        except BaseException:
            self.lock.release(remove=True)  # a refused folder keeps nothing of ours
            raise
        try:
            _remove_stale(self.out)
            data = build_manifest(
                self.plan,
                executor=self.options,
                started=dt.datetime.now(dt.UTC),
                command=self.command,
            )
            self.store = RunStore(
                self.out,
                fingerprint=self.plan.fingerprint,
                manifest=data,
                resume=self.resume,
                force=self.force,
            )
        except BaseException:
            _remove_stale(self.out)  # e.g. a manifest half-written to a full disk
            self.lock.release()
            raise
        return self

    def _check_out(self) -> None:
        """Refuse earlier results without --resume/--force, and folders of other files."""
        if not (self.out / MANIFEST).exists():
            check_output_dir(self.out, force=self.force)
            return
        if self.resume or self.force:
            return  # the store compares fingerprints
        try:
            old = json.loads((self.out / MANIFEST).read_text(encoding="utf-8"))
            what = f"a {old.get('kind', 'govsim')} result, {old.get('status', '?')}"
        except (OSError, ValueError, AttributeError):
            what = "unreadable"
        how = (
            f"Pass --resume to complete that {self.plan.kind}, --force to replace it, or "
            "choose another --out."
            if self.plan.resumable
            else "Pass --force to replace them, or choose another --out."
        )
        raise StoreError(f"{self.out}: already holds govsim results ({MANIFEST}: {what}). {how}")

    def executor(self) -> Any:
        """The executor, started on first use and kept until :meth:`close_executor`."""
        if self._executor is None:
            kind, workers, scheduler = self.options.values()
            self._executor = self._stack.enter_context(
                make_executor(kind, workers, scheduler, local_directory=self.out / SCRATCH)
            )
        return self._executor

    def close_executor(self) -> None:
        """Stop the executor (and its workers) and remove the scratch folder."""
        try:
            self._stack.close()
        finally:
            self._executor = None
            shutil.rmtree(self.out / SCRATCH, ignore_errors=True)

    def close(self) -> None:
        """Stop the executor, remove scratch space and release the lock."""
        try:
            self.close_executor()
        finally:
            if self.lock.held:
                with contextlib.suppress(OSError):
                    _remove_stale(self.out)  # what a failed atomic write left
            self.lock.release()

    def __enter__(self) -> PlanSession:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ running
    @property
    def manifest(self) -> dict[str, Any]:
        """The manifest as last written."""
        return self._store().manifest

    def completed_ids(self) -> set[str]:
        """Run ids already finished successfully."""
        return self._store().completed_ids()

    def run(
        self,
        tasks: Sequence[RunTask] | None = None,
        *,
        progress: Callable[[Any, SweepSummary], None] | None = None,
        step_progress: Callable[[int], None] | None = None,
    ) -> SweepSummary:
        """Run ``tasks`` (default: the plan's) that the store lacks; store each as it ends."""
        tasks = self.plan.tasks() if tasks is None else list(tasks)
        summary = run_tasks(
            tasks,
            self._store(),
            self.executor(),
            progress=progress,
            step_progress=step_progress if self.options["kind"] == "serial" else None,
        )
        self.totals.worker_deaths += summary.worker_deaths
        self.totals.retried += summary.retried
        return summary

    def finalise(self, extra: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """Consolidate the store into ``runs.parquet``/``timeseries.parquet``; finish manifest."""
        record = {
            **self.options,
            "worker_deaths": self.totals.worker_deaths,
            "retried_runs": self.totals.retried,
        }
        data = {
            "executor": record,
            "seconds": round(time.perf_counter() - self._t0, 3),
            **dict(extra or {}),
        }
        return self._store().finalise(data)

    def _store(self) -> RunStore:
        if self.store is None:
            raise RuntimeError("the session is not open")
        return self.store


def _remove_stale(out: Path) -> None:
    """Remove temporary files of atomic writes left by a killed writer (we hold the lock)."""
    for folder in (out, out / PARTS):
        if folder.is_dir():
            for p in folder.iterdir():
                if _STALE.match(p.name) and p.is_file():
                    p.unlink(missing_ok=True)


def execute_plan(
    plan: Plan,
    out: Path,
    *,
    executor: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    force: bool = False,
    progress: Callable[[RunResult | FailedRun, SweepSummary], None] | None = None,
    on_start: Callable[[int, int], None] | None = None,
    step_progress: Callable[[int], None] | None = None,
    command: Sequence[str] | None = None,
) -> PlanOutcome:
    """Run every task of ``plan`` into the results folder ``out`` and finalise it.

    ``on_start(total, already_done)`` is called once the store knows what is left,
    ``progress(result, summary)`` after each run, ``step_progress(step)`` after each step of a
    run (serial executor only). See :class:`PlanSession` for what else happens.
    """
    with PlanSession(
        plan, out, executor=executor, workers=workers, scheduler=scheduler,
        resume=resume, force=force, command=command,
    ) as session:  # fmt: skip
        tasks = plan.tasks()
        if on_start is not None:
            done = session.completed_ids()
            on_start(len(tasks), sum(t.run_id in done for t in tasks))
        summary = session.run(tasks, progress=progress, step_progress=step_progress)
        session.close_executor()
        runs = session.finalise()
        return PlanOutcome(summary=summary, runs=runs, manifest=session.manifest, out=session.out)


@dataclass
class RunOutcome:
    """What :func:`run_file` returns (``govsim run``)."""

    out: Path
    name: str
    runs: pd.DataFrame
    timeseries: pd.DataFrame | None  # None when the run failed
    error: str | None
    plot: Path | None


def run_file(
    scenario: Path,
    *,
    out: Path | None = None,
    steps: int | None = None,
    seed: int | None = None,
    overrides: Sequence[str] = (),
    force: bool = False,
    step_progress: Callable[[int], None] | None = None,
    on_start: Callable[[str, int], None] | None = None,
) -> RunOutcome:
    """Run one scenario file as a one-task plan on the serial executor (``govsim run``).

    Writes ``runs.parquet``, ``timeseries.parquet``, ``manifest.json`` and ``metrics.png`` to
    ``out`` (default ``results/<stem>-seed<seed>``), all under the folder's writer lock. An
    existing non-empty ``out`` is refused unless ``force``. ``on_start(name, steps)`` is
    called before the run starts, ``step_progress(step)`` after each step. A run that fails
    (for example with a NaN headline metric) is recorded and its error returned.
    """
    from ..scenario import ScenarioError, load_scenario

    sc = load_scenario(scenario, overrides=list(overrides))
    seed = sc.seed if seed is None else seed
    steps = sc.steps if steps is None else steps
    if steps < 0:
        raise ScenarioError(f"--steps {steps}: must be 0 or more.")
    check_seed(seed, "--seed" if seed != sc.seed else f"{scenario}: seed")
    plan = RunPlan(
        sc, seed=seed, steps=steps, run_id=f"{Path(scenario).stem}-seed{seed}",
        file=Path(scenario), overrides=list(overrides),
    )  # fmt: skip
    out = Path(out) if out is not None else Path("results") / f"{Path(scenario).stem}-seed{seed}"
    with PlanSession(plan, out, force=force) as session:
        if on_start is not None:
            on_start(sc.name, steps)
        session.run(step_progress=step_progress)
        session.close_executor()
        runs = session.finalise()
        if len(runs) and runs["status"].iloc[0] != "ok":
            return RunOutcome(out, sc.name, runs, None, str(runs["error"].iloc[0]), None)
        from ..plots import plot_metrics
        from ..results import TIMESERIES

        ts = pd.read_parquet(out / TIMESERIES).drop(columns="run_id")
        png = plot_metrics(ts, out / "metrics.png", title=sc.name)
        return RunOutcome(out, sc.name, runs, ts, None, png)
