"""Pictures and the pair of models behind the teachers' dashboard (no Solara in here).

The dashboard (``dashboards/app.py``) is a thin page over this package, one job per module:

* :mod:`.layout`: :func:`layout_for` places citizens grouped by council, once per model (seeded,
  cached); a large population is drawn as a stratified sample of at most :data:`SAMPLE_LIMIT`
  citizens (:func:`sample_citizens`).
* :mod:`.network`: :func:`network_svg` draws that network coloured by a choice of
  :data:`COLOUR_BY` (trust in the council, in national government, taking part), with the
  citizens taking part this month ringed in black.
* :mod:`.charts`: :func:`timeseries_svg` draws one chart of :data:`CHARTS` (trust, taking part,
  services) from :func:`series`.
* :mod:`.style`: the pictures' font, trust colours (:func:`trust_colours`) and SVG wrapper.
* :mod:`.player`: :class:`Player` steps a pair at a chosen rate in a thread; Pause stops
  within one month.
* :mod:`.pair`: :class:`ModelPair` holds the two models a browser tab compares: same seed, same
  world, each with its own scenario; it steps them together and fires live events on both.
  :func:`check_settings` vets the classroom's choices.
* :mod:`.results`: :func:`load_results` reads a results directory; :func:`result_bands` and
  :func:`bands_figure` summarise its runs.

Everything here is deterministic for a given seed: the layout's random numbers come from
:func:`sim.rng.derive_seed`, never from an unseeded generator.
"""

from __future__ import annotations

from .charts import CHARTS, Chart, series, timeseries_svg, value_range
from .charts import COLOURS as COLOURS
from .charts import SHORT_LABELS as SHORT_LABELS
from .layout import (
    SAMPLE_LIMIT,
    NetworkLayout,
    drawn_count,
    grouped_layout,
    layout_for,
    sample_citizens,
)
from .network import COLOUR_BY, network_summary, network_svg
from .pair import (
    EVENTS,
    LIVE_EVENTS,
    MAX_POPULATION,
    NETWORK_KINDS,
    ClassroomSettings,
    Election,
    LiveEvent,
    ModelPair,
    check_settings,
    describe_council,
    pair_timeseries,
    scenario_dir,
    setting_problems,
)
from .player import SPEEDS, Player
from .results import Results, ResultsError, bands_figure, load_results, result_bands
from .style import FONT as FONT
from .style import TRUST_CMAP as TRUST_CMAP
from .style import contrast, trust_colours

__all__ = [
    "CHARTS",
    "COLOUR_BY",
    "EVENTS",
    "LIVE_EVENTS",
    "SPEEDS",
    "Election",
    "LiveEvent",
    "Player",
    "contrast",
    "describe_council",
    "drawn_count",
    "network_summary",
    "pair_timeseries",
    "value_range",
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
