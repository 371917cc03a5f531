"""Pictures and the pair of models behind the teachers' dashboard (no Solara in here).

The dashboard (``dashboards/app.py``) is a thin page over this module:

* :func:`layout_for` places citizens grouped by council, once per model (seeded, cached); a large
  population is drawn as a stratified sample of at most :data:`SAMPLE_LIMIT` citizens.
* :func:`network_figure` draws that network coloured by trust in the council, with the citizens
  taking part this month ringed in black.
* :func:`timeseries_figure` draws one chart of :data:`CHARTS` (trust, taking part, services).
* :func:`figure_png` renders a figure to the PNG bytes the page shows.
* :class:`ModelPair` holds the two models a browser tab compares: same seed, same world, each with
  its own scenario; it steps them together and fires live events on both.

Everything here is deterministic for a given seed: the layout's random numbers come from
:func:`sim.rng.derive_seed`, never from an unseeded generator.
"""

from __future__ import annotations

import html
import json
import threading
import weakref
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.colors
import networkx as nx
import numpy as np
import pandas as pd

from .metrics import HEADLINE
from .model import GovernanceModel
from .rng import derive_seed
from .scenario import ScenarioError, load_scenario
from .schema import Scenario

__all__ = [
    "CHARTS",
    "EVENTS",
    "MAX_POPULATION",
    "NETWORK_KINDS",
    "SAMPLE_LIMIT",
    "Chart",
    "ClassroomSettings",
    "ModelPair",
    "check_settings",
    "NetworkLayout",
    "Results",
    "ResultsError",
    "bands_figure",
    "load_results",
    "result_bands",
    "grouped_layout",
    "layout_for",
    "network_svg",
    "sample_citizens",
    "scenario_dir",
    "series",
    "setting_problems",
    "timeseries_svg",
    "trust_colours",
]

#: Most citizens drawn in the network picture; larger populations are sampled.
SAMPLE_LIMIT = 600
#: Largest population the classroom sliders offer.
MAX_POPULATION = 5000
#: Network generators the classroom offers, with names a class understands.
NETWORK_KINDS = {
    "watts_strogatz": "Small world",
    "barabasi_albert": "A few very connected people",
    "erdos_renyi": "Random friendships",
    "sbm": "Friends mostly in own council",
}
#: Colour map of trust: red = low, yellow = middling, blue = high (readable with colour blindness).
TRUST_CMAP = "RdYlBu"
#: Font size of the pictures, in SVG pixels of a 640-pixel-wide picture (large for projectors).
FONT = 17

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

#: Live events: button label -> (what it means for a class, the model events it queues).
EVENTS: dict[str, tuple[str, tuple[dict[str, Any], ...]]] = {
    "Financial crash": (
        "The economy crashes: trust in national government falls and national performance drops.",
        (
            {"kind": "shock", "target": "trust_national", "size": -0.15},
            {"kind": "performance", "size": -0.2},
        ),
    ),
    "Budget cut": (
        "Central government cuts every council's budget by 20%.",
        ({"kind": "budget_cut", "size": 0.2},),
    ),
    "Start community budgeting": (
        "Every council lets residents decide how to spend part of its budget.",
        ({"kind": "programme_start", "programme": "community_budgeting"},),
    ),
    "Call an election": (
        "A general election is held next month.",
        ({"kind": "election"},),
    ),
}


# --------------------------------------------------------------------------- layout
@dataclass(frozen=True)
class NetworkLayout:
    """Where the drawn citizens sit: ``xy[i]`` is the position of citizen ``sample[i]``."""

    sample: np.ndarray
    xy: np.ndarray
    centres: np.ndarray
    council_names: tuple[str, ...]
    population: int

    @property
    def sampled(self) -> bool:
        """True when only part of the population is drawn."""
        return len(self.sample) < self.population


def sample_citizens(council: np.ndarray, limit: int, seed: int) -> np.ndarray:
    """Indices of at most ``limit`` citizens, stratified by council (sorted).

    Each council keeps a share of the sample proportional to its population (at least one
    citizen while the limit allows).  Everyone is drawn when the population fits.

    >>> council = np.repeat([0, 1], [300, 100])
    >>> s = sample_citizens(council, 200, seed=1)
    >>> len(s), int((council[s] == 1).sum())
    (200, 50)
    """
    n = len(council)
    if n <= limit:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    counts = np.bincount(council)
    quota = np.floor(counts * limit / n).astype(int)
    quota[(quota == 0) & (counts > 0)] = 1
    while quota.sum() > limit:  # many tiny councils: trim the largest quotas
        quota[np.argmax(quota)] -= 1
    extra = limit - quota.sum()
    if extra > 0:  # hand the rounding remainder to the largest councils
        order = np.argsort(-(counts * limit / n - quota), kind="stable")
        quota[order[:extra]] += 1
    picks = [
        rng.choice(np.flatnonzero(council == c), size=q, replace=False)
        for c, q in enumerate(quota)
        if q > 0
    ]
    return np.sort(np.concatenate(picks))


def _council_centres(k: int) -> np.ndarray:
    """Council centres: on a circle for a few councils, a sunflower spiral for many."""
    if k == 1:
        return np.zeros((1, 2))
    if k <= 8:
        angle = np.pi / 2 - 2 * np.pi * np.arange(k) / k
        return np.column_stack([np.cos(angle), np.sin(angle)])
    i = np.arange(k) + 0.5
    r = np.sqrt(i / k)
    theta = np.pi * (3 - np.sqrt(5)) * i
    return np.column_stack([r * np.cos(theta), r * np.sin(theta)])


def grouped_layout(
    u: np.ndarray, v: np.ndarray, council: np.ndarray, sample: np.ndarray, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    r"""Place the sampled citizens in one disc per council, friends near each other.

    Each council's drawn members get a force-directed (Fruchterman-Reingold) layout of the ties
    among them, seeded.  Their distances from the council's centre are then evened out by rank
    (the k-th of m nearest sits at radius :math:`R\sqrt{k/m}`), keeping each direction, so every
    council fills a disc of the same density whatever its graph looks like.  A disc's area is
    proportional to the council's drawn members.

    Returns ``(xy, centres)``: an array of shape ``(len(sample), 2)`` and one centre per council.
    """
    k = int(council.max()) + 1 if len(council) else 1
    centres = _council_centres(k) * (1.0 if k <= 8 else 2.0)
    m = len(sample)
    members = council[sample]
    counts = np.bincount(members, minlength=k)
    radius = 0.42 * np.sqrt(counts / max(counts.max(), 1)) * (1.0 if k <= 8 else 4 / np.sqrt(k))
    index = np.full(len(council), -1)
    index[sample] = np.arange(m)
    a, b = index[u], index[v]
    keep = (a >= 0) & (b >= 0)
    a, b = a[keep], b[keep]
    inside = members[a] == members[b]
    a, b = a[inside], b[inside]
    xy = np.zeros((m, 2))
    for c in np.flatnonzero(counts):
        who = np.flatnonzero(members == c)
        g = nx.Graph()
        g.add_nodes_from(who.tolist())
        mine = members[a] == c
        g.add_edges_from(zip(a[mine].tolist(), b[mine].tolist(), strict=True))
        if len(who) > 2:
            pos = nx.spring_layout(g, seed=derive_seed(seed, int(c)) % 2**32, iterations=40)
            p = np.array([pos[i] for i in who.tolist()])
        else:
            p = np.array([[0.0, 0.0], [0.5, 0.0]])[: len(who)]
        p -= p.mean(axis=0)
        r = np.hypot(p[:, 0], p[:, 1])
        angle = np.arctan2(p[:, 1], p[:, 0])
        rank = np.empty(len(who))
        rank[np.argsort(r, kind="stable")] = np.arange(len(who)) + 0.5
        rr = radius[c] * np.sqrt(rank / len(who))
        xy[who] = centres[c] + np.column_stack([rr * np.cos(angle), rr * np.sin(angle)])
    return xy, centres


@lru_cache(maxsize=32)
def _cached_layout(key: tuple, limit: int, seed: int) -> NetworkLayout:
    u, v, council, names = _LAYOUT_INPUTS.pop(key)
    sample = sample_citizens(council, limit, derive_seed(seed, _VIZ_KEY, 1))
    xy, centres = grouped_layout(u, v, council, sample, derive_seed(seed, _VIZ_KEY, 2))
    return NetworkLayout(sample, xy, centres, names, len(council))


_VIZ_KEY = zlib.crc32(b"viz")  # stream key of the drawing's random numbers
_LAYOUT_INPUTS: dict[tuple, tuple] = {}
_LAYOUTS: weakref.WeakKeyDictionary[GovernanceModel, NetworkLayout] = weakref.WeakKeyDictionary()
_LAYOUT_LOCK = threading.Lock()


def layout_for(model: GovernanceModel, limit: int = SAMPLE_LIMIT) -> NetworkLayout:
    """The model's drawing layout, computed once from its initial network and cached.

    Cached per model (later changes to the network keep the picture still) and by content
    (two browser tabs with the same settings compute it once).
    """
    with _LAYOUT_LOCK:
        if model in _LAYOUTS:
            return _LAYOUTS[model]
        w = model.world
        council = w.population.council
        key = (
            w.graph.n,
            zlib.crc32(w.graph.u.tobytes()),
            zlib.crc32(w.graph.v.tobytes()),
            zlib.crc32(np.ascontiguousarray(council).tobytes()),
            tuple(w.councils.names),
        )
        _LAYOUT_INPUTS[key] = (w.graph.u, w.graph.v, council, tuple(w.councils.names))
        seed = model.spec.seed if model.seed is None else int(model.seed)
        try:
            layout = _cached_layout(key, limit, seed)
        finally:
            _LAYOUT_INPUTS.pop(key, None)
        _LAYOUTS[model] = layout
        return layout


# --------------------------------------------------------------------------- pictures (SVG)
# The live pictures are SVG text built directly from the arrays: a redraw of both models costs a
# few milliseconds, where a matplotlib PNG costs tens to hundreds of milliseconds per chart
# (`python benchmarks/bench_dashboard.py --compare-matplotlib`), and vector graphics stay sharp
# on a projector.
def _palette(steps: int = 101) -> tuple[str, ...]:
    cmap = matplotlib.colormaps[TRUST_CMAP]
    return tuple(matplotlib.colors.to_hex(cmap(i / (steps - 1))) for i in range(steps))


_PALETTE = _palette()


def trust_colours(trust: np.ndarray) -> list[str]:
    """Hex colours of trust values in [0, 1] (red = none, yellow = some, blue = full).

    >>> trust_colours(np.array([0.0, 1.0]))
    ['#a50026', '#313695']
    """
    idx = np.clip(np.rint(np.nan_to_num(trust, nan=0.5) * 100), 0, 100).astype(int)
    return [_PALETTE[i] for i in idx]


def _svg(width: int, height: int, body: Sequence[str], label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{html.escape(label)}" '
        f'font-family="DejaVu Sans, Arial, Helvetica, sans-serif" font-size="{FONT}">'
        + "".join(body)
        + "</svg>"
    )


def network_svg(
    model: GovernanceModel, layout: NetworkLayout | None = None, *, width: int = 640,
    height: int = 500,
) -> str:  # fmt: skip
    """The social network as SVG: citizens coloured by trust in the council, participants ringed.

    Citizens sit in one cluster per council (:func:`layout_for`); grey lines are ties between
    drawn citizens; a black ring marks a citizen taking part this month.
    """
    layout = layout or layout_for(model)
    pop, graph = model.world.population, model.world.graph
    legend_h, pad = 64, 14
    pts = np.vstack([layout.xy, layout.centres])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    span = np.maximum(hi - lo, 1e-9)
    scale = min((width - 2 * pad) / span[0], (height - legend_h - 2 * pad) / span[1])
    off = np.array([(width - span[0] * scale) / 2, pad + (height - legend_h - 2 * pad
                                                          - span[1] * scale) / 2])  # fmt: skip

    def to_px(xy: np.ndarray) -> np.ndarray:
        out = (xy - lo) * scale + off
        out[:, 1] = off[1] * 2 + span[1] * scale - out[:, 1]  # y up
        return out

    xy = to_px(layout.xy)
    body = [f'<rect width="{width}" height="{height}" fill="white"/>']
    index = np.full(graph.n, -1)
    index[layout.sample] = np.arange(len(layout.sample))
    keep = (index[graph.u] >= 0) & (index[graph.v] >= 0)
    ia, ib = index[graph.u[keep]], index[graph.v[keep]]
    same = pop.council[layout.sample][ia] == pop.council[layout.sample][ib]
    for mask, opacity in ((~same, 0.13), (same, 0.5)):  # ties across councils fainter
        segs = np.hstack([xy[ia[mask]], xy[ib[mask]]]).tolist()
        path = "".join(f"M{x1:.1f} {y1:.1f}L{x2:.1f} {y2:.1f}" for x1, y1, x2, y2 in segs)
        body.append(
            f'<path d="{path}" stroke="#7a7a7a" stroke-width="0.7" stroke-opacity="{opacity}"/>'
        )
    colours = trust_colours(pop.trust_local[layout.sample])
    part = pop.participating[layout.sample].tolist()
    r = 5.5 if len(layout.sample) <= 300 else 4.2
    plain = [
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{c}"/>'
        for (x, y), c, p in zip(xy.tolist(), colours, part, strict=True)
        if not p
    ]
    ringed = [
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r * 1.5:.1f}" fill="{c}"/>'
        for (x, y), c, p in zip(xy.tolist(), colours, part, strict=True)
        if p
    ]
    body.append('<g stroke="#5a5a5a" stroke-width="0.4">' + "".join(plain) + "</g>")
    body.append('<g stroke="black" stroke-width="2">' + "".join(ringed) + "</g>")
    if len(layout.council_names) <= 12:
        for (x, y), name in zip(to_px(layout.centres).tolist(), layout.council_names, strict=True):
            body.append(
                f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" dominant-baseline="middle" '
                f'font-weight="bold" stroke="white" stroke-width="5" paint-order="stroke">'
                f"{html.escape(name.replace('_', ' '))}</text>"
            )
    body += _trust_legend(width, height - legend_h + 8)
    shown = f"{len(layout.sample):,} of {layout.population:,}" if layout.sampled else "all"
    return _svg(width, height, body, f"Social network, {shown} residents, coloured by trust")


def _trust_legend(width: int, top: float) -> list[str]:
    bar_w, x0 = 220, 16
    stops = "".join(
        f'<stop offset="{i / 10:.1f}" stop-color="{_PALETTE[i * 10]}"/>' for i in range(11)
    )
    return [
        f'<defs><linearGradient id="trustbar">{stops}</linearGradient></defs>',
        f'<text x="{x0}" y="{top + 12}">Trust in council</text>',
        f'<rect x="{x0}" y="{top + 20}" width="{bar_w}" height="14" fill="url(#trustbar)" '
        'stroke="#555" stroke-width="0.5"/>',
        f'<text x="{x0}" y="{top + 52}" font-size="{FONT - 2}">none</text>',
        f'<text x="{x0 + bar_w}" y="{top + 52}" font-size="{FONT - 2}" '
        'text-anchor="end">full</text>',
        f'<circle cx="{width - 232}" cy="{top + 27}" r="7" fill="{_PALETTE[50]}" '
        'stroke="black" stroke-width="2"/>',
        f'<text x="{width - 218}" y="{top + 32}">taking part this month</text>',
    ]


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


# --------------------------------------------------------------------------- the pair of models
def scenario_dir() -> Path:
    """The shipped ``scenarios/`` folder of the repository checkout govsim is installed from."""
    return Path(__file__).resolve().parents[1] / "scenarios"


@dataclass(frozen=True)
class ClassroomSettings:
    """What the classroom page controls.  ``None`` means "the scenario's own value"."""

    scenario_a: str = "centralised_baseline.toml"
    scenario_b: str = "cooperative_council.toml"
    folder: str = ""
    seed: int = 1
    population: int | None = None
    network_kind: str | None = None
    mean_degree: float | None = None
    cooperation: tuple[float | None, float | None] = (None, None)
    responsiveness: tuple[float | None, float | None] = (None, None)

    def path(self, side: int) -> Path:
        """The scenario file of side 0 (left) or 1 (right)."""
        name = (self.scenario_a, self.scenario_b)[side]
        return Path(self.folder or scenario_dir()) / name

    def overrides(self, side: int) -> dict[str, Any]:
        """Dotted overrides of one side's scenario."""
        out: dict[str, Any] = {
            "population.size": self.population,
            "network.kind": self.network_kind,
            "network.mean_degree": self.mean_degree,
            "council.cooperation": self.cooperation[side],
            "council.responsiveness": self.responsiveness[side],
        }
        return {k: v for k, v in out.items() if v is not None}


def setting_problems(sc: Scenario) -> tuple[list[str], list[str]]:
    """Why a classroom setting cannot run (errors) or may mislead (notes), in plain words."""
    errors, notes = [], []
    n, k = sc.population.size, len(sc.council_names())
    if n < 10 * k:
        errors.append(
            f"{n} residents is too few for {k} councils: use at least {10 * k} "
            "(ten residents per council)."
        )
    if sc.network.mean_degree >= n:
        errors.append(
            f"Each resident cannot have {sc.network.mean_degree:g} friends among {n} residents; "
            "lower the number of ties."
        )
    if sc.network.kind == "complete" and n > 500:
        errors.append("Everyone-knows-everyone networks are limited to 500 residents here.")
    for c in sc.resolved_councils():
        if c["cooperation"] > 0.2 and c["responsiveness"] < 0.2:
            notes.append(
                f"{c['name']}: residents are asked (cooperation {c['cooperation']:.0%}) but "
                f"hardly heard (responsiveness {c['responsiveness']:.0%}): this is tokenism, "
                "and trust usually falls."
            )
            break
    if all(c["cooperation"] == 0 for c in sc.resolved_councils()) and any(
        c["responsiveness"] > 0 for c in sc.resolved_councils()
    ):
        notes.append("With cooperation at 0, responsiveness has no effect: nobody is asked.")
    return errors, notes


def check_settings(
    settings: ClassroomSettings,
) -> tuple[list[Scenario | None], list[str], list[str]]:
    """Load both sides' scenarios with the settings applied; collect errors and notes.

    Returns ``(scenarios, errors, notes)``; a side whose file is invalid has ``None`` and its
    validation message among the errors.  Never raises for a user's choice.
    """
    scenarios: list[Scenario | None] = [None, None]
    errors: list[str] = []
    notes: list[str] = []
    for side in (0, 1):
        try:
            sc = load_scenario(settings.path(side), overrides=settings.overrides(side))
        except ScenarioError as exc:
            errors.append(str(exc))
            continue
        bad, remarks = setting_problems(sc)
        errors += [e for e in bad if e not in errors]
        notes += [f"{_side_name(side)}: {x}" for x in remarks]
        scenarios[side] = sc
    return scenarios, errors, notes


@dataclass
class ModelPair:
    """The two models one browser tab compares: same seed and world, one scenario each.

    ``step``, ``trigger`` and ``rebuild`` hold a lock, so the Play loop and the buttons never
    step a model at the same time.
    """

    settings: ClassroomSettings = field(default_factory=ClassroomSettings)
    models: list[GovernanceModel | None] = field(default_factory=lambda: [None, None])
    scenarios: list[Scenario | None] = field(default_factory=lambda: [None, None])
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    events: list[tuple[int, str]] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def __post_init__(self) -> None:
        self.rebuild(self.settings)

    @property
    def ready(self) -> bool:
        """True when both models exist (the settings were valid)."""
        return not self.errors and all(m is not None for m in self.models)

    @property
    def month(self) -> int:
        """Months simulated so far (both models move together)."""
        return self.models[0].month if self.ready else 0

    def rebuild(self, settings: ClassroomSettings | None = None) -> None:
        """Build both models afresh from ``settings``; problems land in ``errors``, not raised."""
        with self.lock:
            self.settings = settings or self.settings
            self.models = [None, None]
            self.events, self.pending = [], []
            self.scenarios, self.errors, self.notes = check_settings(self.settings)
            if self.errors:
                return
            for side in (0, 1):
                try:
                    self.models[side] = GovernanceModel(
                        self.scenarios[side], rng=self.settings.seed, citizen_handles=False
                    )
                except (ValueError, MemoryError) as exc:  # e.g. a graph the generator refuses
                    self.errors.append(f"{_side_name(side)} model could not be built: {exc}")
                    self.models = [None, None]
                    return

    def step(self, months: int = 1) -> None:
        """Advance both models ``months`` months."""
        with self.lock:
            if not self.ready:
                return
            for _ in range(months):
                for model in self.models:
                    model.step()
                self.pending = []

    def trigger(self, label: str) -> None:
        """Queue the live event ``label`` (a key of :data:`EVENTS`) on both models."""
        with self.lock:
            if not self.ready:
                return
            for event in EVENTS[label][1]:
                for model in self.models:
                    model.trigger(dict(event))
            self.events.append((self.month + 1, label))
            self.pending.append(label)

    def with_changes(self, **changes: Any) -> ClassroomSettings:
        """The current settings with some fields replaced."""
        return replace(self.settings, **changes)


def _side_name(side: int) -> str:
    return ("Left", "Right")[side]


# --------------------------------------------------------------------------- results directories
class ResultsError(ValueError):
    """A results directory that cannot be shown; the message says why."""


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
    from .results import MANIFEST, RUNS, TIMESERIES

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
    ``band="ci"``: mean and its 95% confidence interval, :math:`\bar x \pm 1.96\, s/\sqrt{n}`
    (how sure the average is).  Returns columns ``group, step, centre, low, high, runs``.
    """
    ts = results.timeseries[["run_id", "step", metric]]
    if by:
        ts = ts.merge(results.runs[["run_id", by]], on="run_id", how="left")
        ts = ts.rename(columns={by: "group"})
    else:
        ts = ts.assign(group="all runs")
    g = ts.groupby(["group", "step"], sort=True)[metric]
    if band == "ci":
        mean, sd, n = g.mean(), g.std(ddof=1).fillna(0.0), g.count()
        half = 1.96 * sd / np.sqrt(n.clip(lower=1))
        out = pd.DataFrame({"centre": mean, "low": mean - half, "high": mean + half, "runs": n})
    else:
        out = pd.DataFrame(
            {"centre": g.median(), "low": g.quantile(0.05), "high": g.quantile(0.95),
             "runs": g.count()}
        )  # fmt: skip
    return out.reset_index()


def bands_figure(frame: pd.DataFrame, metric: str, *, title: str = "", size=(14, 6.2)):
    """A matplotlib figure of :func:`result_bands`: a line and a shaded band per group."""
    from matplotlib.figure import Figure

    from .plots import LABELS

    fig = Figure(figsize=size, layout="constrained")
    ax = fig.add_subplot()
    for i, (group, df) in enumerate(frame.groupby("group", sort=True)):
        colour = f"C{i % 10}"
        ax.fill_between(df["step"], df["low"], df["high"], color=colour, alpha=0.22, lw=0)
        ax.plot(df["step"], df["centre"], color=colour, lw=3, label=str(group))
    ax.set_xlabel("month", fontsize=FONT)
    ax.set_ylabel(LABELS.get(metric, metric), fontsize=FONT)
    ax.tick_params(labelsize=FONT - 2)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=FONT - 3)
    if title:
        ax.set_title(title, fontsize=FONT + 1, loc="left")
    return fig
