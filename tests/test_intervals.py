"""One interval for replicate means (sim.intervals): coverage by simulation, shapes, NaN."""

from __future__ import annotations

import numpy as np
import pytest

from sim.compare.stats import bootstrap_mean_ci
from sim.intervals import mean_interval, t_interval


def coverage(low: np.ndarray, high: np.ndarray, truth: float) -> float:
    return float(((low <= truth) & (truth <= high)).mean())


def test_t_interval_covers_95_percent_at_three_replicates():
    # 40,000 independent experiments of n = 3 normal replicates, true mean 10: each column of
    # x is one experiment, so one vectorised call gives 40,000 intervals.
    rng = np.random.default_rng(20261202)
    x = rng.normal(10.0, 2.0, size=(3, 40_000))
    r = mean_interval(x)
    t_cov = coverage(r.low, r.high, 10.0)
    # binomial standard error at 40,000 draws: 0.0011
    assert t_cov == pytest.approx(0.95, abs=0.005)
    # the old dashboard band, mean +- 1.96 s / sqrt(n): visibly short of 95% (theory: ~0.80)
    half = 1.96 * x.std(axis=0, ddof=1) / np.sqrt(3)
    z_cov = coverage(r.mean - half, r.mean + half, 10.0)
    assert z_cov < 0.85
    assert t_cov - z_cov > 0.10


def test_bootstrap_method_covers_about_95_percent_at_ten_replicates():
    rng = np.random.default_rng(7)
    x = rng.normal(0.0, 1.0, size=(10, 4_000))
    r = mean_interval(x, method="bootstrap", rng=np.random.default_rng(1), n_boot=2000)
    # expanded percentile: close to nominal (a plain percentile interval gives ~0.91 here)
    assert coverage(r.low, r.high, 0.0) == pytest.approx(0.95, abs=0.02)


def test_compare_bootstrap_delegates_with_the_same_numbers():
    x = np.random.default_rng(3).normal(size=(6, 4))
    lo, hi = bootstrap_mean_ci(x, np.random.default_rng(9))
    r = mean_interval(x, method="bootstrap", rng=np.random.default_rng(9))
    assert np.array_equal(lo, r.low) and np.array_equal(hi, r.high)


def test_shapes_nan_and_small_n():
    x = np.array([[1.0, np.nan, 4.0], [3.0, np.nan, np.nan], [5.0, 2.0, np.nan]])
    r = mean_interval(x)
    assert r.n.tolist() == [3, 1, 1]
    assert r.mean.tolist()[0] == 3.0 and r.mean.tolist()[1] == 2.0
    assert np.isnan(r.low[1:]).all() and np.isnan(r.high[1:]).all()
    assert r.low[0] == pytest.approx(3.0 - 4.302653 * 2.0 / np.sqrt(3), rel=1e-6)
    lo, hi = t_interval(np.array([2.0, 2.0]), np.array([1.0, 1.0]), np.array([3, 1]))
    assert np.isfinite(lo[0]) and np.isnan(hi[1])
    single = mean_interval([4.0])
    assert single.mean == 4.0 and np.isnan(single.low)
    with pytest.raises(ValueError, match="rng"):
        mean_interval(x, method="bootstrap")
