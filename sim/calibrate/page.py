"""The calibration's report page: one self-contained HTML file in the comparison report's style.

CSS is the comparison report's own (``sim/report/templates/report.css``, inline); figures are
the PNGs embedded as ``data:`` URIs; no scripts and no external links.
"""

from __future__ import annotations

import base64
import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from .figures import SERIES_LABELS

__all__ = ["REPORT", "write_page"]

REPORT = "calibration.html"

_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="govsim calibrate">
<title>govsim calibration: {{ name }}</title>
<style>
{{ css }}
</style>
</head>
<body>
<main>
<header>
<h1>Calibration: {{ name }}</h1>
<p class="sub">govsim calibrate &middot; ABC-SMC (pyabc) &middot; {{ simulations }} simulations in
{{ generations }} generations &middot; {{ seconds }} &middot; generated {{ generated }}</p>
</header>
<section id="findings">
<h2>What the data say</h2>
<div class="key">
<p>{{ fit_sentence }}</p>
{% if holdout_sentence %}<p>{{ holdout_sentence }}</p>{% endif %}
<p>{{ models_sentence }}</p>
</div>
<p class="note">{{ description }}</p>
</section>
<section id="predictive">
<h2>Posterior-predictive bands against the data</h2>
<img alt="posterior-predictive bands" style="max-width:100%" src="data:image/png;base64,{{ predictive_png }}">
<p class="note">Band: 5% to 95% of {{ draws }} simulations with parameters drawn from the posterior (the 90%
predictive band); line: their median. Model months are dated by the rule in docs/calibration.md: a survey
year is the mean of its 12 months; turnout is December's (the turnout at that year's election).</p>
</section>
<section id="points">
<h2>Every data point</h2>
<table>
<thead><tr><th>Series</th><th class="num">Year</th><th>Role</th><th class="num">Data</th><th class="num">Model median</th>
<th class="num">90% band</th><th>Inside</th><th class="num">Error</th><th class="num">Naive error</th></tr></thead>
<tbody>
{% for p in points %}
<tr><td>{{ p.label }}</td><td class="num">{{ p.year }}</td><td>{{ p.role }}</td><td class="num">{{ "%.1f" % p.observed }}</td>
<td class="num">{{ "%.1f" % p.q50 }}</td><td class="num">{{ "%.1f" % p.q05 }} to {{ "%.1f" % p.q95 }}</td>
<td>{{ "yes" if p.inside else "no" }}</td><td class="num">{{ "%+.1f" % p.error }}</td>
<td class="num">{{ "" if p.naive_error != p.naive_error else "%+.1f" % p.naive_error }}</td></tr>
{% endfor %}
</tbody>
</table>
<p class="note">Points: percentage points ({{ stat_note }}). Naive error: the series' last fitted value carried
forward, minus the data (held-out years only).</p>
</section>
<section id="posterior">
<h2>Posterior</h2>
<img alt="posterior histograms" style="max-width:100%" src="data:image/png;base64,{{ posterior_png }}">
<table>
<thead><tr><th>Parameter</th><th class="num">Prior</th><th class="num">Posterior median</th><th class="num">5% to 95%</th></tr></thead>
<tbody>
{% for r in params %}
<tr><td><code>{{ r.path }}</code></td><td class="num">{{ r.prior }}</td><td class="num">{{ "%.4g" % r.median }}</td>
<td class="num">{{ "%.4g" % r.q05 }} to {{ "%.4g" % r.q95 }}</td></tr>
{% endfor %}
</tbody>
</table>
{% if models | length > 1 %}
<table>
<thead><tr><th>Model</th><th>Fixed overrides</th><th class="num">Posterior probability</th></tr></thead>
<tbody>
{% for m in models %}
<tr><td>{{ m.name }}</td><td><code>{{ m.overrides }}</code></td><td class="num">{{ "%.2f" % m.p }}</td></tr>
{% endfor %}
</tbody>
</table>
{% endif %}
</section>
<section id="generations">
<h2>Generations</h2>
<table>
<thead><tr><th class="num">Generation</th><th class="num">Threshold (points)</th><th class="num">Simulations</th><th class="num">Acceptance</th></tr></thead>
<tbody>
{% for g in gens %}
<tr><td class="num">{{ g.t }}</td><td class="num">{{ "%.2f" % g.epsilon }}</td><td class="num">{{ g.samples }}</td><td class="num">{{ "%.2f" % g.acceptance }}</td></tr>
{% endfor %}
</tbody>
</table>
<p class="note">Distance: weighted root-mean-square difference in points between the model's and the data's summary
statistics. Stopped at {{ stopped }}.</p>
</section>
<section id="provenance">
<h2>Provenance</h2>
<p>Calibration file <code>{{ source }}</code>, scenario <code>{{ scenario }}</code>, seed {{ seed }}. Posterior:
<code>posterior.parquet</code> (one row per particle); history: <code>abc.db</code> (pyabc, SQLite).</p>
</section>
</main>
</body>
</html>
"""


def _b64(path: Path) -> str:
    return base64.b64encode(Path(path).read_bytes()).decode()


def write_page(out: Path, context: dict[str, Any]) -> Path:
    """Render ``OUT/calibration.html`` from a context built by :func:`sim.calibrate.report`."""
    css = resources.files("sim.report").joinpath("templates/report.css").read_text()
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    ctx = dict(context)
    ctx["css"] = jinja2.utils.markupsafe.Markup(css)
    ctx["predictive_png"] = _b64(out / "predictive.png")
    ctx["posterior_png"] = _b64(out / "posterior.png")
    ctx["generated"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    for p in ctx["points"]:
        p["label"] = SERIES_LABELS.get(p["series"], p["series"])
    html = env.from_string(_TEMPLATE).render(**ctx)
    path = out / REPORT
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(path)
    return path
