"""Optional fused numba kernels for the hot per-citizen rules (issue 11).

Each kernel does in one pass over the citizens what the numpy reference in the process
module does in several array operations, with the same floating-point operations in the same
order, so both give the same bits (``tests/test_kernels.py``).  Random numbers are always
drawn with numpy's Generator outside the kernel and passed in, so the stream is unchanged.

The backend is chosen by the environment variable ``GOVSIM_KERNELS``: ``numpy`` (the
reference path), ``numba`` (fail if numba is missing) or ``auto`` (the default: numba when
it is installed, ``pip install govsim[fast]``, and the population has at least
:data:`AUTO_MIN_SIZE` citizens; below that the kernels save microseconds a step while
importing numba costs a fraction of a second, ``docs/performance.md``).  numba is imported
only when a kernel is first needed, and kernels are compiled with ``cache=True``.

>>> backend() in ("numpy", "numba")
True
"""

from __future__ import annotations

import os
from functools import cache
from types import SimpleNamespace

__all__ = ["AUTO_MIN_SIZE", "backend", "choose", "kernels", "of_world"]

_CHOICES = ("numpy", "numba", "auto")

#: Smallest population for which ``auto`` uses the kernels.
AUTO_MIN_SIZE = 20_000


def _choice() -> str:
    value = os.environ.get("GOVSIM_KERNELS", "auto").strip().lower() or "auto"
    if value not in _CHOICES:
        raise ValueError(f"GOVSIM_KERNELS={value!r}: allowed values are numpy, numba, auto")
    return value


@cache
def _numba_available() -> bool:
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def backend() -> str:
    """Return the kernel backend in use, ``"numpy"`` or ``"numba"``.

    Read from ``GOVSIM_KERNELS`` at each call (cheap), so tests can switch it.
    """
    value = _choice()
    if value == "numpy":
        return "numpy"
    if value == "numba" or _numba_available():
        return "numba"
    return "numpy"


def kernels(size: int) -> SimpleNamespace | None:
    """Return the compiled kernels for ``size`` citizens, or ``None`` for the numpy path."""
    if backend() == "numpy" or (_choice() == "auto" and size < AUTO_MIN_SIZE):
        return None
    return _compiled()


def choose(size: int) -> str:
    """The backend a model of ``size`` citizens runs on: ``"numba"`` or ``"numpy"``.

    The model asks once, when it is built (``GovernanceModel`` sets ``world.kernel_backend``),
    so a run never switches path half-way and a step does not read the environment.
    """
    return "numpy" if kernels(size) is None else "numba"


def of_world(world) -> SimpleNamespace | None:
    """The compiled kernels if ``world`` runs on numba (``world.kernel_backend``), else None."""
    if world.kernel_backend == "numba":
        return _compiled()
    return None


@cache
def _compiled() -> SimpleNamespace:
    from . import _kernels_numba as nb

    return SimpleNamespace(**{name: getattr(nb, name) for name in nb.__all__})
