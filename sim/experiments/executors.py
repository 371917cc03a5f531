"""Executors behind one ``concurrent.futures`` interface: serial, local processes, Dask.

A sweep submits :func:`sim.experiments.tasks.execute` calls to whatever
:class:`concurrent.futures.Executor` :func:`make_executor` yields, so one loop drives a single
process, a local process pool, a Dask ``LocalCluster`` or a running Dask cluster (for example
one started on SLURM/PBS by dask-jobqueue, or on Kubernetes by dask-kubernetes). No scheduling
of our own: the pool or the Dask scheduler decides where each run goes.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..errors import GovsimError
from .guard import OWNER_ENV, worker_init

__all__ = [
    "EXECUTORS",
    "ProcessPool",
    "SerialExecutor",
    "check_executor",
    "default_workers",
    "make_executor",
]

#: The executor kinds ``govsim sweep --executor`` accepts.
EXECUTORS = ("serial", "processes", "dask")


class SerialExecutor(cf.Executor):
    """Run each submitted call at once, in this process, and return a finished future.

    Exceptions are stored in the future (as every executor does), never raised by ``submit``.
    """

    def __init__(self) -> None:
        self._shutdown = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future:
        """Call ``fn(*args, **kwargs)`` now; return a done future holding its result."""
        if self._shutdown:
            raise RuntimeError("cannot schedule new futures after shutdown")
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - stored, as a pool would
            future.set_exception(exc)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Refuse further submissions (nothing runs in the background)."""
        self._shutdown = True


class ProcessPool(cf.Executor):
    """A local :class:`~concurrent.futures.ProcessPoolExecutor` that can be rebuilt when broken.

    Uses the ``forkserver`` start method (safe with the threads of a progress bar). The
    forkserver and every worker die with the command that started them, however it dies
    (see :mod:`sim.experiments.guard`).
    """

    def __init__(self, workers: int):
        self.workers = workers
        self._ctx = multiprocessing.get_context("forkserver")
        os.environ[OWNER_ENV] = str(os.getpid())  # read by the forkserver's guard at start
        self._ctx.set_forkserver_preload(
            ["sim.experiments._forkserver_guard", "sim.experiments.tasks"]
        )
        self._pool = self._new()

    def _new(self) -> cf.ProcessPoolExecutor:
        return cf.ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=self._ctx,
            initializer=worker_init,
            initargs=(os.getpid(),),
        )

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future:
        """Submit to the current pool."""
        return self._pool.submit(fn, *args, **kwargs)

    def rebuild(self) -> None:
        """Replace a broken pool by a fresh one (its futures are lost; resubmit them)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._new()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Shut the pool down."""
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)


def check_executor(kind: str, workers: int | None = None, scheduler: str | None = None) -> None:
    """Check executor options once, before anything starts; raise a :class:`GovsimError`.

    >>> check_executor("processes", scheduler="tcp://h:8786")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sim.errors.GovsimError: --scheduler tcp://h:8786 joins a running Dask cluster: it needs ...
    """
    if kind not in EXECUTORS:
        raise GovsimError(f"--executor {kind!r}: must be one of {', '.join(EXECUTORS)}.")
    if scheduler is not None and kind != "dask":
        raise GovsimError(
            f"--scheduler {scheduler} joins a running Dask cluster: it needs --executor dask, "
            f"not {kind!r}."
        )
    if workers is not None and (isinstance(workers, bool) or int(workers) < 1):
        raise GovsimError(f"--workers {workers}: must be 1 or more.")


def default_workers() -> int:
    """Cores this process may use (``os.sched_getaffinity``), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@contextlib.contextmanager
def make_executor(
    kind: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    local_directory: Path | None = None,
) -> Iterator[cf.Executor]:
    """Yield an executor of ``kind`` and close everything it started on exit.

    Parameters
    ----------
    kind : {"serial", "processes", "dask"}
        ``serial`` runs in this process; ``processes`` uses a local
        :class:`ProcessPool` (``forkserver``; workers die with the command and a broken pool
        is rebuilt); ``dask`` connects to ``scheduler`` if given, else starts
        a ``LocalCluster`` of ``workers`` single-threaded worker processes on 127.0.0.1.
    workers : int, optional
        Worker processes (default: the cores available). Ignored for ``serial`` and when
        joining a running Dask cluster.
    scheduler : str, optional
        Address of a running Dask scheduler, e.g. ``tcp://10.0.0.5:8786`` (``dask`` only).
    local_directory : Path, optional
        Scratch space of Dask workers (default: Dask's, under the temporary directory).

    Examples
    --------
    >>> with make_executor("serial") as ex:
    ...     ex.submit(pow, 2, 10).result()
    1024
    """
    check_executor(kind, workers, scheduler)
    if kind == "serial":
        ex = SerialExecutor()
        try:
            yield ex
        finally:
            ex.shutdown()
    elif kind == "processes":
        pool = ProcessPool(workers or default_workers())
        try:
            yield pool
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    else:
        with _dask_executor(workers, scheduler, local_directory) as ex:
            yield ex


@contextlib.contextmanager
def _dask_executor(
    workers: int | None, scheduler: str | None, local_directory: Path | None
) -> Iterator[cf.Executor]:
    from distributed import Client, LocalCluster

    if scheduler is not None:
        with Client(scheduler) as client:
            # pure=False: never de-duplicate two runs, even with identical arguments
            yield client.get_executor(pure=False)
        return
    kwargs: dict[str, Any] = {}
    if local_directory is not None:
        Path(local_directory).mkdir(parents=True, exist_ok=True)
        kwargs["local_directory"] = str(local_directory)
    with (
        LocalCluster(
            n_workers=workers or default_workers(),
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",  # loopback only, any free port
            **kwargs,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client.get_executor(pure=False)
