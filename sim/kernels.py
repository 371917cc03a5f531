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

__all__ = ["AUTO_MIN_SIZE", "backend", "kernels"]

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


@cache
def _compiled() -> SimpleNamespace:
    import numpy as np
    from numba import njit

    @njit(cache=True, nogil=True)
    def trust_experience(tl, tn, el, en, local, seen, blame, up, down, rate):  # pragma: no cover
        """Both asymmetric trust updates and both expectation updates, in one pass.

        Returns new arrays (trust_local, trust_national, expectation_local,
        expectation_national); the inputs are not changed.
        """
        n = tl.shape[0]
        otl = np.empty(n)
        otn = np.empty(n)
        oel = np.empty(n)
        oen = np.empty(n)
        keep = 1 - blame
        for i in range(n):
            q = local[i]
            # national performance: (1 - b) * seen + b * Q_i
            nat = keep * seen + blame * q
            gap = q - el[i]
            t = max(gap, 0.0) * up + min(gap, 0.0) * down + tl[i]
            otl[i] = min(max(t, 0.0), 1.0)
            oel[i] = gap * rate + el[i]
            gap = nat - en[i]
            t = max(gap, 0.0) * up + min(gap, 0.0) * down + tn[i]
            otn[i] = min(max(t, 0.0), 1.0)
            oen[i] = gap * rate + en[i]
        return otl, otn, oel, oen

    @njit(cache=True, nogil=True)
    def participation_threshold(
        share,
        theta0,
        eff,
        trust,
        youth_cut,
        m_eff,
        m_trust,
        chance_draw,
        opp,
        participating,
        stay_draw,
        persistence,
    ):  # pragma: no cover
        """Granovetter threshold rule and the chance to take part, in one pass."""
        n = share.shape[0]
        out = np.empty(n, dtype=np.bool_)
        for i in range(n):
            chance = chance_draw[i] < opp[i] or (participating[i] and stay_draw[i] < persistence)
            theta = theta0[i] - m_eff * eff[i] - m_trust * trust[i] - youth_cut[i]
            out[i] = chance and share[i] + 1e-9 >= theta
        return out

    @njit(cache=True, nogil=True)
    def trust_voice(
        participating,
        heard,
        council,
        spill_record,
        heard_gain,
        ignored_loss,
        heard_eff,
        ignored_eff,
        youth_eff,
        land_eff,
        has_youth,
        youth,
        has_land,
        eligible,
        national_share,
        tl,
        tn,
        eff,
    ):  # pragma: no cover
        """Voice outcome for every citizen in one pass: new (trust_local, national, efficacy)."""
        n = tl.shape[0]
        otl = np.empty(n)
        otn = np.empty(n)
        oef = np.empty(n)
        for i in range(n):
            c = council[i]
            land = 1.0 if has_land[c] and eligible[i] else 0.0
            x = tn[i]
            if participating[i]:
                h = heard[i]
                tc = (heard_gain if h else 0.0) - (0.0 if h else ignored_loss)
                ec = (heard_eff if h else 0.0) - (0.0 if h else ignored_eff)
                ec = ec + youth_eff * (1.0 if has_youth[c] and youth[i] else 0.0)
                ec = ec + land_eff * land
                if national_share > 0:
                    g = national_share * tc
                    x = (x if g < 0 else 1 - x) * g + x
                    x = min(max(x, 0.0), 1.0)
            else:
                tc = spill_record[c]
                ec = 0.0 + land_eff * land
            otn[i] = x
            x = tl[i]
            x = (x if tc < 0 else 1 - x) * tc + x
            otl[i] = min(max(x, 0.0), 1.0)
            ec = min(max(ec, -1.0), 1.0)
            x = eff[i]
            x = (x if ec < 0 else 1 - x) * ec + x
            oef[i] = min(max(x, 0.0), 1.0)
        return otl, otn, oef

    return SimpleNamespace(
        trust_experience=trust_experience,
        participation_threshold=participation_threshold,
        trust_voice=trust_voice,
    )
