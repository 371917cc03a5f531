"""One run of a sweep as a picklable task, its execution, and the loop that feeds a store.

:func:`execute` never raises: a run that fails becomes a :class:`FailedRun` holding the error,
so one bad design point cannot stop a sweep. :func:`run_tasks` submits only runs the store does
not already hold and writes each result the moment it arrives, keeping a bounded number of runs
in flight (a killed sweep loses at most those).
"""

from __future__ import annotations

import concurrent.futures as cf
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..metrics import HEADLINE
from ..runner import RunResult, run_scenario
from ..schema import Scenario

if TYPE_CHECKING:
    from .store import RunStore

__all__ = ["FailedRun", "Keep", "RunTask", "SweepSummary", "execute", "run_tasks"]


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
    """A run that raised: who it was and what went wrong."""

    run_id: str
    seed: int
    parameters: dict[str, Any]
    error: str
    seconds: float = 0.0
    scenario_name: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def runs_row(self) -> dict[str, Any]:
        """One row of ``runs.parquet`` with ``status = "failed"`` and the error text.

        Like :meth:`sim.runner.RunResult.runs_row`, no wall time (rows are reproducible).
        """
        row: dict[str, Any] = {
            "run_id": self.run_id,
            "scenario": self.scenario_name,
            "seed": self.seed,
            "status": "failed",
            "error": self.error,
        }
        row.update({f"param.{k}": v for k, v in self.parameters.items()})
        row.update(self.extra)
        return row


@dataclass
class SweepSummary:
    """Counts of a :func:`run_tasks` call."""

    total: int = 0
    skipped: int = 0
    done: int = 0
    failed: int = 0
    failed_ids: list[str] = field(default_factory=list)


def execute(task: RunTask) -> RunResult | FailedRun:
    """Run one task; return its (trimmed) result, or a :class:`FailedRun` if anything raised."""
    start = time.perf_counter()
    extra = {"point": task.point, "replicate": task.replicate}
    name = str(task.scenario.get("name", ""))
    try:
        scenario = Scenario.model_validate(task.scenario)
        result = run_scenario(
            scenario, task.seed, task.steps, run_id=task.run_id, parameters=task.parameters
        )
        return _trim(result, task.keep, extra)
    except Exception as exc:  # noqa: BLE001 - recorded, the sweep goes on
        text = "".join(traceback.format_exception_only(exc)).strip()
        return FailedRun(
            run_id=task.run_id,
            seed=task.seed,
            parameters={k: _scalar(v) for k, v in task.parameters.items()},
            error=text,
            seconds=time.perf_counter() - start,
            scenario_name=name,
            extra=extra,
        )


def _scalar(value: Any) -> Any:
    """A parameter value as one table cell: a list level becomes ``a+b`` (``none`` if empty)."""
    if isinstance(value, list | tuple):
        return "+".join(str(v) for v in value) or "none"
    return value


def _trim(result: RunResult, keep: Keep, extra: dict[str, Any]) -> RunResult:
    ts = result.timeseries
    final = {m: result.final[m] for m in keep.metrics}
    if keep.window > 0:
        tail = ts[list(keep.metrics)].iloc[-keep.window :]
        final.update({f"{m}_mean": float(np.nanmean(tail[m])) for m in keep.metrics})
    if keep.timeseries:
        cols = ["step", *keep.timeseries]
        kept = ts[cols]
        if keep.every > 1:
            rows = (kept["step"] % keep.every == 0) | (kept.index == len(kept) - 1)
            kept = kept[rows]
        kept = kept.reset_index(drop=True)
    else:
        kept = pd.DataFrame({"step": pd.Series([], dtype="int64")})
    result.final = final
    result.parameters = {k: _scalar(v) for k, v in result.parameters.items()}
    result.timeseries = kept
    result.extra = {**result.extra, **extra}
    return result


def run_tasks(
    tasks: Iterable[RunTask],
    store: RunStore,
    executor: cf.Executor,
    *,
    progress: Callable[[RunResult | FailedRun, SweepSummary], None] | None = None,
    max_in_flight: int = 64,
) -> SweepSummary:
    """Submit the tasks the store lacks and write each result to the store as it finishes.

    At most ``max_in_flight`` runs are submitted and unfinished at any time, so memory stays
    bounded and a crash loses at most those runs. ``progress(result, summary)`` is called after
    each result is stored.
    """
    tasks = list(tasks)
    completed = store.completed_ids()
    todo = [t for t in tasks if t.run_id not in completed]
    summary = SweepSummary(total=len(tasks), skipped=len(tasks) - len(todo))
    pending: set[cf.Future] = set()
    owner: dict[cf.Future, RunTask] = {}

    def collect(futures: Iterable[cf.Future]) -> None:
        for fut in futures:
            task = owner.pop(fut)
            try:
                result = fut.result()  # execute() never raises; a lost worker does
            except Exception as exc:  # noqa: BLE001 - e.g. a worker killed by the OS
                result = FailedRun(
                    run_id=task.run_id,
                    seed=task.seed,
                    parameters=dict(task.parameters),
                    error=f"worker lost: {type(exc).__name__}: {exc}",
                    scenario_name=str(task.scenario.get("name", "")),
                    extra={"point": task.point, "replicate": task.replicate},
                )
            store.add(result)
            if isinstance(result, FailedRun):
                summary.failed += 1
                summary.failed_ids.append(result.run_id)
            else:
                summary.done += 1
            if progress is not None:
                progress(result, summary)

    try:
        for task in todo:
            fut = executor.submit(execute, task)
            owner[fut] = task
            pending.add(fut)
            finished = {f for f in pending if f.done()}
            pending -= finished
            collect(finished)
            while len(pending) >= max_in_flight:
                finished, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                collect(finished)
        while pending:
            finished, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            collect(finished)
    finally:
        for fut in pending:
            fut.cancel()
    return summary
