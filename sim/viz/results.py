"""Results directories written by ``govsim run``, ``compare`` or ``sweep``, and their bands."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ResultsError
from ..metrics import HEADLINE
from .charts import MIN_SPAN
from .style import FONT

__all__ = [
    "Results",
    "ResultsError",
    "bands_figure",
    "difference_table",
    "group_colours",
    "group_label",
    "is_share",
    "load_results",
    "result_bands",
]


@dataclass
class Results:
    """A results directory written by ``govsim run``, ``compare`` or ``sweep``."""

    path: Path
    runs: pd.DataFrame
    timeseries: pd.DataFrame
    manifest: dict[str, Any]

    def metrics(self) -> list[str]:
        """Metric columns of the time series, headline metrics first."""
        cols = [c for c in self.timeseries.columns if c not in ("run_id", "step")]
        numeric = [c for c in cols if pd.api.types.is_numeric_dtype(self.timeseries[c])]
        return [m for m in HEADLINE if m in numeric] + [m for m in numeric if m not in HEADLINE]

    def groupings(self) -> list[str]:
        """Columns of ``runs`` that split the runs into groups (scenario, parameters)."""
        out = []
        for col in self.runs.columns:
            if col == "scenario" or col.startswith("param."):
                if self.runs[col].nunique(dropna=False) > 1:
                    out.append(col)
        return out


def load_results(path: str | Path) -> Results:
    """Read ``runs.parquet``, ``timeseries.parquet`` and ``manifest.json`` from a directory."""
    from ..results import MANIFEST, RUNS, TIMESERIES

    path = Path(path).expanduser()
    if not path.is_dir():
        raise ResultsError(f"{path}: no such directory.")
    missing = [f for f in (RUNS, TIMESERIES) if not (path / f).is_file()]
    if missing:
        raise ResultsError(
            f"{path}: not a govsim results directory (missing {', '.join(missing)}); "
            "choose a folder written by govsim compare, sweep or run."
        )
    try:
        runs = pd.read_parquet(path / RUNS)
        ts = pd.read_parquet(path / TIMESERIES)
    except Exception as exc:  # pyarrow raises several types for damaged files
        raise ResultsError(f"{path}: cannot read the results ({exc}).") from None
    if not {"run_id", "step"} <= set(ts.columns) or "run_id" not in runs.columns:
        raise ResultsError(f"{path}: {TIMESERIES} needs columns run_id and step.")
    manifest: dict[str, Any] = {}
    if (path / MANIFEST).is_file():
        try:
            manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            manifest = {"note": f"{MANIFEST} could not be read"}
    return Results(path, runs, ts, manifest)


def result_bands(
    results: Results, metric: str, by: str | None = None, band: str = "spread"
) -> pd.DataFrame:
    r"""Centre line and interval of ``metric`` at each step, per group of runs.

    ``band="spread"``: median and the 5th-95th percentiles of the runs (where runs land).
    ``band="ci"``: mean and its 95% Student-t interval over the runs,
    :math:`\bar x \pm t_{0.975,n-1}\, s/\sqrt{n}` (how sure the average is; see
    :func:`sim.intervals.t_interval`; no band where a step has fewer than two runs).
    Returns columns ``group, step, centre, low, high, runs``.
    """
    ts = results.timeseries[["run_id", "step", metric]]
    ts = ts.astype({metric: "float64"})  # flags are booleans: bands of their share
    if by:
        ts = ts.merge(results.runs[["run_id", by]], on="run_id", how="left")
        ts = ts.rename(columns={by: "group"})
    else:
        ts = ts.assign(group="all runs")
    g = ts.groupby(["group", "step"], sort=True)[metric]
    if band == "ci":
        from ..intervals import t_interval

        mean, sd, n = g.mean(), g.std(ddof=1), g.count()
        low, high = t_interval(mean.to_numpy(), sd.to_numpy(), n.to_numpy())
        out = pd.DataFrame({"centre": mean, "low": low, "high": high, "runs": n}, index=mean.index)
    else:
        out = pd.DataFrame(
            {"centre": g.median(), "low": g.quantile(0.05), "high": g.quantile(0.95),
             "runs": g.count()}
        )  # fmt: skip
    return out.reset_index()


def is_share(metric: str) -> bool:
    """True for measures that are shares of residents (drawn in %).

    >>> is_share("trust_local_q1"), is_share("trust_gini"), is_share("value_for_money")
    (True, False, False)
    """
    from ..metrics import BOUNDED, GROUP_VARIABLES

    if metric == "trust_gini":
        return False
    return metric in BOUNDED or metric.startswith((*GROUP_VARIABLES, "vote_share_", "heard"))


def group_label(group: Any) -> str:
    """A group's name for a legend: a scenario's name in words, or a parameter's value.

    >>> group_label("cooperative_council.toml"), group_label(0.4)
    ('cooperative council', '0.4')
    """
    text = str(group)
    if text.endswith(".toml"):
        text = text[: -len(".toml")]
    return text.replace("_", " ")


def group_colours(groups: list[Any]) -> dict[Any, str]:
    """The classroom's colours: centralised grey, co-operative green, others from a palette."""
    from .style import SIDE_COLOURS

    others = iter(["#1f5fa8", "#b35806", "#7a3f9d", "#a0522d", "#0f7c8c", "#8a1c1c"] * 10)
    out = {}
    for g in groups:
        name = str(g).lower()
        if "central" in name:
            out[g] = SIDE_COLOURS[0]
        elif "cooperative" in name or "co-operative" in name:
            out[g] = SIDE_COLOURS[1]
        else:
            out[g] = next(others)
    return out


def difference_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Each group's centre at the last step and its difference from the first group, in points.

    ``frame`` is :func:`result_bands`' output; columns ``group, latest, difference`` (the first
    group's difference is 0).
    """
    last = frame[frame["step"] == frame["step"].max()].set_index("group")["centre"]
    if last.empty:
        return pd.DataFrame(columns=["group", "latest", "difference"])
    base = last.iloc[0]
    return pd.DataFrame(
        {"group": last.index, "latest": last.values, "difference": (last - base).values}
    )


def bands_figure(frame: pd.DataFrame, metric: str, *, title: str = "", size=(14, 6.2)):
    """A matplotlib figure of :func:`result_bands`: a line and a shaded band per group.

    Shares are drawn in % on an axis scaled to the data; groups are named in words and coloured
    as in the classroom; the second and later groups are dashed, so colour is not the only cue.
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    from ..plots import LABELS

    fig = Figure(figsize=size, layout="constrained")
    ax = fig.add_subplot()
    groups = list(dict.fromkeys(frame["group"]))
    colours = group_colours(groups)
    for i, group in enumerate(groups):
        df = frame[frame["group"] == group]
        colour = colours[group]
        ax.fill_between(df["step"], df["low"], df["high"], color=colour, alpha=0.2, lw=0)
        ax.plot(df["step"], df["centre"], color=colour, lw=3, ls="-" if i == 0 else "--",
                label=group_label(group))  # fmt: skip
    if is_share(metric):
        lo, hi = ax.get_ylim()
        if hi - lo < MIN_SPAN:  # at least 10 points, as in the classroom: noise is not news
            mid = min(max((lo + hi) / 2, MIN_SPAN / 2), 1 - MIN_SPAN / 2)
            ax.set_ylim(mid - MIN_SPAN / 2, mid + MIN_SPAN / 2)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("month", fontsize=FONT)
    ax.set_ylabel(LABELS.get(metric, metric), fontsize=FONT)
    ax.tick_params(labelsize=FONT - 2)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=FONT - 3)
    if title:
        ax.set_title(title, fontsize=FONT + 1, loc="left")
    return fig
