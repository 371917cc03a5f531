"""Figures shared by the command line, reports and docs (matplotlib, no display needed)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

__all__ = ["LABELS", "plot_metrics"]

#: Plain-language labels of the headline metrics.
LABELS = {
    "trust_local": "Trust in council",
    "trust_national": "Trust in national government",
    "participation": "Taking part (share of residents)",
    "turnout": "Turnout at latest election",
    "efficacy": "Political efficacy",
    "service_quality": "Service quality (share of need met)",
    "value_for_money": "Value for money (need met per unit spent)",
    "participation_gap": "Participation gap (least - most deprived)",
    "trust_gini": "Inequality of trust (Gini)",
}


#: Smallest y-range shown for a share (so that a change of 0.01 does not fill the panel).
MIN_SPAN = 0.1


def _at_least_span(ax, span: float, floor: float) -> None:
    """Widen the y-range to at least ``span``, within [floor, 1]."""
    lo, hi = ax.get_ylim()
    if hi - lo < span:
        mid = (lo + hi) / 2
        lo = min(max(mid - span / 2, floor), 1.0 - span)
        ax.set_ylim(lo, lo + span)


def plot_metrics(
    ts: pd.DataFrame,
    path: Path,
    metrics: Sequence[str] = tuple(LABELS),
    *,
    title: str = "",
    by: str | None = None,
) -> Path:
    """Small multiples of metrics over time (one line per value of ``by`` if given)."""
    n = len(metrics)
    cols = 3
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.8 * rows), squeeze=False)
    groups = [(None, ts)] if by is None else list(ts.groupby(by, sort=False))
    for ax, metric in zip(axes.flat, metrics, strict=False):
        for label, df in groups:
            ax.plot(df["step"], df[metric], lw=1.6, label=None if label is None else str(label))
        ax.set_title(LABELS.get(metric, metric), fontsize=10)
        if metric in LABELS and metric != "value_for_money":
            floor = -1.0 if metric == "participation_gap" else 0.0
            _at_least_span(ax, MIN_SPAN, floor)
        ax.set_xlabel("month")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    if by is not None:
        axes.flat[0].legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
