"""Optional fused numba kernels for the hot per-citizen rules (issue 11).

Each kernel does in one pass over the citizens what the numpy reference in the process
module does in several array operations, with the same floating-point operations in the same
order, so both give the same bits (``tests/test_kernels.py``).  Random numbers are always
drawn with numpy's Generator outside the kernel and passed in, so the stream is unchanged.

The backend is chosen by the environment variable ``GOVSIM_KERNELS``: ``numpy`` (the
reference path), ``numba`` (fail if numba is missing) or ``auto`` (the default: numba when
it is installed, ``pip install govsim[fast]``, and the population has at least
:data:`AUTO_MIN_SIZE` citizens or this process has already built
:data:`AUTO_AFTER_MODELS` models; a single small run would spend more on importing numba
than the kernels save, ``docs/performance.md``).  numba is imported only when a kernel is
first needed, and kernels are compiled with ``cache=True``.  The numba kernels live in
:mod:`sim._kernels_numba`.

>>> backend() in ("numpy", "numba")
True
"""

from __future__ import annotations

import os
from functools import cache
from types import SimpleNamespace

__all__ = ["AUTO_AFTER_MODELS", "AUTO_MIN_SIZE", "backend", "choose", "kernels", "of_world"]

_CHOICES = ("numpy", "numba", "auto")

#: Smallest population for which ``auto`` uses the kernels from the first model on.
AUTO_MIN_SIZE = 20_000
#: ``auto`` uses the kernels for smaller populations too once this process has built this
#: many models (a sweep, a worker of a pool): numba's import and the cached kernels' load
#: (under 1 s) are then paid once for many runs, each of which the kernels make faster
#: (``docs/performance.md``).  Results are the same bits on both paths.
AUTO_AFTER_MODELS = 16

_models_built = 0


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

    Read from ``GOVSIM_KERNELS`` at each call (cheap), so tests can switch it.  Under
    ``auto`` a model still runs on numpy below :data:`AUTO_MIN_SIZE` (see :func:`choose`).
    """
    value = _choice()
    if value == "numpy":
        return "numpy"
    if value == "numba" or _numba_available():
        return "numba"
    return "numpy"


def kernels(size: int, models_built: int = 0) -> SimpleNamespace | None:
    """Return the compiled kernels for ``size`` citizens, or ``None`` for the numpy path.

    ``models_built``: how many models this process has built (:data:`AUTO_AFTER_MODELS`).
    """
    value = _choice()
    if value == "numpy":
        return None
    if value == "auto":
        if not _numba_available():
            return None
        if size < AUTO_MIN_SIZE and models_built < AUTO_AFTER_MODELS:
            return None
        try:
            return _compiled()
        except ImportError:  # installed but unusable: auto falls back to numpy
            return None
    return _compiled()


def choose(size: int) -> str:
    """The backend a new model of ``size`` citizens runs on: ``"numba"`` or ``"numpy"``.

    The model asks once, when it is built (``GovernanceModel`` sets ``world.kernel_backend``),
    so a run never switches path half-way and a step does not read the environment.  Each
    call counts one model built in this process.
    """
    global _models_built
    _models_built += 1
    return "numpy" if kernels(size, _models_built) is None else "numba"


def of_world(world) -> SimpleNamespace | None:
    """The compiled kernels if ``world`` runs on numba (``world.kernel_backend``), else None."""
    if world.kernel_backend == "numba":
        return _compiled()
    return None


@cache
def _compiled() -> SimpleNamespace:
    from . import _kernels_numba as nb

    return SimpleNamespace(**{name: getattr(nb, name) for name in nb.__all__})
