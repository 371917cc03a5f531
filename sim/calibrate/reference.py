r"""Reference series and summary statistics: what the model is compared with, and how.

Dating rule
-----------
Step 0 of the run is January of ``start_year``; row :math:`r` of the model's time series (the
state after :math:`r` months) is dated month :math:`r`, in year
:math:`y_0 + \lfloor r / 12 \rfloor`.

* A **survey** series (trust) is compared with the **mean of the 12 monthly rows of its year**
  (surveys are fielded over months; the yearly mean does not pretend to know which).
* **Turnout** is compared with the row of **December** of the election year: the model's
  ``turnout`` is the turnout at the latest election, so December holds that year's election.

Values are in percentage points (metric times 100).  A target's ``statistic`` is ``level``
(the value) or ``change`` (the value minus the series' value in its first listed year, for
series whose level the model does not share: BSA's "nation above party" question sits 15-20
points below the Scottish series the scenario starts from).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import CalibrationError
from ..messages import find_line

if TYPE_CHECKING:
    from .config import Calibration, Target

__all__ = [
    "SERIES_METRIC",
    "December",
    "check_targets",
    "load_reference",
    "model_years",
    "observed",
    "simulated",
    "stat_key",
]

#: The model metric each reference series is compared with.
SERIES_METRIC = {
    "scottish_sa_trust_uk_govt": "trust_national",
    "bsa_trust_govt_nation_above_party": "trust_national",
    "oecd_trust_national_govt_uk": "trust_national",
    "oecd_trust_local_govt_uk": "trust_local",
    "uk_general_election_turnout": "turnout",
}

#: Metrics dated by the December row (a value set at an event), not the yearly mean.
December = frozenset({"turnout"})


def load_reference(path: Path) -> pd.DataFrame:
    """Read the reference CSV (``series, year, value, unit, source, note``)."""
    path = Path(path)
    if not path.exists():
        raise CalibrationError(f"{path}: no such reference data file.")
    df = pd.read_csv(path)
    missing = {"series", "year", "value", "source"} - set(df.columns)
    if missing:
        raise CalibrationError(f"{path}: missing columns {', '.join(sorted(missing))}.")
    return df


def observed(ref: pd.DataFrame, series: str, year: int) -> float:
    """The published value of ``series`` in ``year`` (points)."""
    row = ref[(ref["series"] == series) & (ref["year"] == year)]
    return float(row["value"].iloc[0])


def stat_key(target: Target, year: int) -> str:
    """Name of one summary statistic, e.g. ``scottish_sa_trust_uk_govt:2011``."""
    return f"{target.series}:{year}"


def metric_of(target: Target) -> str:
    """The model metric a target is compared with."""
    return target.metric or SERIES_METRIC[target.series]


def check_targets(cal: Calibration, ref: pd.DataFrame, path: Path) -> None:
    """Every target names a known series, years the data has, years the run covers."""
    known = sorted(set(ref["series"]))
    for field in ("targets", "holdout"):
        for i, t in enumerate(getattr(cal, field)):
            line = find_line(path, (field, i, "series")) or find_line(path, (field, i))
            where = f"{path}:{line}" if line else str(path)
            if t.series not in known:
                raise CalibrationError(
                    f"{where}: {field}.{i}.series = {t.series!r}: not in {cal.data_path()}. "
                    f"Allowed: {', '.join(known)}."
                )
            if t.metric is None and t.series not in SERIES_METRIC:
                raise CalibrationError(
                    f"{where}: {field}.{i}.series = {t.series!r} has no model metric; set "
                    f"metric = one of {', '.join(sorted(set(SERIES_METRIC.values())))}."
                )
            have = sorted(int(y) for y in ref.loc[ref["series"] == t.series, "year"])
            for y in t.years:
                if y not in have:
                    raise CalibrationError(
                        f"{where}: {field}.{i}.years: {y} is not a year of {t.series}. "
                        f"Allowed: {', '.join(map(str, have))}."
                    )
                if y < cal.start_year:
                    raise CalibrationError(
                        f"{where}: {field}.{i}.years: {y} is before start_year = "
                        f"{cal.start_year}, when the simulation starts."
                    )
            if t.statistic == "change" and len(t.years) < 2 and field == "targets":
                raise CalibrationError(
                    f"{where}: {field}.{i}: statistic = 'change' needs at least two years (the "
                    "first is the reference year)."
                )


def model_years(df: pd.DataFrame, metric: str, start_year: int) -> pd.Series:
    """Yearly values (points) of one metric of a model time series, by the dating rule.

    >>> df = pd.DataFrame({"trust_national": np.r_[np.full(12, 0.3), np.full(12, 0.2)]})
    >>> model_years(df, "trust_national", 2007).round(6).to_dict()
    {2007: 30.0, 2008: 20.0}
    """
    x = df[metric].to_numpy(dtype=float) * 100.0
    years = start_year + np.arange(len(x)) // 12
    s = pd.Series(x, index=years)
    if metric in December:
        return s.groupby(level=0).last()
    return s.groupby(level=0).mean()


def _stat(values: dict[int, float], target: Target, base_year: int) -> dict[str, float]:
    out = {}
    for y in target.years:
        v = values[y]
        if target.statistic == "change":
            v = v - values[base_year]
        out[stat_key(target, y)] = float(v)
    return out


def observed_stats(
    ref: pd.DataFrame, targets: Iterable[Target], base: dict[str, int] | None = None
) -> dict[str, float]:
    """The data's summary statistics for ``targets`` (``base``: reference year per series)."""
    out: dict[str, float] = {}
    for t in targets:
        b = (base or {}).get(t.series, t.years[0])
        years = sorted({*t.years, b})
        vals = {y: observed(ref, t.series, y) for y in years}
        out.update(_stat(vals, t, b))
    return out


def simulated(
    df: pd.DataFrame,
    targets: Iterable[Target],
    start_year: int,
    base: dict[str, int] | None = None,
) -> dict[str, float]:
    """The model's summary statistics for ``targets`` from one run's time series."""
    out: dict[str, float] = {}
    cache: dict[str, pd.Series] = {}
    for t in targets:
        m = metric_of(t)
        if m not in cache:
            cache[m] = model_years(df, m, start_year)
        b = (base or {}).get(t.series, t.years[0])
        out.update(_stat(cache[m].to_dict(), t, b))
    return out


def base_years(targets: Iterable[Target]) -> dict[str, int]:
    """Reference year of each ``change`` series: the first year listed in the fitted targets."""
    return {t.series: t.years[0] for t in targets if t.statistic == "change"}
