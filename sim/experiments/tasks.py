"""One run of a plan as a picklable task, its execution, and the loop that feeds a store.

:func:`execute` never raises: a run that fails becomes a :class:`FailedRun` holding the error,
so one bad design point cannot stop a sweep. :func:`run_tasks` submits only runs the store does
not already hold and writes each result the moment it arrives, keeping a bounded number of runs
in flight (a killed sweep loses at most those).

*A dead worker fails only the runs it held.* When a local process pool breaks (a worker killed
by the OS, say), every run in flight is tried again on a rebuilt pool, one at a time, so the run
that kills its worker is found; it is retried at most ``retries`` times and then recorded as
failed, and every other run goes on. ``SweepSummary.worker_deaths`` and ``retried`` count it.
"""

from __future__ import annotations

import concurrent.futures as cf
import gc
import math
import os
import signal
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import GovsimError
from ..metrics import HEADLINE
from ..runner import RunResult, run_model, runs_row
from ..scenario import scenario_from_dict
from ..schema import Scenario

if TYPE_CHECKING:
    from .store import RunStore

__all__ = [
    "RETRIES",
    "TEST_KILL_WORKER",
    "FailedRun",
    "Keep",
    "NonFiniteMetricError",
    "RunTask",
    "SweepSummary",
    "execute",
    "run_tasks",
]

#: Times a run whose worker died is tried again before it is recorded as failed.
RETRIES = 2

#: Test-only hook (documented in docs/sweeps.md): a worker process running a run whose id is in
#: this comma-separated environment variable kills itself with SIGKILL, as the OS's OOM killer
#: would. With ``GOVSIM_TEST_KILL_ONCE=<dir>`` it does so only once per run id (a marker file in
#: ``<dir>`` remembers). Never active in the main process, so serial runs are unaffected.
TEST_KILL_WORKER = "GOVSIM_TEST_KILL_WORKER"
_TEST_KILL_ONCE = "GOVSIM_TEST_KILL_ONCE"


@dataclass(frozen=True)
class Keep:
    """What a run keeps of its metrics.

    Attributes
    ----------
    metrics : tuple of str
        Metrics whose final value goes into ``runs.parquet``.
    window : int
        Also record ``<metric>_mean`` (mean of the last ``window`` steps); 0 = off.
    timeseries : tuple of str
        Metrics kept step by step in ``timeseries.parquet`` (empty: no time series).
    every : int
        Keep every ``every``-th step of the time series (step 0 and the last always kept).
    """

    metrics: tuple[str, ...] = HEADLINE
    window: int = 0
    timeseries: tuple[str, ...] = HEADLINE
    every: int = 1

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON data, the one form used by fingerprints and manifests.

        >>> Keep(metrics=("a",), timeseries=()).as_dict()
        {'metrics': ['a'], 'window': 0, 'timeseries': [], 'every': 1}
        """
        data = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}


@dataclass(frozen=True)
class RunTask:
    """Everything a worker needs to do one run (plain data: cheap to pickle and send)."""

    run_id: str
    scenario: dict[str, Any]  # a validated Scenario, model_dump(mode="json")
    parameters: dict[str, Any]
    seed: int
    steps: int
    keep: Keep = field(default_factory=Keep)
    point: int = 0
    replicate: int = 0


@dataclass
class FailedRun:
    """A run that raised (or lost its worker): who it was and what went wrong."""

    run_id: str
    seed: int
    parameters: dict[str, Any]
    error: str
    seconds: float = 0.0
    scenario_name: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_task(cls, task: RunTask, error: str, seconds: float = 0.0) -> FailedRun:
        """The failed run of ``task`` (the one builder of failures)."""
        return cls(
            run_id=task.run_id,
            seed=task.seed,
            parameters={k: _scalar(v) for k, v in task.parameters.items()},
            error=error,
            seconds=seconds,
            scenario_name=str(task.scenario.get("name", "")),
            extra={"point": task.point, "replicate": task.replicate},
        )

    def runs_row(self) -> dict[str, Any]:
        """One row of ``runs.parquet`` with ``status = "failed"`` (see :func:`runs_row`)."""
        return runs_row(
            self.run_id, self.scenario_name, self.seed, self.parameters, self.extra,
            error=self.error,
        )  # fmt: skip


@dataclass
class SweepSummary:
    """Counts of a :func:`run_tasks` call."""

    total: int = 0
    skipped: int = 0
    done: int = 0
    failed: int = 0
    failed_ids: list[str] = field(default_factory=list)
    worker_deaths: int = 0
    retried: int = 0


class NonFiniteMetricError(ArithmeticError):
    """A run ended with a NaN or infinite headline metric (its message names metric and cause)."""


def execute(task: RunTask, progress: Callable[[int], None] | None = None) -> RunResult | FailedRun:
    """Run one task; return its (trimmed) result, or a :class:`FailedRun` if anything raised.

    A headline metric that is NaN or infinite at the last step fails the run (see
    :func:`check_finite`). ``progress(step)`` is called after each step (serial runs only).
    """
    start = time.perf_counter()
    _test_kill_hook(task.run_id)
    try:
        scenario = task_scenario(task)
        with _collector_paused():
            model = run_model(scenario, task.seed, task.steps, progress=progress)
            names, rows = model.datacollector.metric_rows()  # an array of its own, not the model
            scenario_name = model.spec.name
            del model  # unreachable before the collection at the end of the block frees it
        kept_final, kept_series = _kept(names, rows, task.keep)
        result = RunResult(
            run_id=task.run_id,
            seed=task.seed,
            parameters={k: _scalar(v) for k, v in task.parameters.items()},
            final=dict(zip(names, rows[-1].tolist(), strict=True)),  # every metric, checked
            timeseries=kept_series,
            seconds=0.0,
            scenario_name=scenario_name,
            extra={"point": task.point, "replicate": task.replicate},
        )
        check_finite(result, task)
        result.final = kept_final
        result.seconds = time.perf_counter() - start
        return result
    except Exception as exc:  # noqa: BLE001 - recorded, the sweep goes on
        if isinstance(exc, NonFiniteMetricError | GovsimError):  # ours: the message is for people
            text = f"{type(exc).__name__}: {exc}"
        else:
            text = "".join(traceback.format_exception_only(exc)).strip()
        return FailedRun.from_task(task, text, time.perf_counter() - start)


def task_scenario(task: RunTask) -> Scenario:
    """The scenario a task runs: its scenario with its parameters applied, validated once.

    The same scenario ``GovernanceModel(Scenario(task.scenario), **task.parameters)`` builds
    (``tests/test_experiments.py`` checks every shipped scenario), without validating the
    scenario a second time before the parameters go on (~0.15 ms of a 1,000-citizen run:
    docs/performance.md, sixth round).
    """
    if not task.parameters:
        return Scenario.model_validate(task.scenario)
    return scenario_from_dict(task.scenario, task.parameters, source="GovernanceModel(**params)")


class _collector_paused:  # noqa: N801 - used as a statement, like contextlib's
    """Pause Python's cyclic garbage collector for one run; restore it (and collect) after.

    A run's garbage is almost all freed by reference counting, but its allocations trigger
    collections that walk every object of the process, imports and results included: in a
    serial ``govsim sweep`` of 1,000-citizen runs, ~6 ms of each 29 ms run (``gc.callbacks``;
    docs/performance.md).  The run's own cycles (a model and its Mesa agents) go in the young
    collection at the end, so the model must be unreachable by then (``del model`` inside
    the block): a model still referenced survives it into the older generations, which are
    rarely collected in a sweep, and every run's model stays in memory (~0.9 MB a
    1,000-citizen run) until one is.  A run that raises leaves its model in the finished
    frames of the traceback: their locals are cleared first (the exception itself, which
    the failed run's record is made from, stays).  A collector switched off by the caller
    stays off.
    """

    def __enter__(self) -> None:
        self.was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, exc_type: object, exc: object, tb: TracebackType | None) -> None:
        if tb is not None:
            traceback.clear_frames(tb)  # frames still running (this one's caller) are kept
        if self.was_enabled:
            gc.enable()
            gc.collect(0)


def check_finite(result: RunResult, task: RunTask) -> None:
    """Raise :class:`NonFiniteMetricError` if a headline metric ends NaN or infinite.

    The message names the metrics and the likely cause: the run's parameters with the largest
    magnitudes (at or above 1e9), else the parameters the plan set for this run.
    """
    bad = {m: result.final[m] for m in HEADLINE if m in result.final}
    bad = {m: v for m, v in bad.items() if not math.isfinite(v)}
    if not bad:
        return
    values = {**_numbers(task.scenario), **_numbers(task.parameters)}
    huge = sorted(((k, v) for k, v in values.items() if abs(v) >= 1e9), key=lambda kv: -abs(kv[1]))
    if huge:
        cause = (
            "likely cause: "
            + ", ".join(f"{k} = {v:g}" for k, v in huge[:3])
            + (" (far outside the documented range: see docs/parameters.md)")
        )
    elif task.parameters:
        cause = "check the parameters of this run: " + ", ".join(
            f"{k} = {v!r}" for k, v in task.parameters.items()
        )
    else:
        cause = "check the scenario's parameters against docs/parameters.md"
    metrics = ", ".join(f"{m} = {v}" for m, v in bad.items())
    raise NonFiniteMetricError(
        f"headline metric(s) not finite at the end of the run (step {task.steps}): {metrics}; "
        f"{cause}."
    )


def _numbers(data: Any, prefix: str = "") -> dict[str, float]:
    """Every numeric leaf of nested scenario data, by dotted path."""
    out: dict[str, float] = {}
    if isinstance(data, dict):
        for k, v in data.items():
            out.update(_numbers(v, f"{prefix}{k}."))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            key = v.get("name", i) if isinstance(v, dict) else i
            out.update(_numbers(v, f"{prefix}{key}."))
    elif isinstance(data, int | float) and not isinstance(data, bool):
        out[prefix[:-1]] = float(data)
    return out


def _test_kill_hook(run_id: str) -> None:
    """Test-only: SIGKILL this worker process if ``run_id`` is named (see TEST_KILL_WORKER)."""
    names = os.environ.get(TEST_KILL_WORKER)
    if not names or run_id not in names.split(","):
        return
    import multiprocessing

    if multiprocessing.parent_process() is None:
        return  # the main process: never
    once = os.environ.get(_TEST_KILL_ONCE)
    if once:
        marker = Path(once) / f"{run_id}.killed"
        try:
            marker.touch(exist_ok=False)
        except FileExistsError:
            return
    os.kill(os.getpid(), signal.SIGKILL)


def _scalar(value: Any) -> Any:
    """A parameter value as one table cell: a list level becomes ``a+b`` (``none`` if empty)."""
    if isinstance(value, list | tuple):
        return "+".join(str(v) for v in value) or "none"
    return value


def _kept(names: list[str], rows: np.ndarray, keep: Keep) -> tuple[dict, pd.DataFrame]:
    """What ``keep`` keeps of a run's metric rows: the final values and the time series.

    The final value of each of ``keep.metrics``, with ``<metric>_mean`` over the last
    ``keep.window`` steps (NaN ignored) if asked; the time series of ``keep.timeseries``
    (a ``step`` column first, every ``keep.every``-th step and the last).  Read straight from
    the collector's array: the values :func:`sim.run_scenario`'s frame holds, without
    building and slicing a frame of every metric.
    """
    col = {name: j for j, name in enumerate(names)}
    last = rows[-1]
    final = {m: float(last[col[m]]) for m in keep.metrics}
    if keep.window > 0:
        tail = rows[-keep.window :]
        final.update({f"{m}_mean": float(np.nanmean(tail[:, col[m]])) for m in keep.metrics})
    step = np.arange(len(rows), dtype=np.int64)
    if not keep.timeseries:
        return final, pd.DataFrame({"step": step[:0]})
    if keep.every > 1:
        step = step[(step % keep.every == 0) | (step == len(rows) - 1)]
    frame = {"step": step} | {m: rows[step, col[m]] for m in keep.timeseries}
    return final, pd.DataFrame(frame)


def run_tasks(
    tasks: Iterable[RunTask],
    store: RunStore,
    executor: cf.Executor,
    *,
    progress: Callable[[RunResult | FailedRun, SweepSummary], None] | None = None,
    max_in_flight: int = 64,
    retries: int = RETRIES,
    step_progress: Callable[[int], None] | None = None,
) -> SweepSummary:
    """Submit the tasks the store lacks and write each result to the store as it finishes.

    At most ``max_in_flight`` runs are submitted and unfinished at any time, so memory stays
    bounded and a crash loses at most those runs. ``progress(result, summary)`` is called after
    each result is stored. If ``executor`` has a ``rebuild()`` method (the local process pool)
    a broken pool is rebuilt and the runs it held are retried one at a time, each at most
    ``retries`` times (see the module docstring); any other lost run is recorded as failed.
    ``step_progress(step)`` is passed to :func:`execute` (a serial executor only).
    """
    tasks = list(tasks)
    completed = store.completed_ids()
    queue = deque(t for t in tasks if t.run_id not in completed)
    summary = SweepSummary(total=len(tasks), skipped=len(tasks) - len(queue))
    suspects: deque[RunTask] = deque()  # in flight when a pool broke: retried one at a time
    deaths: dict[str, int] = {}
    pending: set[cf.Future] = set()
    owner: dict[cf.Future, RunTask] = {}
    rebuild = getattr(executor, "rebuild", None)
    extra_args = (step_progress,) if step_progress is not None else ()

    def record(result: RunResult | FailedRun) -> None:
        store.add(result)
        if isinstance(result, FailedRun):
            summary.failed += 1
            summary.failed_ids.append(result.run_id)
        else:
            summary.done += 1
        if progress is not None:
            progress(result, summary)

    def broken_pool(fut: cf.Future, isolated: bool) -> None:
        """Every future of the pool is lost: rebuild it and queue its runs as suspects."""
        lost = [owner[fut], *(t for f, t in owner.items() if f is not fut)]
        for f in pending:
            f.cancel()
        owner.clear()
        pending.clear()
        summary.worker_deaths += 1
        rebuild()
        if isolated:  # it ran alone: it is the run that killed its worker
            task = lost[0]
            deaths[task.run_id] = deaths.get(task.run_id, 0) + 1
            if deaths[task.run_id] > retries:
                record(
                    FailedRun.from_task(
                        task,
                        f"worker process died while running this run "
                        f"({deaths[task.run_id]} times, e.g. killed by the OS for memory); "
                        "other runs were not affected",
                    )
                )
                lost = lost[1:]
        summary.retried += len(lost)
        suspects.extendleft(reversed(lost))

    def collect(finished: Iterable[cf.Future], isolated: bool) -> None:
        for fut in finished:
            if fut not in owner:
                continue  # lost with a broken pool, already re-queued
            try:
                result = fut.result()  # execute() never raises; a lost worker does
            except cf.BrokenExecutor:
                if rebuild is None:
                    record(FailedRun.from_task(owner.pop(fut), "worker lost: the pool broke"))
                    continue
                broken_pool(fut, isolated)
                return
            except Exception as exc:  # noqa: BLE001 - e.g. Dask's KilledWorker
                result = FailedRun.from_task(
                    owner[fut], f"worker lost: {type(exc).__name__}: {exc}"
                )
            owner.pop(fut)
            record(result)

    def submit(task: RunTask, again: deque[RunTask]) -> bool:
        """Submit ``task``; if the pool is found broken, put it back in ``again`` (False)."""
        try:
            fut = executor.submit(execute, task, *extra_args)
        except cf.BrokenExecutor:
            if rebuild is None:
                raise
            if pending:  # their futures will report the break: handle it there, once
                again.appendleft(task)
                return False
            summary.worker_deaths += 1
            rebuild()
            fut = executor.submit(execute, task, *extra_args)
        owner[fut] = task
        pending.add(fut)
        return True

    try:
        while queue or suspects or pending:
            if suspects:  # one at a time, until the run that kills its worker is found
                if not pending:
                    submit(suspects.popleft(), suspects)
                done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                pending.difference_update(done)
                collect(done, isolated=True)
                continue
            while queue and len(pending) < max_in_flight and not suspects:
                if not submit(queue.popleft(), queue):
                    break
                done = {f for f in pending if f.done()}  # a serial run: record it at once
                pending.difference_update(done)
                collect(done, isolated=False)
            if not pending:
                continue
            done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            pending.difference_update(done)
            collect(done, isolated=False)
    finally:
        for fut in pending:
            fut.cancel()
    return summary
