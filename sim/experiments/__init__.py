"""Experiments at scale: sweep designs, executors (serial, processes, Dask), a resumable store.

Names load on first use, so the command line can read ``EXECUTORS`` without importing the model.

>>> from sim.experiments import make_executor, RunStore, RunTask, execute, run_tasks
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_getattr

__all__ = [
    "EXECUTORS",
    "FailedRun",
    "Keep",
    "RunStore",
    "RunTask",
    "StoreError",
    "SweepSummary",
    "execute",
    "make_executor",
    "run_tasks",
]

_WHERE = {
    "EXECUTORS": ".executors",
    "make_executor": ".executors",
    "RunStore": ".store",
    "StoreError": ".store",
    "FailedRun": ".tasks",
    "Keep": ".tasks",
    "RunTask": ".tasks",
    "SweepSummary": ".tasks",
    "execute": ".tasks",
    "run_tasks": ".tasks",
}

if TYPE_CHECKING:
    from .executors import EXECUTORS, make_executor
    from .store import RunStore, StoreError
    from .tasks import FailedRun, Keep, RunTask, SweepSummary, execute, run_tasks


__getattr__ = lazy_getattr(__name__, _WHERE)
