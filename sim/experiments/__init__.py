"""Experiments at scale: sweep designs, executors (serial, processes, Dask), a resumable store.

>>> from sim.experiments import make_executor, RunStore, RunTask, execute, run_tasks
"""

from __future__ import annotations

from .executors import EXECUTORS, make_executor
from .store import RunStore, StoreError
from .tasks import FailedRun, Keep, RunTask, SweepSummary, execute, run_tasks

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
