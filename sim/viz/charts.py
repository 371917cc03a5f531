"""The classroom's time-series charts as SVG, and the model values they plot."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..model import GovernanceModel
from .style import FONT, _svg

__all__ = ["CHARTS", "COLOURS", "SHORT_LABELS", "Chart", "series", "timeseries_svg"]

COLOURS = {
    "trust_local": "#1f5fa8",
    "trust_national": "#d9661f",
    "participation": "#2a8a3e",
    "turnout": "#7a3f9d",
    "service_quality": "#a0522d",
}
#: Short legend labels (the chart title says what kind of measure it is).
SHORT_LABELS = {
    "trust_local": "council",
    "trust_national": "national government",
    "participation": "taking part",
    "turnout": "voted",
    "service_quality": "need met",
}


@dataclass(frozen=True)
class Chart:
    """One time-series chart of the classroom page: a title, its metrics and a caption."""

    key: str
    title: str
    metrics: tuple[str, ...]
    caption: str


#: The time-series charts shown for each model, with a one-sentence caption for a class.
CHARTS = (
    Chart(
        "trust",
        "Trust",
        ("trust_local", "trust_national"),
        "How much residents trust their council (blue) and the national government (orange): "
        "100% would mean everyone trusts them completely.",
    ),
    Chart(
        "voice",
        "Taking part and voting",
        ("participation", "turnout"),
        "The share of residents who took part in a council decision this month (green), and "
        "the share who voted at the latest general election (purple).",
    ),
    Chart(
        "services",
        "Services",
        ("service_quality",),
        "How much of what residents need the council's services actually delivered this month.",
    ),
)


def _nice_step(span: float, most: int = 7) -> int:
    for step in (1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200, 2400, 6000):
        if span / step <= most:
            return step
    return int(np.ceil(span / most))


def timeseries_svg(
    values: Mapping[str, np.ndarray],
    *,
    title: str = "",
    events: Sequence[tuple[int, str]] = (),
    width: int = 640,
    height: int = 250,
    min_months: int = 24,
) -> str:
    """Metrics over months as an SVG line chart on a 0-100% scale.

    Each line ends in its latest value; live events are dotted vertical lines with their name.
    """
    left, right, top, bottom = 58, 50, 46, 40
    pw, ph = width - left - right, height - top - bottom
    last = max((len(y) - 1 for y in values.values()), default=0)
    xmax = max(last, min_months)

    def px(month: float) -> float:
        return left + month / xmax * pw

    def py(v: float) -> float:
        return top + (1 - v) * ph

    body = [f'<rect width="{width}" height="{height}" fill="white"/>']
    for v in (0, 0.25, 0.5, 0.75, 1):
        body.append(f'<line x1="{left}" x2="{left + pw}" y1="{py(v):.1f}" y2="{py(v):.1f}" '
                    f'stroke="{"#888" if v == 0 else "#e3e3e3"}"/>')  # fmt: skip
        body.append(f'<text x="{left - 6}" y="{py(v) + 5:.1f}" text-anchor="end" '
                    f'font-size="{FONT - 2}">{v:.0%}</text>')  # fmt: skip
    step = _nice_step(xmax)
    for m in range(0, xmax + 1, step):
        body.append(f'<text x="{px(m):.1f}" y="{top + ph + 20}" text-anchor="middle" '
                    f'font-size="{FONT - 2}">{m}</text>')  # fmt: skip
    body.append(f'<text x="{left + pw}" y="{height - 3}" text-anchor="end" '
                f'font-size="{FONT - 3}" fill="#555">month</text>')  # fmt: skip
    for month, label in events:
        x = px(month)
        body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + ph}" '
                    'stroke="#333" stroke-dasharray="3 4" stroke-width="1.5"/>')  # fmt: skip
        body.append(f'<text transform="translate({x - 5:.1f},{top + 4}) rotate(-90)" '
                    f'text-anchor="end" font-size="{FONT - 4}" fill="#333">'
                    f"{html.escape(label)}</text>")  # fmt: skip
    ends = []
    for metric, y in values.items():
        colour = COLOURS.get(metric, "#333")
        y = np.asarray(y, dtype=float)
        ok = np.isfinite(y)
        for seg in np.split(np.arange(len(y)), np.flatnonzero(np.diff(ok.astype(int))) + 1):
            seg = seg[ok[seg]]
            if len(seg) == 0:
                continue
            pts = " ".join(f"{px(i):.1f},{py(min(max(y[i], 0), 1)):.1f}" for i in seg.tolist())
            if len(seg) == 1:
                body.append(f'<circle cx="{pts.split(",")[0]}" cy="{pts.split(",")[1]}" r="4" '
                            f'fill="{colour}"/>')  # fmt: skip
            else:
                body.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" '
                            'stroke-width="3.5" stroke-linejoin="round"/>')  # fmt: skip
        if ok.any():
            i = int(np.flatnonzero(ok)[-1])
            ends.append([py(min(max(y[i], 0), 1)), px(i), f"{y[i]:.0%}", colour])
    ends.sort()
    for j in range(1, len(ends)):  # keep end labels from overlapping
        ends[j][0] = max(ends[j][0], ends[j - 1][0] + FONT)
    for yy, xx, text, colour in ends:
        body.append(f'<text x="{xx + 6:.1f}" y="{yy + 5:.1f}" fill="{colour}" '
                    f'font-weight="bold">{text}</text>')  # fmt: skip
    if title:
        body.append(f'<text x="8" y="24" font-size="{FONT + 3}" font-weight="bold">'
                    f"{html.escape(title)}</text>")  # fmt: skip
    x = width - 8
    for metric in reversed(list(values)):
        label = SHORT_LABELS.get(metric, metric)
        body.append(f'<text x="{x}" y="24" text-anchor="end">{html.escape(label)}</text>')
        x -= len(label) * (FONT * 0.58) + 6
        body.append(f'<line x1="{x - 22:.0f}" x2="{x:.0f}" y1="19" y2="19" '
                    f'stroke="{COLOURS.get(metric, "#333")}" stroke-width="4"/>')  # fmt: skip
        x -= 34
    return _svg(width, height, body, title or "metrics over time")


def series(model: GovernanceModel, metrics: Sequence[str]) -> dict[str, np.ndarray]:
    """The model's collected values of ``metrics`` (one per step, step 0 first)."""
    mv = model.datacollector.model_vars
    return {m: np.asarray(mv[m], dtype=float) for m in metrics}
