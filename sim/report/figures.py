"""Figures of a comparison report, as inline SVG text (matplotlib, no display, no fonts needed).

Each figure becomes an ``<svg>`` element to paste into HTML: no XML header, no fixed size (it
scales to its container through its ``viewBox``), text kept as text in the page's font, and
element ids made unique per figure so several figures can share one page.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..compare.meaning import GROUP_LABELS  # noqa: E402
from ..plots import LABELS  # noqa: E402

__all__ = [
    "PALETTE",
    "colours",
    "group_figure",
    "robustness_figure",
    "spread_figure",
    "timeseries_figure",
]

#: Scenario colours (colour-blind-safe "Dark2" order, the first scenario in slate grey).
PALETTE = ("#5b6770", "#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e", "#e6ab02")
SHORT = {
    "trust_local": "Trust in council",
    "trust_national": "Trust in national govt",
    "participation": "Taking part",
    "efficacy": "Political efficacy",
    "service_quality": "Service quality",
}


def colours(labels: Sequence[str]) -> dict[str, str]:
    """A colour per scenario label, in order."""
    return {lab: PALETTE[i % len(PALETTE)] for i, lab in enumerate(labels)}


def _svg(fig: plt.Figure, uid: str, title: str) -> str:
    """The figure as an ``<svg>`` element with ids prefixed by ``uid``; closes the figure."""
    buf = io.StringIO()
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": uid}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    plt.close(fig)
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r"<svg\1", text, count=1)
    label = html.escape(title, quote=True)
    text = text.replace("<svg", f'<svg class="fig" role="img" aria-label="{label}"', 1)
    # ids and references to them: make them unique on the page
    text = re.sub(r'id="([^"]+)"', rf'id="{uid}-\1"', text)
    text = re.sub(r"url\(#([^)]+)\)", rf"url(#{uid}-\1)", text)
    text = re.sub(r'xlink:href="#([^"]+)"', rf'xlink:href="#{uid}-\1"', text)
    return text


def _style(ax: plt.Axes) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(alpha=0.25, lw=0.6)
    ax.tick_params(labelsize=9)


def timeseries_figure(bands: pd.DataFrame, labels: Sequence[str], metric: str) -> str:
    """One metric over time: the mean of each scenario's replicates with its 95% interval band."""
    cols = colours(labels)
    fig, ax = plt.subplots(figsize=(4.4, 2.7), layout="constrained")
    data = bands[bands["metric"] == metric]
    for label in labels:
        df = data[data["label"] == label].sort_values("step")
        if df.empty:
            continue
        ax.fill_between(df["step"], df["low"], df["high"], color=cols[label], alpha=0.22, lw=0)
        ax.plot(df["step"], df["mean"], color=cols[label], lw=1.8, label=label)
    ax.set_xlabel("month", fontsize=9)
    ax.set_title(LABELS.get(metric, metric), fontsize=10.5, loc="left")
    _style(ax)
    return _svg(fig, f"ts-{metric}", f"{LABELS.get(metric, metric)} over time, by scenario")


def spread_figure(
    finals: Mapping[str, pd.DataFrame],
    labels: Sequence[str],
    metrics: Sequence[str],
    *,
    paired: bool,
) -> str:
    """Final outcome of every replicate, per scenario; lines join replicates run with one seed."""
    cols = colours(labels)
    n = len(metrics)
    ncols = 3
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(3.3 * ncols, 2.3 * nrows), squeeze=False, layout="constrained"
    )
    x = np.arange(len(labels))
    for ax, metric in zip(axes.flat, metrics, strict=False):
        if paired:
            wide = pd.concat(
                [finals[lab][metric].rename(lab) for lab in labels if lab in finals], axis=1
            ).dropna()
            for _, row in wide.iterrows():
                ax.plot(x[: len(row)], row.to_numpy(), color="#999999", lw=0.6, alpha=0.6)
        for i, lab in enumerate(labels):
            if lab not in finals:
                continue
            y = finals[lab][metric].dropna().to_numpy()
            jitter = np.linspace(-0.06, 0.06, len(y)) if len(y) > 1 else np.zeros(len(y))
            ax.scatter(np.full(len(y), x[i]) + jitter, y, s=14, color=cols[lab], alpha=0.8, lw=0)
            if len(y):
                ax.plot([x[i] - 0.22, x[i] + 0.22], [y.mean()] * 2, color=cols[lab], lw=2.2)
        ax.set_xticks(x, [f"{chr(65 + i)}" for i in range(len(labels))], fontsize=8)
        ax.set_xlim(-0.5, len(labels) - 0.5)
        ax.set_title(LABELS.get(metric, metric), fontsize=8.5, loc="left")
        _style(ax)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    return _svg(fig, "spread", "Final outcome of every replicate, by scenario")


def group_figure(summary: pd.DataFrame, labels: Sequence[str], horizon: str = "final") -> str:
    """Differences against the first scenario by group of citizens, with 95% intervals."""
    cols = colours(labels)
    data = summary[(summary["horizon"] == horizon)]
    variables = [v for v in SHORT if (data["metric"] == v).any()]
    groups = list(GROUP_LABELS)
    others = [lab for lab in labels[1:] if (data["scenario"] == lab).any()]
    fig, axes = plt.subplots(
        1,
        len(variables),
        figsize=(1.75 * len(variables) + 1.4, 0.3 * len(groups) + 1.0),
        sharey=True,
        squeeze=False,
        layout="constrained",
    )
    y = np.arange(len(groups))[::-1].astype(float)
    offsets = np.linspace(0.18, -0.18, len(others)) if len(others) > 1 else [0.0]
    for ax, var in zip(axes.flat, variables, strict=True):
        ax.axvline(0, color="#333333", lw=0.8)
        for off, lab in zip(offsets, others, strict=True):
            df = data[(data["metric"] == var) & (data["scenario"] == lab)].set_index("group")
            df = df.reindex(groups)
            d = df["difference"].to_numpy(dtype=float)
            lo = df["ci_low"].to_numpy(dtype=float)
            hi = df["ci_high"].to_numpy(dtype=float)
            err = np.vstack([d - lo, hi - d])
            ax.errorbar(
                d, y + off, xerr=np.where(np.isnan(err), 0, err), fmt="o", ms=3.5,
                color=cols[lab], lw=1.2, capsize=2,
            )  # fmt: skip
        ax.set_title(SHORT[var], fontsize=9, loc="left")
        ax.set_yticks(y, [GROUP_LABELS[g] for g in groups], fontsize=8.5)
        _style(ax)
        ax.tick_params(axis="x", labelrotation=0)
        ax.locator_params(axis="x", nbins=4)
    fig.supxlabel("difference from the first scenario (95% interval)", fontsize=8)
    return _svg(fig, f"groups-{horizon}", "Differences from the first scenario by group")


def robustness_figure(findings: pd.DataFrame) -> str:
    """Share of plausible parameter settings in which each finding holds (horizontal bars)."""
    from ..compare.meaning import PROSE

    f = findings.reset_index(drop=True)
    names = []
    for _, r in f.iterrows():
        name = PROSE.get(r["metric"], r["metric"])
        if r["group"] != "all":
            name = f"{name}: {GROUP_LABELS.get(r['group'], r['group']).lower()}"
        if len(name) > 48:
            name = name[:46] + "..."
        names.append(name)
    share = 100 * f["share"].to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(7.6, 0.28 * len(f) + 0.9), layout="constrained")
    y = np.arange(len(f))[::-1]
    colour = np.where(share >= 90, "#1a7f37", np.where(share >= 50, "#b07a00", "#b4232c"))
    ax.barh(y, share, color=colour, height=0.62)
    for yi, s in zip(y, share, strict=True):
        ax.text(min(s + 1.5, 93), yi, f"{s:.0f}%", va="center", fontsize=8)
    ax.set_yticks(y, names, fontsize=8)
    ax.set_xlim(0, 100)
    ax.set_xlabel("share of plausible settings in which the finding holds (%)", fontsize=8)
    _style(ax)
    return _svg(fig, "robustness", "Share of plausible settings in which each finding holds")
