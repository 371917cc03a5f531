"""Experiments at scale: sweep designs, executors (serial, processes, Dask), a resumable store.

Names load on first use, so the command line can read ``EXECUTORS`` without importing the model.

>>> from sim.experiments import make_executor, RunStore, RunTask, execute, run_tasks
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sim.experiments' has no attribute {name!r}")
