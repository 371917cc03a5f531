"""The social network as SVG: citizens grouped by council, coloured by trust."""

from __future__ import annotations

import html

import numpy as np

from ..model import GovernanceModel
from .layout import NetworkLayout, layout_for
from .style import _PALETTE, FONT, _svg, trust_colours

__all__ = ["network_svg"]


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
