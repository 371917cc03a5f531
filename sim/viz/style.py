"""The pictures' shared look: font size, colour ramps and the SVG wrapper.

The live pictures are SVG text built directly from the arrays: a redraw of both models costs a
few milliseconds, where a matplotlib PNG costs tens to hundreds of milliseconds per chart
(`python benchmarks/bench_dashboard.py --compare-matplotlib`), and vector graphics stay sharp
on a projector.

Every colour of the trust ramp has at least 3:1 contrast against the white background (WCAG
2.1's minimum for graphics), so middling values stay visible on a washed-out projector; the
ramp runs from red (none) through dark gold to blue (full), and its lightness changes too.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import matplotlib.colors
import numpy as np

__all__ = [
    "BACKGROUND",
    "FONT",
    "PART_COLOURS",
    "SIDE_COLOURS",
    "TRUST_CMAP",
    "contrast",
    "trust_colours",
]

#: The trust ramp: red = none, dark gold = middling, blue = full.
TRUST_STOPS = ("#b2182b", "#8a6212", "#2166ac")
#: A colour map built from :data:`TRUST_STOPS` (kept as a name for older callers).
TRUST_CMAP = matplotlib.colors.LinearSegmentedColormap.from_list("govsim_trust", TRUST_STOPS)
#: Taking part this month (dark green) or not (mid grey), both >= 3:1 against white.
PART_COLOURS = ("#707070", "#1b7837")
#: The two councils' colours, the same on every page: left (centralised) and right
#: (co-operative).
SIDE_COLOURS = ("#5b5b5b", "#1f7a35")
#: The pictures' background.
BACKGROUND = "#ffffff"
#: Font size of the pictures, in SVG pixels of a 640-pixel-wide picture (large for projectors).
FONT = 17


def _luminance(colour: str) -> float:
    rgb = np.array(matplotlib.colors.to_rgb(colour))
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float(lin @ np.array([0.2126, 0.7152, 0.0722]))


def contrast(a: str, b: str = BACKGROUND) -> float:
    """WCAG 2.1 contrast ratio of two colours (1 to 21).

    >>> round(contrast("#000000", "#ffffff"), 1)
    21.0
    """
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _palette(steps: int = 101) -> tuple[str, ...]:
    return tuple(matplotlib.colors.to_hex(TRUST_CMAP(i / (steps - 1))) for i in range(steps))


_PALETTE = _palette()


def trust_colours(trust: np.ndarray) -> list[str]:
    """Hex colours of trust values in [0, 1] (red = none, dark gold = some, blue = full).

    >>> trust_colours(np.array([0.0, 1.0]))
    ['#b2182b', '#2166ac']
    """
    idx = np.clip(np.rint(np.nan_to_num(trust, nan=0.5) * 100), 0, 100).astype(int)
    return [_PALETTE[i] for i in idx]


def _svg(width: int, height: int, body: Sequence[str], label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{html.escape(label)}" '
        f'font-family="DejaVu Sans, Arial, Helvetica, sans-serif" font-size="{FONT}">'
        f"<title>{html.escape(label)}</title>" + "".join(body) + "</svg>"
    )
