"""Small browser-side helpers of the dashboard (Vue templates in ``dashboards/vue/``).

* :func:`Shortcuts`: keyboard shortcuts (space Play/Pause, S Step, R Reset) and the page's
  language (``<html lang="en">``, which Solara's page template leaves out).
* :func:`PictureDownloads`: PNG and SVG buttons that save one picture, drawn in the browser
  from the SVG already on the page (nothing extra from the server).
* :func:`FullScreen`: the browser's own full-screen mode.
* :func:`NativeSelect`: a labelled native drop-down; :func:`PageLanguage`: ``lang="en"``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import solara

_VUE = Path(__file__).parent / "vue"


@solara.component_vue(str(_VUE / "shortcuts.vue"))
def Shortcuts(event_shortcut: Callable[[str], None]):
    """Call ``event_shortcut("play" | "step" | "reset")`` on space, S and R."""


@solara.component_vue(str(_VUE / "picture_downloads.vue"))
def PictureDownloads(target: str, filename: str, label: str):
    """PNG/SVG buttons saving the first ``<svg>`` inside the CSS selector ``target``."""


@solara.component_vue(str(_VUE / "fullscreen.vue"))
def FullScreen(label: str = "Full screen"):
    """A button that switches the browser to full screen and back."""


@solara.component_vue(str(_VUE / "native_select.vue"))
def NativeSelect(
    label: str, value: str, values: list, on_value: Callable[[str], None] | None = None
):
    """A labelled native ``<select>`` (Vuetify's select nests focusable elements, which screen
    readers and axe-core reject)."""


@solara.component_vue(str(_VUE / "page_language.vue"))
def PageLanguage():
    """Set ``<html lang="en">`` (Solara's page template leaves it out) and name its busy bar."""


@solara.component_vue(str(_VUE / "month_counter.vue"))
def MonthCounter(month: int, playing: bool, event_shown: Callable[[int], None]):
    """The month counter; calls ``event_shown(month)`` once the browser has drawn it.

    From the moment Pause is pressed (pointer down on the Play/Pause button, or space) until
    play has stopped it reports nothing, so the model cannot get further ahead.
    """
