"""The pictures' shared look: font size, trust colours and the SVG wrapper.

The live pictures are SVG text built directly from the arrays: a redraw of both models costs a
few milliseconds, where a matplotlib PNG costs tens to hundreds of milliseconds per chart
(`python benchmarks/bench_dashboard.py --compare-matplotlib`), and vector graphics stay sharp
on a projector.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import matplotlib
import matplotlib.colors
import numpy as np

__all__ = ["FONT", "TRUST_CMAP", "trust_colours"]

#: Colour map of trust: red = low, yellow = middling, blue = high (readable with colour blindness).
TRUST_CMAP = "RdYlBu"
#: Font size of the pictures, in SVG pixels of a 640-pixel-wide picture (large for projectors).
FONT = 17


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
