r"""Summaries of a sweep: per-point means with intervals, Sobol and Morris indices (SALib).

Per design point, each metric's mean over replicates comes with a 95% Student-t interval,
:math:`\bar y \pm t_{0.975, n-1}\, s/\sqrt n` (no interval with one replicate). Sensitivity
indices are computed on the per-point means (replicate noise averaged out first):

- Sobol (Saltelli design): first-order :math:`S_1` and total :math:`S_T` indices with
  bootstrap confidence intervals, ``SALib.analyze.sobol`` (Saltelli et al. 2010,
  doi:10.1016/j.cpc.2009.09.018).
- Morris (elementary effects): :math:`\mu^*` (mean absolute effect; importance) and
  :math:`\sigma` (spread; interaction or non-linearity), ``SALib.analyze.morris``
  (Campolongo et al. 2007, doi:10.1016/j.envsoft.2006.10.004).

SALib's bootstrap of the confidence intervals is seeded by :func:`salib_seed` from the
experiment seed, so two analyses of the same results give identical files. (SALib reads
``seed=0`` as "no seed": the derived seed is never 0.) SALib's warnings are not silenced.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.table import Table

from ..errors import AnalysisError
from ..intervals import t_interval
from ..metrics import HEADLINE
from ..plots import LABELS
from ..results import MANIFEST, RUNS, TIMESERIES
from ..rng import derive_seed

__all__ = [
    "AnalysisError",
    "Report",
    "analyze_results",
    "morris_indices",
    "point_summary",
    "salib_seed",
    "sobol_indices",
]

#: Spawn key of SALib's resampling stream (run seeds use two keys, point and replicate).
_SALIB_KEY = 0x5A11B
#: Rows of the per-point table printed to the console (every row is in points.csv).
SHOWN_POINTS = 40
#: Metrics shown as columns of that table.
SHOWN_METRICS = 4


@dataclass
class Report:
    """What :func:`analyze_results` produced."""

    points: pd.DataFrame
    indices: pd.DataFrame | None = None
    tables: list[Table] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def salib_seed(experiment_seed: int) -> int:
    """Seed of SALib's bootstrap resampling, derived from the experiment seed; never 0.

    >>> salib_seed(11) == salib_seed(11) != salib_seed(12)
    True
    """
    return derive_seed(int(experiment_seed), _SALIB_KEY) or 1


def _param_columns(runs: pd.DataFrame) -> list[str]:
    return [c for c in runs.columns if c.startswith("param.")]


def point_summary(runs: pd.DataFrame, metrics: list[str], level: float = 0.95) -> pd.DataFrame:
    """Long table: one row per (design point, metric) with n, mean, sd and a t interval."""
    ok = runs[runs["status"] == "ok"]
    params = _param_columns(runs)
    rows = []
    for point, grp in ok.groupby("point", sort=True):
        first = grp.iloc[0]
        for m in metrics:
            y = grp[m].to_numpy(dtype=float)
            y = y[np.isfinite(y)]
            n = len(y)
            mean = float(y.mean()) if n else float("nan")
            sd = float(y.std(ddof=1)) if n > 1 else float("nan")
            low, high = t_interval(mean, sd, n, level)
            rows.append(
                {
                    "point": int(point),
                    **{p.removeprefix("param."): first[p] for p in params},
                    "metric": m,
                    "n": n,
                    "mean": mean,
                    "sd": sd,
                    "ci_low": float(low),
                    "ci_high": float(high),
                }
            )
    return pd.DataFrame(rows)


def _levels_as_text(runs: pd.DataFrame) -> pd.DataFrame:
    """List-valued parameters (Parquet lists) as one text level each: ``a+b``, ``none`` if empty.

    >>> _levels_as_text(pd.DataFrame({"param.p": [["a", "b"], []]}))["param.p"].tolist()
    ['a+b', 'none']
    """
    out = runs.copy()
    for c in _param_columns(runs):
        if (
            runs[c].dtype == object
            and runs[c].map(lambda v: isinstance(v, list | np.ndarray)).any()
        ):
            out[c] = runs[c].map(
                lambda v: "+".join(map(str, v)) or "none" if isinstance(v, list | np.ndarray) else v
            )
    return out


def _point_means(runs: pd.DataFrame, metric: str, n_points: int) -> np.ndarray:
    ok = runs[runs["status"] == "ok"]
    y = ok.groupby("point")[metric].mean().reindex(range(n_points))
    missing = int(y.isna().sum())
    if missing:
        raise AnalysisError(
            f"{missing} of {n_points} design points have no successful run for {metric!r}; "
            "sensitivity indices need every point. Complete the sweep with --resume first."
        )
    return y.to_numpy(dtype=float)


def sobol_indices(
    runs: pd.DataFrame, problem: dict, metrics: list[str], *, second_order: bool, seed: int
) -> pd.DataFrame:
    """S1 and ST with 95% confidence half-widths, per metric and parameter.

    ``seed`` seeds SALib's bootstrap of the intervals (must not be 0: see :func:`salib_seed`).
    """
    if not seed:
        raise ValueError("seed must be a non-zero int (SALib treats 0 as no seed)")
    from SALib.analyze import sobol

    d = problem["num_vars"]
    n_points = int(runs["point"].max()) + 1
    per = 2 * d + 2 if second_order else d + 2
    if n_points % per:
        raise AnalysisError(
            f"{n_points} design points is not a Saltelli sample of {d} parameters "
            f"(a multiple of {per}); was this a sobol design?"
        )
    rows = []
    for m in metrics:
        y = _point_means(runs, m, n_points)
        if np.ptp(y) == 0:
            si = {k: np.full(d, np.nan) for k in ("S1", "S1_conf", "ST", "ST_conf")}
        else:
            si = sobol.analyze(problem, y, calc_second_order=second_order, seed=seed)
        rows += _index_rows(m, problem["names"], si, ("S1", "S1_conf", "ST", "ST_conf"))
    return pd.DataFrame(rows)


def morris_indices(
    runs: pd.DataFrame,
    problem: dict,
    X: np.ndarray,
    metrics: list[str],
    *,
    levels: int,
    seed: int,
) -> pd.DataFrame:
    """mu, mu*, sigma and mu*'s 95% confidence half-width, per metric and parameter.

    ``seed`` seeds SALib's bootstrap of ``mu_star_conf`` (non-zero: see :func:`salib_seed`).
    """
    if not seed:
        raise ValueError("seed must be a non-zero int (SALib treats 0 as no seed)")
    from SALib.analyze import morris

    rows = []
    for m in metrics:
        y = _point_means(runs, m, len(X))
        si = morris.analyze(problem, X, y, num_levels=levels, seed=seed)
        rows += _index_rows(m, problem["names"], si, ("mu", "mu_star", "sigma", "mu_star_conf"))
    return pd.DataFrame(rows)


def _index_rows(metric: str, names: list[str], si: dict, keys: tuple[str, ...]) -> list[dict]:
    """One table row per parameter: the metric, the parameter and SALib's indices ``keys``."""
    return [
        {"metric": metric, "parameter": name, **{k: float(si[k][i]) for k in keys}}
        for i, name in enumerate(names)
    ]


# --------------------------------------------------------------------------- the command
def analyze_results(
    results: Path,
    *,
    method: str | None = None,
    out: Path | None = None,
    metrics: list[str] | None = None,
) -> Report:
    """Analyse a sweep's results directory; write CSV, Markdown and PNG files into ``out``."""
    results = Path(results)
    man_path, runs_path = results / MANIFEST, results / RUNS
    if not runs_path.exists() or not man_path.exists():
        raise AnalysisError(
            f"{results}: not a finished sweep results directory (needs {RUNS} and {MANIFEST}). "
            "If the sweep was interrupted, complete it with `govsim sweep ... --resume`."
        )
    man = json.loads(man_path.read_text(encoding="utf-8"))
    if man.get("kind") != "sweep":
        raise AnalysisError(f"{results}: holds a {man.get('kind')!r} result, not a sweep.")
    exp = man.get("experiment", {})
    runs = _levels_as_text(pd.read_parquet(runs_path))
    kept = [m for m in exp.get("keep", {}).get("metrics", HEADLINE) if m in runs.columns]
    # window means first (steadier than one month's value), then final values
    known = [f"{m}_mean" for m in kept if f"{m}_mean" in runs.columns] + kept
    if metrics:
        bad = [m for m in metrics if m not in runs.columns]
        if bad:
            raise AnalysisError(
                f"--metric {bad[0]!r}: not in {runs_path}; kept metrics: {', '.join(known)}."
            )
        known = list(metrics)
    design = exp.get("design", "grid")
    method = method or (design if design in ("sobol", "morris") else None)
    if method and method != design:
        raise AnalysisError(
            f"--{method} needs a {method} design; {results} was run with design = {design!r}."
        )
    out = Path(out) if out else results
    out.mkdir(parents=True, exist_ok=True)
    seed = salib_seed(man.get("seeds", {}).get("experiment_seed", 0))
    points = point_summary(runs, known)
    report = Report(points=points)
    report.files += _write(points, out / "points")
    report.tables.append(_points_table(points, known, exp.get("name", ""), out / "points.csv"))
    report.files += _plot_points(points, out / "points.png")
    ts_path = results / TIMESERIES
    if ts_path.exists() and runs["point"].nunique() <= 12:
        report.files += _plot_series(pd.read_parquet(ts_path), runs, out / "timeseries.png")
    if method == "sobol":
        idx = sobol_indices(
            runs, exp["problem"], known, second_order=bool(exp.get("second_order")), seed=seed
        )
        report.indices = idx
        report.files += _write(idx, out / "sobol")
        report.tables.append(_index_table(idx, ["S1", "S1_conf", "ST", "ST_conf"], "Sobol"))
        report.files += _plot_indices(
            idx, out / "sobol.png", [("S1", "S1_conf"), ("ST", "ST_conf")]
        )
    elif method == "morris":
        X = _design_matrix(runs, exp["problem"])
        idx = morris_indices(
            runs, exp["problem"], X, known, levels=int(exp.get("levels", 4)), seed=seed
        )
        report.indices = idx
        report.files += _write(idx, out / "morris")
        report.tables.append(
            _index_table(idx, ["mu_star", "mu_star_conf", "sigma", "mu"], "Morris")
        )
        report.files += _plot_indices(
            idx, out / "morris.png", [("mu_star", "mu_star_conf"), ("sigma", None)]
        )
    return report


def _design_matrix(runs: pd.DataFrame, problem: dict) -> np.ndarray:
    per_point = runs.sort_values("point").groupby("point").first()
    cols = [f"param.{n}" for n in problem["names"]]
    return per_point[cols].to_numpy(dtype=float)


def _write(df: pd.DataFrame, stem: Path) -> list[Path]:
    csv, md = stem.with_suffix(".csv"), stem.with_suffix(".md")
    df.to_csv(csv, index=False)
    md.write_text(_markdown(df), encoding="utf-8")
    return [csv, md]


def _markdown(df: pd.DataFrame) -> str:
    def cell(v: Any) -> str:
        if isinstance(v, float):
            return "" if np.isnan(v) else f"{v:.4g}"
        return str(v)

    head = "| " + " | ".join(df.columns) + " |"
    rule = "|" + "|".join("---" for _ in df.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, rule, *body]) + "\n"


def _points_table(points: pd.DataFrame, known: list[str], name: str, csv: Path) -> Table:
    """Console table of the first points and metrics; its caption says what was left out."""
    params = [
        c
        for c in points.columns
        if c not in ("point", "metric", "n", "mean", "sd", "ci_low", "ci_high")
    ]
    metrics = known[:SHOWN_METRICS]
    n_points = points["point"].nunique()
    left_out = []
    if n_points > SHOWN_POINTS:
        left_out.append(f"the first {SHOWN_POINTS} of {n_points} design points")
    if len(known) > len(metrics):
        left_out.append(f"{len(metrics)} of {len(known)} metrics")
    caption = None
    if left_out:
        caption = f"showing {' and '.join(left_out)}; every row is in {csv}" + (
            " (choose metrics with --metric)" if len(known) > len(metrics) else ""
        )
    table = Table(title=f"{name}: mean [95% t interval] per design point", caption=caption)
    for c in ["point", *params, "n", *metrics]:
        table.add_column(c.split(".")[-1], justify="right")
    shown = points[points["metric"].isin(metrics)]
    for point, grp in list(shown.groupby("point"))[:SHOWN_POINTS]:
        first = grp.iloc[0]
        cells = [str(point), *[_fmt(first[p]) for p in params], str(int(first["n"]))]
        for m in metrics:
            r = grp[grp["metric"] == m].iloc[0]
            ci = "" if np.isnan(r["ci_low"]) else f" [{r['ci_low']:.3f}, {r['ci_high']:.3f}]"
            cells.append(f"{r['mean']:.3f}{ci}")
        table.add_row(*cells)
    return table


def _index_table(idx: pd.DataFrame, cols: list[str], title: str) -> Table:
    table = Table(title=f"{title} indices (on per-point means)")
    for c in ["metric", "parameter", *cols]:
        table.add_column(c, justify="right")
    for row in idx.itertuples(index=False):
        d = row._asdict()
        table.add_row(d["metric"], d["parameter"], *[_fmt(d[c]) for c in cols])
    return table


def _fmt(v: Any) -> str:
    return f"{v:.3f}" if isinstance(v, float | np.floating) else str(v)


# --------------------------------------------------------------------------- plots
def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _plot_points(points: pd.DataFrame, path: Path) -> list[Path]:
    """Each metric against the first parameter; one line per level of the second (grid)."""
    params = [
        c
        for c in points.columns
        if c not in ("point", "metric", "n", "mean", "sd", "ci_low", "ci_high")
    ]
    if not params or points.empty:
        return []
    plt = _plt()
    metrics = list(dict.fromkeys(points["metric"]))
    cols = 3
    rows = -(-len(metrics) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.9 * rows), squeeze=False)
    x = params[0]
    hue = params[1] if len(params) > 1 and points[params[1]].nunique() <= 8 else None
    many = points["point"].nunique() > 30
    for ax, m in zip(axes.flat, metrics, strict=False):
        df = points[points["metric"] == m]
        groups = [(None, df)] if hue is None else list(df.groupby(hue))
        for label, g in groups:
            g = g.sort_values(x)
            err = (g["mean"] - g["ci_low"]).to_numpy(dtype=float)
            kw = {"label": None if label is None else f"{hue.split('.')[-1]} = {label}"}
            if many:
                ax.scatter(g[x], g["mean"], s=8, alpha=0.6, **kw)
            else:
                ax.errorbar(
                    g[x],
                    g["mean"],
                    yerr=np.nan_to_num(err),
                    marker="o",
                    ms=3,
                    capsize=3,
                    lw=1.4,
                    **kw,
                )
        ax.set_title(LABELS.get(m, m), fontsize=10)
        ax.set_xlabel(x)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(metrics) :]:
        ax.axis("off")
    if hue is not None:
        axes.flat[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return [path]


def _plot_series(ts: pd.DataFrame, runs: pd.DataFrame, path: Path) -> list[Path]:
    """Mean time series over replicates, one line per design point."""
    from ..plots import plot_metrics

    if ts.empty:
        return []
    params = _param_columns(runs)
    ok = runs[runs["status"] == "ok"]
    label = ok.set_index("run_id")[params].apply(
        lambda r: ", ".join(f"{p.split('.')[-1]}={_fmt(v)}" for p, v in r.items()) or "all",
        axis=1,
    )
    ts = ts.assign(point=ts["run_id"].map(label))
    metrics = [c for c in ts.columns if c not in ("run_id", "step", "point")]
    mean = ts.groupby(["point", "step"], sort=False)[metrics].mean().reset_index()
    plot_metrics(mean, path, metrics[:9], by="point", title="mean over replicates")
    return [path]


def _plot_indices(idx: pd.DataFrame, path: Path, pairs: list[tuple[str, str | None]]) -> list[Path]:
    plt = _plt()
    metrics = list(dict.fromkeys(idx["metric"]))
    cols = 3
    rows = -(-len(metrics) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.4 * cols, 3.0 * rows), squeeze=False)
    for ax, m in zip(axes.flat, metrics, strict=False):
        df = idx[idx["metric"] == m]
        names = [p.split(".")[-1] for p in df["parameter"]]
        pos = np.arange(len(df))
        width = 0.8 / len(pairs)
        for k, (col, conf) in enumerate(pairs):
            err = None if conf is None else np.nan_to_num(df[conf].to_numpy(dtype=float))
            ax.bar(pos + k * width, df[col], width, yerr=err, capsize=2, label=col)
        ax.set_xticks(
            pos + width * (len(pairs) - 1) / 2, names, rotation=30, ha="right", fontsize=7
        )
        ax.set_title(LABELS.get(m, m), fontsize=10)
        ax.grid(alpha=0.3, axis="y")
    for ax in list(axes.flat)[len(metrics) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return [path]
