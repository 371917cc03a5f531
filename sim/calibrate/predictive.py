r"""Posterior-predictive checks: bands against the data, fit, and the held-out years.

``predictive_draws`` parameter sets are drawn from the posterior (by weight) and the whole
timeline is simulated once per set (a fresh seed each).  For every series and year the band is
the 5% to 95% quantile of the simulated statistic (the 90% predictive band) and the line its
median.  Fit: the RMSE in points of the median against the data, and the share of data points
inside the band.  Held-out years (``[[holdout]]``) are scored beside a naive baseline: the
series' last fitted value carried forward.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..rng import derive_seed
from .config import Calibration, Target
from .posterior import draw_parameter_sets
from .reference import base_years, load_reference, metric_of, model_years, observed
from .simulator import run_timeseries

__all__ = ["Predictive", "naive_baseline", "predictive_check", "score"]


@dataclass
class Predictive:
    """Posterior-predictive draws, bands and scores."""

    draws: pd.DataFrame  # draw, series, year, value
    bands: pd.DataFrame  # series, year, q05, q50, q95
    points: pd.DataFrame  # series, year, role, observed, q05, q50, q95, inside, error, naive...
    fit: dict[str, float]  # rmse / coverage of fitted and held-out points


def _one(scenario: dict, params: dict, seed: int, steps: int, start: int, metrics: list[str]):
    df = run_timeseries(scenario, params, seed, steps)
    return {m: model_years(df, m, start).to_dict() for m in metrics}


def _series_targets(cal: Calibration) -> dict[str, Target]:
    out: dict[str, Target] = {}
    for t in (*cal.targets, *cal.holdout):
        out.setdefault(t.series, t)
    return out


def predictive_check(
    cal: Calibration,
    posterior: Path,
    scenario: dict[str, Any],
    *,
    executor: str = "serial",
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Predictive:
    """Simulate the posterior predictive and score it against fitted and held-out points."""
    from ..experiments.executors import make_executor

    n = cal.abc.predictive_draws
    sets = draw_parameter_sets(posterior, n, derive_seed(cal.seed, 2))
    series = _series_targets(cal)
    metrics = sorted({metric_of(t) for t in series.values()})
    rows = []
    with make_executor(executor, workers=workers) as ex:
        futs = [
            ex.submit(
                _one,
                scenario,
                params,
                derive_seed(cal.seed, 3, i),
                cal.steps,
                cal.start_year,
                metrics,
            )  # fmt: skip
            for i, params in enumerate(sets)
        ]
        for i, f in enumerate(futs):
            years = f.result()
            for name, t in series.items():
                vals = years[metric_of(t)]
                for y, v in vals.items():
                    rows.append((i, name, int(y), float(v)))
            if progress:
                progress(i + 1, n)
    draws = pd.DataFrame(rows, columns=["draw", "series", "year", "level"])
    base = base_years(cal.targets)
    draws["value"] = draws["level"]
    for name, t in series.items():
        if t.statistic == "change":
            b = base.get(name, t.years[0])
            sel = draws["series"] == name
            ref_level = draws[sel & (draws["year"] == b)].set_index("draw")["level"]
            draws.loc[sel, "value"] = draws.loc[sel, "level"] - draws.loc[sel, "draw"].map(
                ref_level
            )
    bands = (
        draws.groupby(["series", "year"])["value"]
        .quantile([0.05, 0.5, 0.95])
        .unstack()
        .rename(columns={0.05: "q05", 0.5: "q50", 0.95: "q95"})
        .reset_index()
    )
    points = score(cal, bands)
    return Predictive(draws=draws, bands=bands, points=points, fit=fit_summary(points))


def naive_baseline(fitted: dict[int, float], year: int) -> float:
    """The last fitted value before ``year`` carried forward (NaN if none).

    >>> naive_baseline({2007: 35.0, 2012: 32.0}, 2015)
    32.0
    >>> naive_baseline({2012: 32.0}, 2010)
    nan
    """
    before = [y for y in fitted if y < year]
    return float(fitted[max(before)]) if before else float("nan")


def score(cal: Calibration, bands: pd.DataFrame) -> pd.DataFrame:
    """One row per data point: observed, band, inside, error; naive baseline for held-out."""
    ref = load_reference(cal.data_path())
    base = base_years(cal.targets)
    b = bands.set_index(["series", "year"])
    rows = []
    fitted_obs: dict[str, dict[int, float]] = {}
    for role, targets in (("fitted", cal.targets), ("held-out", cal.holdout)):
        for t in targets:
            ref_year = base.get(t.series, t.years[0]) if t.statistic == "change" else None
            for y in t.years:
                if y == ref_year:
                    continue  # a change against its own reference year: zero by construction
                obs = observed(ref, t.series, y)
                if ref_year is not None:
                    obs -= observed(ref, t.series, ref_year)
                q = b.loc[(t.series, y)]
                naive = np.nan
                if role == "fitted":
                    fitted_obs.setdefault(t.series, {})[y] = obs
                else:
                    naive = naive_baseline(fitted_obs.get(t.series, {}), y)
                rows.append(
                    {
                        "series": t.series,
                        "year": y,
                        "role": role,
                        "statistic": t.statistic,
                        "observed": obs,
                        "q05": float(q["q05"]),
                        "q50": float(q["q50"]),
                        "q95": float(q["q95"]),
                        "inside": bool(q["q05"] <= obs <= q["q95"]),
                        "error": float(q["q50"]) - obs,
                        "naive": naive,
                        "naive_error": naive - obs,
                    }
                )
    return pd.DataFrame(rows)


def rmse(errors: pd.Series) -> float:
    """Root-mean-square of errors (NaN when empty).

    >>> round(rmse(pd.Series([3.0, -4.0])), 4)
    3.5355
    """
    e = errors.dropna().to_numpy(dtype=float)
    return float(np.sqrt(np.mean(e**2))) if len(e) else float("nan")


def fit_summary(points: pd.DataFrame) -> dict[str, float]:
    """RMSE (points) and 90%-band coverage of the fitted and held-out points."""
    out: dict[str, float] = {}
    for role, key in (("fitted", "fit"), ("held-out", "holdout")):
        p = points[points["role"] == role]
        out[f"{key}_points"] = float(len(p))
        out[f"{key}_rmse"] = rmse(p["error"])
        out[f"{key}_coverage"] = float(p["inside"].mean()) if len(p) else float("nan")
        if role == "held-out":
            out["naive_rmse"] = rmse(p["naive_error"])
    return out
