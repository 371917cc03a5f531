r"""The interval of a mean over replicates: one function for analyze, compare and the dashboard.

Two methods, both for "how sure is the average of these :math:`n` replicate runs":

``"t"`` (default): the Student-t interval

.. math:: \bar x \pm t_{1-\alpha/2,\; n-1}\; \frac{s}{\sqrt n},
   \qquad s^2 = \frac{1}{n-1} \sum_i (x_i - \bar x)^2 ,

exact for normal replicates and close for sums of many small effects (most govsim metrics are
averages over thousands of citizens). At :math:`n = 3` the multiplier is
:math:`t_{0.975,2} = 4.30`, not 1.96: the normal (z) interval covers about 80% there, not 95%.

``"bootstrap"``: the *expanded percentile* bootstrap of Hesterberg (2015) [1]_: percentiles of
resampled means at :math:`\alpha'/2` and :math:`1-\alpha'/2` with
:math:`\Phi^{-1}(1-\alpha'/2) = \sqrt{n/(n-1)}\; t_{1-\alpha/2,\; n-1}`, which corrects the plain
percentile interval's under-coverage with few replicates. Needs a seeded generator.

With fewer than two finite values there is no interval (NaN bounds). NaN values are ignored
(``n`` counts the finite ones).

References
----------
.. [1] Hesterberg, T. C. (2015). What teachers should know about the bootstrap. *The American
   Statistician* 69(4), 371-386. https://doi.org/10.1080/00031305.2015.1089789
"""

from __future__ import annotations

import math
from typing import Literal, NamedTuple

import numpy as np
from scipy import stats

__all__ = ["LEVEL", "N_BOOT", "MeanInterval", "expanded_alpha", "mean_interval", "t_interval"]

#: Default confidence level.
LEVEL = 0.95
#: Default number of bootstrap resamples.
N_BOOT = 4000


class MeanInterval(NamedTuple):
    """Mean, interval bounds and the number of finite values (arrays, or floats for 1-d input)."""

    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray
    n: np.ndarray


def t_interval(
    mean: np.ndarray, sd: np.ndarray, n: np.ndarray, level: float = LEVEL
) -> tuple[np.ndarray, np.ndarray]:
    r"""Student-t bounds :math:`\bar x \pm t_{1-\alpha/2, n-1}\, s/\sqrt n` from summary statistics.

    Vectorised over arrays of means, standard deviations (``ddof=1``) and counts; NaN where
    ``n < 2``.

    Examples
    --------
    >>> lo, hi = t_interval(2.0, 1.0, 3)
    >>> round(float(lo), 4), round(float(hi), 4)
    (-0.4841, 4.4841)
    """
    mean = np.asarray(mean, dtype=np.float64)
    sd = np.asarray(sd, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    ok = n >= 2
    df = np.where(ok, n - 1, 1.0)
    mult = stats.t.ppf(0.5 + level / 2, df)
    half = np.where(ok, mult * sd / np.sqrt(np.where(ok, n, 1.0)), np.nan)
    return mean - half, mean + half


def expanded_alpha(n: int, level: float = LEVEL) -> float:
    r"""Hesterberg's expanded tail probability :math:`\alpha'` for ``n`` replicates.

    >>> round(expanded_alpha(5), 4), round(expanded_alpha(10_000), 4)
    (0.0019, 0.05)
    """
    alpha = 1.0 - level
    if n < 2:
        return alpha
    z = math.sqrt(n / (n - 1)) * stats.t.ppf(1 - alpha / 2, n - 1)
    return float(2 * stats.norm.sf(z))


def resample_means(x: np.ndarray, rng: np.random.Generator, n_boot: int = N_BOOT) -> np.ndarray:
    """Bootstrap means of the rows of ``x`` (n, m): an array (n_boot, m)."""
    n = x.shape[0]
    counts = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(np.float64)
    return counts @ x / n


def percentile_bounds(
    boot: np.ndarray, n: int, level: float = LEVEL
) -> tuple[np.ndarray, np.ndarray]:
    """Expanded-percentile bounds of bootstrap replicates ``boot`` (n_boot, ...) of ``n`` values."""
    a = expanded_alpha(n, level)
    lo, hi = np.quantile(boot, [a / 2, 1 - a / 2], axis=0)
    return lo, hi


def mean_interval(
    x: np.ndarray,
    *,
    level: float = LEVEL,
    method: Literal["t", "bootstrap"] = "t",
    rng: np.random.Generator | None = None,
    n_boot: int = N_BOOT,
) -> MeanInterval:
    r"""Mean over replicates (axis 0) and its confidence interval, for each column of ``x``.

    Parameters
    ----------
    x : array_like, shape (n, ...)
        Replicates along the first axis; any further axes (metrics, time steps) are independent
        columns. NaN values are left out of their column.
    level : float
        Confidence level, 0.95 by default.
    method : {"t", "bootstrap"}
        ``"t"``: :math:`\bar x \pm t_{1-\alpha/2,n-1}\, s/\sqrt n`. ``"bootstrap"``: Hesterberg's
        expanded percentile interval (``rng`` required; columns with NaN use their finite
        values, resampled one column at a time).
    rng : numpy.random.Generator, optional
        Seeded generator for ``"bootstrap"``.
    n_boot : int
        Bootstrap resamples.

    Returns
    -------
    MeanInterval
        ``mean``, ``low``, ``high`` and ``n`` (finite values per column), shaped like ``x[0]``
        (floats when ``x`` is 1-d). Bounds are NaN where ``n < 2``.

    Examples
    --------
    Three replicates 1, 2, 3: mean 2, :math:`s = 1`, half-width :math:`4.303/\sqrt 3 = 2.484`.

    >>> r = mean_interval([1.0, 2.0, 3.0])
    >>> float(r.mean), round(float(r.low), 3), round(float(r.high), 3), int(r.n)
    (2.0, -0.484, 4.484, 3)
    >>> r = mean_interval([[1.0, 5.0], [2.0, np.nan], [3.0, 7.0]])
    >>> r.n.tolist(), round(float(r.high[1]), 3)
    ([3, 2], 18.706)
    """
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim == 0:
        raise ValueError("mean_interval needs replicates along the first axis, not a scalar")
    finite = np.isfinite(arr)
    n = finite.sum(axis=0)
    total = np.where(finite, arr, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, total / np.where(n > 0, n, 1), np.nan)
        dev = np.where(finite, arr - mean, 0.0)
        sd = np.sqrt((dev**2).sum(axis=0) / np.where(n > 1, n - 1, 1))
    sd = np.where(n > 1, sd, np.nan)
    if method == "t":
        low, high = t_interval(mean, sd, n, level)
    elif method == "bootstrap":
        if rng is None:
            raise ValueError("method='bootstrap' needs a seeded numpy Generator (rng=...)")
        low, high = _bootstrap(arr, finite, n, rng, level, n_boot)
    else:
        raise ValueError(f"method must be 't' or 'bootstrap', not {method!r}")
    if arr.ndim == 1:
        return MeanInterval(float(mean), float(low), float(high), int(n))
    return MeanInterval(mean, low, high, n)


def _bootstrap(
    arr: np.ndarray,
    finite: np.ndarray,
    n: np.ndarray,
    rng: np.random.Generator,
    level: float,
    n_boot: int,
) -> tuple[np.ndarray, np.ndarray]:
    shape = arr.shape[1:]
    flat = arr.reshape(arr.shape[0], -1)
    ok = finite.reshape(arr.shape[0], -1)
    counts = n.reshape(-1)
    low = np.full(flat.shape[1], np.nan)
    high = low.copy()
    whole = ok.all(axis=0)
    if arr.shape[0] >= 2 and whole.any():  # the common case: one resampling for all columns
        low[whole], high[whole] = percentile_bounds(
            resample_means(flat[:, whole], rng, n_boot), arr.shape[0], level
        )
    for j in np.flatnonzero(~whole & (counts >= 2)):
        col = flat[ok[:, j], j][:, None]
        lo, hi = percentile_bounds(resample_means(col, rng, n_boot), len(col), level)
        low[j], high[j] = lo[0], hi[0]
    return low.reshape(shape), high.reshape(shape)
