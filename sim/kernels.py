"""Optional fused numba kernels for the hot per-citizen rules (issue 11).

Each kernel does in one pass over the citizens what the numpy reference in the process
module does in several array operations, with the same floating-point operations in the same
order, so both give the same bits (``tests/test_kernels.py``).  Random numbers are always
drawn with numpy's Generator outside the kernel and passed in, so the stream is unchanged.

The backend is chosen by the environment variable ``GOVSIM_KERNELS``: ``numpy`` (the
reference path), ``numba`` (fail if numba is missing) or ``auto`` (the default: numba when
it is installed, ``pip install govsim[fast]``, else numpy).  numba is imported only when a
model is built, not by ``govsim --help``, and kernels are compiled with ``cache=True``: a
fresh process with a warm cache pays about 0.75 s CPU for numba's import and the cached
kernels (``docs/performance.md``), and the results are the same bits on both
paths.  The numba kernels live in :mod:`sim._kernels_numba`.

From :data:`PARALLEL_FROM` citizens the DeGroot pass runs on numba's threads
(:func:`parallel_chunks`), with the same bits; ``NUMBA_NUM_THREADS=1`` keeps it on one.

>>> backend() in ("numpy", "numba")
True
"""

from __future__ import annotations

import os
from functools import cache
from types import SimpleNamespace

__all__ = ["PARALLEL_FROM", "backend", "choose", "kernels", "of_world", "parallel_chunks"]

_CHOICES = ("numpy", "numba", "auto")
#: From this many citizens a step's threaded kernels (DeGroot, both trust updates, the
#: threshold rule, the allocation) split their citizens over numba's threads.  With DeGroot
#: alone threaded, two threads saved at most 0.3 ms of a 10 ms step at 100,000 (fifth
#: round); with all five (``benchmarks/threads.py``: ms a step, two threads against one,
#: three models each) 5.18-5.95 against 5.99-6.63 at 100,000, 2.72-2.81 against 2.90-3.00
#: at 50,000 and 1.13-1.16 against 1.17-1.19 at 20,000 (docs/performance.md).  Below
#: it a model stays on one thread: sweeps of small models already keep every core busy.
PARALLEL_FROM = 50_000


def _choice() -> str:
    value = os.environ.get("GOVSIM_KERNELS", "auto").strip().lower() or "auto"
    if value not in _CHOICES:
        raise ValueError(f"GOVSIM_KERNELS={value!r}: allowed values are numpy, numba, auto")
    return value


@cache
def _numba_available() -> bool:
    """Return whether numba is installed (looked up without importing it)."""
    from importlib.util import find_spec

    return find_spec("numba") is not None


def backend() -> str:
    """Return the kernel backend ``GOVSIM_KERNELS`` selects, ``"numpy"`` or ``"numba"``.

    Read from ``GOVSIM_KERNELS`` at each call (cheap), so tests can switch it.
    """
    value = _choice()
    if value == "numpy":
        return "numpy"
    if value == "numba" or _numba_available():
        return "numba"
    return "numpy"


def kernels() -> SimpleNamespace | None:
    """Return the compiled kernels, or ``None`` for the numpy path (``GOVSIM_KERNELS``)."""
    value = _choice()
    if value == "numpy":
        return None
    if value == "auto":
        if not _numba_available():
            return None
        try:
            return _compiled()
        except ImportError:  # installed but unusable: auto falls back to numpy
            return None
    return _compiled()


def choose() -> str:
    """The backend a new model runs on: ``"numba"`` or ``"numpy"``.

    The model asks once, when it is built (``GovernanceModel`` sets ``world.kernel_backend``),
    so a run never switches path half-way and a step does not read the environment.
    """
    return "numpy" if kernels() is None else "numba"


def of_world(world) -> SimpleNamespace | None:
    """The compiled kernels if ``world`` runs on numba (``world.kernel_backend``), else None."""
    if world.kernel_backend == "numba":
        return _compiled()
    return None


def parallel_chunks(n: int) -> int:
    """How many row ranges a kernel with a threaded variant splits ``n`` citizens into (0: none).

    Threads are used from :data:`PARALLEL_FROM` citizens, when numba may start more than one
    (``NUMBA_NUM_THREADS``, default the number of cores), and only from the main thread of
    the main process: Dask's worker threads and the dashboard's stay serial, so no two
    threads ever launch numba's thread pool at once (its fallback ``workqueue`` layer does
    not allow that), and a sweep's pool workers, which already share the cores, stay serial.
    The split never changes the results (each citizen's sums are in the same order).
    Sets ``OMP_WAIT_POLICY=PASSIVE`` unless already set (``docs/performance.md``: without
    it the second thread spins, ~20 ms more CPU a step at 1,000,000 citizens).
    """
    if n < PARALLEL_FROM:
        return 0
    import multiprocessing
    import threading

    from numba import config

    threads = int(config.NUMBA_NUM_THREADS)
    if threads < 2 or threading.current_thread() is not threading.main_thread():
        return 0
    if multiprocessing.parent_process() is not None:
        return 0
    # OpenMP's idle threads sleep rather than spin through the serial rest of the step (read
    # when numba first starts its threads; a value the user set is kept)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    return 4 * threads


@cache
def _compiled() -> SimpleNamespace:
    from . import _kernels_numba as nb

    return SimpleNamespace(**{name: getattr(nb, name) for name in nb.__all__})
