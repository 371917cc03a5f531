"""The social network as SVG: citizens grouped by council, coloured by a choice of measure."""

from __future__ import annotations

import html

import numpy as np

from ..model import GovernanceModel
from .layout import NetworkLayout, layout_for
from .style import _PALETTE, FONT, PART_COLOURS, _svg, trust_colours

__all__ = ["COLOUR_BY", "network_svg", "network_summary"]

#: What the network's dots can be coloured by: key -> words for the picker and the legend.
COLOUR_BY = {
    "trust_local": "Trust in their council",
    "trust_national": "Trust in national government",
    "participating": "Taking part this month",
}


def _values(model: GovernanceModel, colour_by: str, sample: np.ndarray) -> np.ndarray:
    pop = model.world.population
    if colour_by not in COLOUR_BY:
        raise ValueError(f"colour_by={colour_by!r}: choose one of {', '.join(COLOUR_BY)}")
    return np.asarray(getattr(pop, colour_by)[sample], dtype=float)


def network_summary(model: GovernanceModel, colour_by: str = "trust_local") -> str:
    """One sentence with the numbers the colours show (so colour is never the only carrier).

    >>> import sim
    >>> network_summary(sim.GovernanceModel(rng=1, **{"population.size": 100}))[:32]
    'Trust in their council: average '
    """
    pop = model.world.population
    x = np.asarray(getattr(pop, colour_by), dtype=float)
    if colour_by == "participating":
        return f"Taking part this month: {x.mean():.0%} of residents ({int(x.sum()):,})."
    return (
        f"{COLOUR_BY[colour_by]}: average {x.mean():.0%}; {np.mean(x < 1 / 3):.0%} of residents "
        f"below a third, {np.mean(x > 2 / 3):.0%} above two thirds."
    )


def network_svg(
    model: GovernanceModel, layout: NetworkLayout | None = None, *, width: int = 640,
    height: int = 500, colour_by: str = "trust_local",
) -> str:  # fmt: skip
    """The social network as SVG: citizens coloured by ``colour_by``, participants ringed.

    Citizens sit in one group per council (:func:`layout_for`); grey lines are ties between
    drawn citizens; a dot's area grows with its number of friends (so "a few very connected
    people" shows); a black ring marks a citizen taking part this month.  ``colour_by`` is a key
    of :data:`COLOUR_BY`.
    """
    layout = layout or layout_for(model)
    pop, graph = model.world.population, model.world.graph
    values = _values(model, colour_by, layout.sample)
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
    for mask, opacity in ((~same, 0.13), (same, 0.45)):  # ties across councils fainter
        segs = np.hstack([xy[ia[mask]], xy[ib[mask]]]).tolist()
        path = "".join(f"M{x1:.1f} {y1:.1f}L{x2:.1f} {y2:.1f}" for x1, y1, x2, y2 in segs)
        body.append(
            f'<path d="{path}" stroke="#7a7a7a" stroke-width="0.7" stroke-opacity="{opacity}"/>'
        )
    if colour_by == "participating":
        colours = [PART_COLOURS[int(v > 0)] for v in values]
    else:
        colours = trust_colours(values)
    part = pop.participating[layout.sample].tolist()
    degree = np.bincount(np.concatenate([graph.u, graph.v]), minlength=graph.n)[layout.sample]
    base = 5.5 if len(layout.sample) <= 300 else (4.2 if len(layout.sample) <= 800 else 3.3)
    radii = base * np.clip(np.sqrt(degree / max(degree.mean(), 1e-9)), 0.7, 2.6)
    plain, ringed = [], []
    for (x, y), c, p, r in zip(xy.tolist(), colours, part, radii.tolist(), strict=True):
        dot = f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r * (1.4 if p else 1):.1f}" fill="{c}"/>'
        (ringed if p else plain).append(dot)
    body.append('<g stroke="#ffffff" stroke-width="0.5">' + "".join(plain) + "</g>")
    body.append('<g stroke="black" stroke-width="2">' + "".join(ringed) + "</g>")
    if len(layout.council_names) <= 12:
        for (x, y), name in zip(to_px(layout.centres).tolist(), layout.council_names, strict=True):
            body.append(
                f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" dominant-baseline="middle" '
                f'font-weight="bold" stroke="white" stroke-width="5" paint-order="stroke">'
                f"{html.escape(name.replace('_', ' '))}</text>"
            )
    body += _legend(width, height - legend_h + 8, colour_by)
    shown = f"{len(layout.sample):,} of {layout.population:,}" if layout.sampled else "all"
    label = f"Social network, {shown} residents, coloured by {COLOUR_BY[colour_by].lower()}"
    return _svg(width, height, body, f"{label}. {network_summary(model, colour_by)}")


def _legend(width: int, top: float, colour_by: str) -> list[str]:
    x0 = 16
    ring = [
        f'<circle cx="{width - 232}" cy="{top + 27}" r="7" fill="{PART_COLOURS[1]}" '
        'stroke="black" stroke-width="2"/>',
        f'<text x="{width - 218}" y="{top + 32}">ringed: taking part</text>',
        f'<text x="{width - 218}" y="{top + 52}" font-size="{FONT - 3}">'
        "bigger dot: more friends</text>",
    ]
    if colour_by == "participating":
        return [
            f'<circle cx="{x0 + 7}" cy="{top + 14}" r="7" fill="{PART_COLOURS[1]}"/>',
            f'<text x="{x0 + 20}" y="{top + 19}">taking part</text>',
            f'<circle cx="{x0 + 7}" cy="{top + 40}" r="7" fill="{PART_COLOURS[0]}"/>',
            f'<text x="{x0 + 20}" y="{top + 45}">not this month</text>',
            *ring,
        ]
    bar_w = 220
    stops = "".join(
        f'<stop offset="{i / 10:.1f}" stop-color="{_PALETTE[i * 10]}"/>' for i in range(11)
    )
    gid = f"bar-{colour_by}"
    return [
        f'<defs><linearGradient id="{gid}">{stops}</linearGradient></defs>',
        f'<text x="{x0}" y="{top + 12}">{html.escape(COLOUR_BY[colour_by])}</text>',
        f'<rect x="{x0}" y="{top + 20}" width="{bar_w}" height="14" fill="url(#{gid})" '
        'stroke="#555" stroke-width="0.5"/>',
        f'<text x="{x0}" y="{top + 52}" font-size="{FONT - 2}">none</text>',
        f'<text x="{x0 + bar_w / 2}" y="{top + 52}" font-size="{FONT - 2}" '
        'text-anchor="middle">half</text>',
        f'<text x="{x0 + bar_w}" y="{top + 52}" font-size="{FONT - 2}" '
        'text-anchor="end">full</text>',
        *ring,
    ]
