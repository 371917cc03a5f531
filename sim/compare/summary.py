r"""Tables over many runs: outcomes at a horizon, the summary table, precision, bands over time.

Rules
-----
*Outcome of a run* at a horizon: the metric at the final step, or its mean over the last
:math:`K` steps (the *window*).

*Summary*: every scenario against the first, for every metric, group and horizon, with the
difference, interval and effect size of :func:`sim.compare.stats.compare_outcomes`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..metrics import HEADLINE
from ..rng import derive_seed
from .setup import Horizon, MetricColumn, horizons, metric_columns
from .stats import LEVEL, N_BOOT, bootstrap_mean_ci, compare_outcomes

#: Key under which bootstrap generators are derived from the comparison seed (replicate
#: seeds use keys 0, 1, 2, ...; this one is far away from them).
BOOTSTRAP_KEY = 7_000_001


# --------------------------------------------------------------------------- run outcomes
def outcomes(
    ts: pd.DataFrame,
    index: pd.DataFrame,
    columns: Sequence[str],
    horizon: Horizon,
) -> dict[str, pd.DataFrame]:
    """Each run's outcome at ``horizon``, by scenario label (rows: replicate; cols: columns).

    ``ts`` is a time series (``run_id``, ``step``, metric columns); ``index`` maps ``run_id`` to
    ``label`` and ``replicate``.
    """
    part = ts.loc[ts["step"].between(horizon.first, horizon.last), ["run_id", *columns]]
    per_run = part.groupby("run_id", sort=False)[list(columns)].mean()
    merged = index.set_index("run_id")[["label", "replicate"]].join(per_run, how="inner")
    return {
        label: df.set_index("replicate")[list(columns)].sort_index()
        for label, df in merged.groupby("label", sort=False)
    }


# --------------------------------------------------------------------------- every pair
SUMMARY_COLUMNS = [
    "baseline",
    "scenario",
    "metric",
    "group",
    "horizon",
    "from_step",
    "to_step",
    "baseline_mean",
    "scenario_mean",
    "difference",
    "ci_low",
    "ci_high",
    "ci_width",
    "effect_size",
    "effect_size_kind",
    "n",
    "n_baseline",
    "n_scenario",
    "paired",
]


def summarise(
    ts: pd.DataFrame,
    index: pd.DataFrame,
    labels: Sequence[str],
    *,
    steps: int,
    window: int,
    seed: int,
    paired: Mapping[str, bool] | bool = True,
    columns: Sequence[MetricColumn] | None = None,
    level: float = LEVEL,
    n_boot: int = N_BOOT,
) -> pd.DataFrame:
    """One row per (scenario against the first, metric, group, horizon): the summary table.

    ``paired`` is one flag for every scenario, or a flag per label. The bootstrap of pair ``i``
    draws from ``default_rng(derive_seed(seed, BOOTSTRAP_KEY, i))``: the same numbers on every
    rerun.
    """
    columns = list(columns or metric_columns())
    present = [c for c in columns if c.column in ts.columns]
    names = [c.column for c in present]
    frames = []
    for horizon in horizons(steps, window):
        out = outcomes(ts, index, names, horizon)
        base_label = labels[0]
        for i, label in enumerate(labels[1:], start=1):
            if base_label not in out or label not in out:
                continue
            flag = paired if isinstance(paired, bool) else paired.get(label, True)
            key = 0 if horizon.name == "final" else 1
            rng = np.random.default_rng(derive_seed(seed, BOOTSTRAP_KEY, i, key))
            res = compare_outcomes(
                out[base_label], out[label], rng, paired=flag, level=level, n_boot=n_boot
            )
            res.insert(0, "baseline", base_label)
            res.insert(1, "scenario", label)
            res.insert(2, "metric", [c.metric for c in present])
            res.insert(3, "group", [c.group for c in present])
            res.insert(4, "horizon", horizon.name)
            res.insert(5, "from_step", horizon.first)
            res.insert(6, "to_step", horizon.last)
            res["ci_width"] = res["ci_high"] - res["ci_low"]
            res["paired"] = flag
            frames.append(res)
    if not frames:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    return pd.concat(frames, ignore_index=True)[SUMMARY_COLUMNS]


def precision_status(summary: pd.DataFrame, precision: float) -> tuple[bool, float]:
    """Whether every headline interval is narrower than ``precision``; and the widest one.

    Headline intervals: the ``all`` group of every headline metric, both horizons, every
    scenario against the first. A NaN width (too few replicates) counts as not precise.
    """
    head = summary[(summary["group"] == "all") & summary["metric"].isin(HEADLINE)]
    widths = head["ci_width"].to_numpy(dtype=float)
    if len(widths) == 0 or np.isnan(widths).any():
        return False, float("nan")
    worst = float(widths.max())
    return worst < precision, worst


# --------------------------------------------------------------------------- bands over time
def bands(
    ts: pd.DataFrame,
    index: pd.DataFrame,
    metrics: Sequence[str],
    *,
    seed: int,
    level: float = LEVEL,
    n_boot: int = 2000,
) -> pd.DataFrame:
    """Mean and bootstrap interval across replicates, per scenario, step and metric.

    Returns columns ``label``, ``step``, ``metric``, ``mean``, ``low``, ``high``, ``n``.
    """
    merged = ts.merge(index[["run_id", "label", "replicate"]], on="run_id", how="inner")
    frames = []
    for i, (label, df) in enumerate(merged.groupby("label", sort=False)):
        wide = df.pivot_table(index="replicate", columns="step", values=list(metrics))
        x = wide.to_numpy(dtype=np.float64)  # (replicates, metric x step)
        mean = np.nanmean(x, axis=0)
        lo = np.full(x.shape[1], np.nan)
        hi = lo.copy()
        clean = ~np.isnan(x).any(axis=0)
        if clean.any():
            rng = np.random.default_rng(derive_seed(seed, BOOTSTRAP_KEY, 0, 100 + i))
            lo[clean], hi[clean] = bootstrap_mean_ci(x[:, clean], rng, level=level, n_boot=n_boot)
        cols = wide.columns
        frames.append(
            pd.DataFrame(
                {
                    "label": label,
                    "metric": cols.get_level_values(0),
                    "step": cols.get_level_values(1).astype(int),
                    "mean": mean,
                    "low": lo,
                    "high": hi,
                    "n": x.shape[0],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
