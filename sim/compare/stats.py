r"""Statistics of one pair of scenarios: differences, bootstrap intervals, effect sizes.

Rules
-----
*Difference* of scenario B against the first scenario A: the mean of the paired differences
:math:`\bar d` (paired), or the difference of means :math:`\bar y^B - \bar y^A` (unpaired, used
when the scenarios' populations differ in size, so that replicate :math:`k` of one has nothing
to do with replicate :math:`k` of the other).

*Interval*: a bootstrap interval of that mean (4,000 resamples of replicates, seeded), the
*expanded percentile* interval of Hesterberg (2015): the percentiles are taken at
:math:`\alpha'/2` and :math:`1-\alpha'/2` with
:math:`\Phi^{-1}(1-\alpha'/2) = \sqrt{n/(n-1)}\; t_{n-1,\,1-\alpha/2}`, which corrects the
plain percentile interval's under-coverage with few replicates (a plain 95% percentile interval
covers about 80% of the time at :math:`n = 4`).  Unpaired intervals resample each scenario's
replicates separately, with :math:`n = \min(n_A, n_B)` in the expansion.

*Effect size*: paired, Cohen's :math:`d_z = \bar d / s_d`; unpaired, Cohen's
:math:`d = (\bar y^B - \bar y^A) / s_\text{pooled}`.  When every difference is exactly zero,
:math:`d_z = 0`; when the differences are all equal but not zero, :math:`d_z` is undefined (NaN).

References
----------
.. [1] Hesterberg, T. C. (2015). What teachers should know about the bootstrap. *The American
   Statistician* 69(4), 371-386. https://doi.org/10.1080/00031305.2015.1089789
.. [2] Lakens, D. (2013). Calculating and reporting effect sizes. *Frontiers in Psychology* 4,
   863. https://doi.org/10.3389/fpsyg.2013.00863
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ..intervals import LEVEL, N_BOOT, mean_interval
from ..intervals import expanded_alpha as _expanded_alpha  # noqa: F401 - kept for callers
from ..intervals import percentile_bounds as _interval
from ..intervals import resample_means as _resample_means


# --------------------------------------------------------------------------- bootstrap
def bootstrap_mean_ci(
    x: np.ndarray,
    rng: np.random.Generator,
    *,
    level: float = LEVEL,
    n_boot: int = N_BOOT,
) -> tuple[np.ndarray, np.ndarray]:
    """Expanded-percentile bootstrap interval of the mean of each column of ``x`` (n, ...).

    Columns must be free of NaN. With one observation the interval is NaN.

    >>> lo, hi = bootstrap_mean_ci(np.zeros((5, 2)), np.random.default_rng(0))
    >>> lo.tolist(), hi.tolist()
    ([0.0, 0.0], [0.0, 0.0])
    """
    x = np.asarray(x, dtype=np.float64)
    r = mean_interval(x, level=level, method="bootstrap", rng=rng, n_boot=n_boot)
    return np.asarray(r.low), np.asarray(r.high)


def bootstrap_diff_ci(
    a: np.ndarray,
    b: np.ndarray,
    rng: np.random.Generator,
    *,
    level: float = LEVEL,
    n_boot: int = N_BOOT,
) -> tuple[np.ndarray, np.ndarray]:
    """Unpaired bootstrap interval of ``mean(b) - mean(a)``, columnwise (each resampled apart)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    n = min(a.shape[0], b.shape[0])
    if n < 2:
        nan = np.full(a.shape[1:], np.nan)
        return nan, nan.copy()
    boot = _resample_means(b, rng, n_boot) - _resample_means(a, rng, n_boot)
    return _interval(boot, n, level)


# --------------------------------------------------------------------------- effect sizes
def cohen_dz(d: np.ndarray) -> float:
    r"""Paired effect size :math:`d_z = \bar d / s_d` (0 when every difference is 0).

    >>> cohen_dz(np.zeros(4)), round(cohen_dz(np.array([1.0, 2.0, 3.0])), 3)
    (0.0, 2.0)
    """
    d = np.asarray(d, dtype=np.float64)
    if len(d) < 2:
        return float("nan")
    mean, sd = float(d.mean()), float(d.std(ddof=1))
    if sd == 0.0:
        return 0.0 if mean == 0.0 else float("nan")
    return mean / sd


def cohen_d(a: np.ndarray, b: np.ndarray) -> float:
    r"""Unpaired effect size :math:`d = (\bar b - \bar a) / s_\text{pooled}`."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    na, nb = len(a), len(b)
    if na < 2 or nb < 2:
        return float("nan")
    pooled = math.sqrt(((na - 1) * a.var(ddof=1) + (nb - 1) * b.var(ddof=1)) / (na + nb - 2))
    diff = float(b.mean() - a.mean())
    if pooled == 0.0:
        return 0.0 if diff == 0.0 else float("nan")
    return diff / pooled


# --------------------------------------------------------------------------- one pair
def compare_outcomes(
    base: pd.DataFrame,
    other: pd.DataFrame,
    rng: np.random.Generator,
    *,
    paired: bool,
    level: float = LEVEL,
    n_boot: int = N_BOOT,
) -> pd.DataFrame:
    """Difference, interval and effect size of ``other`` against ``base``, column by column.

    Both frames are indexed by replicate. Paired: replicates present in both are matched by
    index (a replicate with a missing value in either is dropped for that column). Returns one
    row per column: ``baseline_mean``, ``scenario_mean``, ``difference``, ``ci_low``,
    ``ci_high``, ``effect_size``, ``effect_size_kind``, ``n``, ``n_baseline``, ``n_scenario``.
    """
    columns = list(base.columns)
    rows: dict[str, dict[str, Any]] = {}
    if paired:
        common = base.index.intersection(other.index)
        a_all, b_all = base.loc[common, columns], other.loc[common, columns]
        diff = b_all.to_numpy() - a_all.to_numpy()
        clean = ~np.isnan(diff).any(axis=0)
        lo = np.full(len(columns), np.nan)
        hi = lo.copy()
        if clean.any():
            lo[clean], hi[clean] = bootstrap_mean_ci(
                diff[:, clean], rng, level=level, n_boot=n_boot
            )
        for j, col in enumerate(columns):
            d = diff[:, j]
            ok = ~np.isnan(d)
            if not clean[j] and ok.sum() >= 2:
                lo[j], hi[j] = bootstrap_mean_ci(d[ok], rng, level=level, n_boot=n_boot)
            rows[col] = {
                "baseline_mean": float(a_all[col].to_numpy()[ok].mean()) if ok.any() else np.nan,
                "scenario_mean": float(b_all[col].to_numpy()[ok].mean()) if ok.any() else np.nan,
                "difference": float(d[ok].mean()) if ok.any() else np.nan,
                "ci_low": float(lo[j]),
                "ci_high": float(hi[j]),
                "effect_size": cohen_dz(d[ok]),
                "effect_size_kind": "d_z",
                "n": int(ok.sum()),
                "n_baseline": int(ok.sum()),
                "n_scenario": int(ok.sum()),
            }
    else:
        for col in columns:
            a = base[col].dropna().to_numpy()
            b = other[col].dropna().to_numpy()
            lo, hi = bootstrap_diff_ci(a[:, None], b[:, None], rng, level=level, n_boot=n_boot)
            rows[col] = {
                "baseline_mean": float(a.mean()) if len(a) else np.nan,
                "scenario_mean": float(b.mean()) if len(b) else np.nan,
                "difference": float(b.mean() - a.mean()) if len(a) and len(b) else np.nan,
                "ci_low": float(lo[0]),
                "ci_high": float(hi[0]),
                "effect_size": cohen_d(a, b),
                "effect_size_kind": "d",
                "n": int(min(len(a), len(b))),
                "n_baseline": len(a),
                "n_scenario": len(b),
            }
    return pd.DataFrame.from_dict(rows, orient="index")
