"""The classroom's time-series charts as SVG, and the model values they plot."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..model import GovernanceModel
from .style import FONT, _svg

__all__ = [
    "CHARTS",
    "COLOURS",
    "MIN_SPAN",
    "SHORT_LABELS",
    "Chart",
    "series",
    "timeseries_svg",
    "value_range",
]

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
        "How much residents trust their council (solid line) and the national government (dashed "
        "line): 100% would mean everyone trusts them completely.",
    ),
    Chart(
        "voice",
        "Taking part",
        ("participation",),
        "The share of residents who took part in a council decision this month. Turnout at "
        "elections is in the election box when one has been held.",
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


#: Smallest y-range a chart shows (10 percentage points), so noise does not fill the panel.
MIN_SPAN = 0.10


def value_range(
    *groups: Mapping[str, np.ndarray], min_span: float = MIN_SPAN
) -> tuple[float, float]:
    """A y-range in [0, 1] that holds every finite value of ``groups``, on 5- or 10-point steps.

    Pass both councils' series to give their charts the same scale.

    >>> value_range({"a": np.array([0.41, 0.47])})
    (0.35, 0.5)
    >>> value_range({"a": np.array([0.02, 0.9])})
    (0.0, 1.0)
    """
    vals = [np.asarray(y, dtype=float) for g in groups for y in g.values()]
    vals = [v[np.isfinite(v)] for v in vals]
    vals = [v for v in vals if len(v)]
    if not vals:
        return 0.0, 1.0
    lo = float(min(v.min() for v in vals))
    hi = float(max(v.max() for v in vals))
    step = 0.05 if hi - lo < 0.3 else 0.1
    lo, hi = np.floor(lo / step - 0.2) * step, np.ceil(hi / step + 0.2) * step
    while hi - lo < min_span - 1e-9:
        lo, hi = lo - step / 2, hi + step / 2
    lo, hi = max(0.0, lo), min(1.0, hi)
    if hi - lo < min_span:  # pushed against 0 or 1
        lo, hi = (0.0, min_span) if lo <= 0 else (1 - min_span, 1.0)
    return round(float(lo), 4), round(float(hi), 4)


def _ticks(lo: float, hi: float) -> list[float]:
    span = hi - lo
    step = next(s for s in (0.01, 0.02, 0.05, 0.1, 0.2, 0.25) if span / s <= 6)
    first = np.ceil(lo / step - 1e-9) * step
    return [round(float(v), 4) for v in np.arange(first, hi + 1e-9, step)]


def timeseries_svg(
    values: Mapping[str, np.ndarray],
    *,
    title: str = "",
    events: Sequence[tuple] = (),
    width: int = 640,
    height: int = 250,
    min_months: int = 24,
    y_range: tuple[float, float] | None = None,
) -> str:
    """Metrics over months as an SVG line chart, its y-axis scaled to the data.

    ``y_range`` fixes the scale (give both councils' charts the same one, see
    :func:`value_range`); a scale that does not start at 0% or end at 100% says so in the
    chart.  Each line ends in its latest value; the second and later lines are dashed, so a
    line is known by its pattern and end label as well as its colour.  ``events`` are
    ``(month, label)`` or ``(month, label, source)`` tuples: each is a numbered marker on a
    dotted line, with a key under the chart (``source`` "scenario" marks a scenario's own dated
    events with a square, live events get a circle).
    """
    events = [(int(e[0]), str(e[1]), e[2] if len(e) > 2 else "live") for e in events]
    events.sort(key=lambda e: e[0])
    shown_events = events[-6:]
    key_rows = (len(shown_events) + 1) // 2
    left, right, top, bottom = 58, 56, 50, 40
    height = height + key_rows * (FONT + 5)
    ph = height - top - bottom - key_rows * (FONT + 5)
    pw = width - left - right
    last = max((len(y) - 1 for y in values.values()), default=0)
    xmax = max(last, min_months)
    lo, hi = y_range or value_range(values)

    def px(month: float) -> float:
        return left + month / xmax * pw

    def py(v: float) -> float:
        return top + (1 - (v - lo) / (hi - lo)) * ph

    body = [f'<rect width="{width}" height="{height}" fill="white"/>']
    for v in _ticks(lo, hi):
        body.append(f'<line x1="{left}" x2="{left + pw}" y1="{py(v):.1f}" y2="{py(v):.1f}" '
                    f'stroke="{"#767676" if v in (lo, 0) else "#e0e0e0"}"/>')  # fmt: skip
        tick = abs(v) if abs(v) < 1e-9 else v  # never "-0%"
        body.append(f'<text x="{left - 6}" y="{py(v) + 5:.1f}" text-anchor="end" '
                    f'font-size="{FONT - 1}">{tick:.0%}</text>')  # fmt: skip
    step = _nice_step(xmax)
    for m in range(0, xmax + 1, step):
        body.append(f'<text x="{px(m):.1f}" y="{top + ph + 20}" text-anchor="middle" '
                    f'font-size="{FONT - 1}">{m}</text>')  # fmt: skip
    body.append(f'<text x="{left + pw + 4}" y="{top + ph + 20}" text-anchor="start" '
                f'font-size="{FONT - 2}" fill="#444">month</text>')  # fmt: skip
    if lo > 0 or hi < 1:
        body.append(f'<text x="{left + 4}" y="{top - 8}" font-size="{FONT - 2}" fill="#444">'
                    f"scale {lo:.0%} to {hi:.0%} (zoomed in)</text>")  # fmt: skip
    for n, (month, label, source) in enumerate(shown_events, start=1):
        x = px(month)
        body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + ph}" '
                    'stroke="#333" stroke-dasharray="3 4" stroke-width="1.5"/>')  # fmt: skip
        body.append(_marker(x, top + ph - 11, n, source))
        row, col = (n - 1) // 2, (n - 1) % 2
        kx, ky = 14 + col * (width // 2), top + ph + 44 + row * (FONT + 5)
        body.append(_marker(kx, ky - 5, n, source))
        text = f"month {month}: {label}"
        if len(text) > 34:
            text = text[:33] + "…"
        body.append(f'<text x="{kx + 14}" y="{ky + 1}" font-size="{FONT - 1}">'
                    f"{html.escape(text)}</text>")  # fmt: skip
    ends = []
    for j, (metric, y) in enumerate(values.items()):
        colour = COLOURS.get(metric, "#333")
        dash = ' stroke-dasharray="10 5"' if j else ""
        y = np.asarray(y, dtype=float)
        ok = np.isfinite(y)
        for seg in np.split(np.arange(len(y)), np.flatnonzero(np.diff(ok.astype(int))) + 1):
            seg = seg[ok[seg]]
            if len(seg) == 0:
                continue
            pts = [(px(i), py(min(max(y[i], lo), hi))) for i in seg.tolist()]
            if len(seg) == 1:
                body.append(f'<circle cx="{pts[0][0]:.1f}" cy="{pts[0][1]:.1f}" r="5" '
                            f'fill="{colour}"/>')  # fmt: skip
            else:
                line = " ".join(f"{a:.1f},{b:.1f}" for a, b in pts)
                body.append(f'<polyline points="{line}" fill="none" stroke="{colour}" '
                            f'stroke-width="3.5" stroke-linejoin="round"{dash}/>')  # fmt: skip
        if ok.any():
            i = int(np.flatnonzero(ok)[-1])
            ends.append([py(min(max(y[i], lo), hi)), px(i), f"{y[i]:.0%}", colour])
    ends.sort()
    for j in range(1, len(ends)):  # keep end labels from overlapping
        ends[j][0] = max(ends[j][0], ends[j - 1][0] + FONT)
    for yy, xx, text, colour in ends:
        body.append(f'<text x="{xx + 6:.1f}" y="{yy + 5:.1f}" fill="{colour}" '
                    f'font-weight="bold" stroke="white" stroke-width="3" '
                    f'paint-order="stroke">{text}</text>')  # fmt: skip
    if title:
        body.append(f'<text x="8" y="22" font-size="{FONT + 3}" font-weight="bold">'
                    f"{html.escape(title)}</text>")  # fmt: skip
    x = width - 8
    for j, metric in reversed(list(enumerate(values))):
        label = SHORT_LABELS.get(metric, metric)
        body.append(f'<text x="{x}" y="22" text-anchor="end">{html.escape(label)}</text>')
        x -= len(label) * (FONT * 0.58) + 6
        dash = ' stroke-dasharray="10 5"' if j else ""
        body.append(f'<line x1="{x - 26:.0f}" x2="{x:.0f}" y1="17" y2="17" '
                    f'stroke="{COLOURS.get(metric, "#333")}" stroke-width="4"{dash}/>')  # fmt: skip
        x -= 38
    described = ", ".join(
        f"{SHORT_LABELS.get(m, m)} {e[2]}" for m, e in zip(values, _latest(values), strict=True)
    )
    return _svg(width, height, body, f"{title or 'Measures'} over {last} months: {described}")


def _latest(values: Mapping[str, np.ndarray]) -> list[tuple]:
    out = []
    for y in values.values():
        y = np.asarray(y, dtype=float)
        ok = np.flatnonzero(np.isfinite(y))
        out.append((None, None, f"{y[ok[-1]]:.0%} now" if len(ok) else "not yet measured"))
    return out


def _marker(x: float, y: float, n: int, source: str) -> str:
    shape = (
        f'<rect x="{x - 9:.1f}" y="{y - 9:.1f}" width="18" height="18" fill="#333"/>'
        if source == "scenario"
        else f'<circle cx="{x:.1f}" cy="{y:.1f}" r="10" fill="#333"/>'
    )
    return (
        shape + f'<text x="{x:.1f}" y="{y + 5:.1f}" text-anchor="middle" fill="white" '
        f'font-size="{FONT - 3}" font-weight="bold">{n}</text>'
    )


def series(model: GovernanceModel, metrics: Sequence[str]) -> dict[str, np.ndarray]:
    """The model's collected values of ``metrics`` (one per step, step 0 first).

    Turnout is blank (NaN) until the first election of the run: before that nobody has voted.
    """
    mv = model.datacollector.model_vars
    out = {m: np.asarray(mv[m], dtype=float) for m in metrics}
    if "turnout" in out:
        held = np.flatnonzero(np.asarray(mv["election"], dtype=float) > 0)
        first = int(held[0]) if len(held) else len(out["turnout"])
        out["turnout"] = out["turnout"].copy()
        out["turnout"][:first] = np.nan
    return out
