"""Plain words for a comparison: numbers, findings sentences, caveats."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ..compare import Comparison, Horizon
from ..compare.meaning import GOOD_WHEN_HIGHER, PROSE
from ..plots import LABELS

__all__ = [
    "GOOD_WHEN_HIGHER",
    "PROSE",
    "caveats",
    "finding",
    "fmt",
    "fmt_diff",
    "group_highlights",
    "headline_findings",
    "overview",
    "pretty",
    "replication_note",
    "verdict",
]


def pretty(label: str) -> str:
    """A scenario label for prose: ``cooperative_council`` -> ``cooperative council``."""
    return label.replace("_", " ")


def fmt(x: Any, digits: int = 3) -> str:
    """A number for people: fixed decimals, ``-`` for missing values.

    >>> fmt(0.12345), fmt(float("nan")), fmt(-0.0)
    ('0.123', '-', '0.000')
    """
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    value = float(x)
    if value == 0:
        value = 0.0  # no "-0.000"
    return f"{value:.{digits}f}"


def fmt_diff(x: Any, digits: int = 3) -> str:
    """A difference with its sign: ``+0.120``, ``-0.031``, ``0.000``.

    >>> fmt_diff(0.12), fmt_diff(-0.0312), fmt_diff(0.0)
    ('+0.120', '-0.031', '0.000')
    """
    text = fmt(x, digits)
    if text in ("-", fmt(0.0, digits)) or text.startswith("-"):
        return text
    return "+" + text


def verdict(row: pd.Series) -> str:
    """``higher`` / ``lower`` if the interval excludes zero, else ``no clear difference``."""
    lo, hi, d = row["ci_low"], row["ci_high"], row["difference"]
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return "no interval"
    if d == 0 and lo == 0 and hi == 0:
        return "identical"
    if lo > 0:
        return "higher"
    if hi < 0:
        return "lower"
    return "no clear difference"


def finding(row: pd.Series, horizon: Horizon) -> dict[str, Any]:
    """One headline finding: a sentence and the pieces a template may want."""
    metric = row["metric"]
    label = LABELS.get(metric, metric)
    word = verdict(row)
    good = GOOD_WHEN_HIGHER.get(metric)
    if word in ("higher", "lower") and good is not None:
        tone = "good" if (word == "higher") == good else "bad"
    else:
        tone = "neutral"
    sentence = (
        f"{label}: {fmt_diff(row['difference'])} (95% CI {fmt(row['ci_low'])} to "
        f"{fmt(row['ci_high'])}) {horizon.describe()}"
    )
    level = (
        f"{fmt(row['baseline_mean'])} under {pretty(row['baseline'])}, "
        f"{fmt(row['scenario_mean'])} under {pretty(row['scenario'])}"
    )
    return {
        "metric": metric,
        "label": label,
        "sentence": sentence,
        "levels": level,
        "verdict": word,
        "tone": tone,
        "effect": row["effect_size"],
        "effect_kind": row["effect_size_kind"],
        "row": row,
    }


def headline_findings(comp: Comparison, scenario: str, horizon: Horizon) -> list[dict[str, Any]]:
    """Findings for every headline metric of ``scenario`` against the first, at ``horizon``."""
    s = comp.summary
    rows = s[(s["scenario"] == scenario) & (s["group"] == "all") & (s["horizon"] == horizon.name)]
    return [finding(row, horizon) for _, row in rows.iterrows()]


def overview(findings: list[dict[str, Any]], scenario: str, baseline: str) -> str:
    """One sentence counting clear rises, falls and no-clear-differences."""

    def name(f: dict[str, Any]) -> str:
        text = PROSE.get(f["metric"], f["label"])
        return text + " (a loss)" if f["tone"] == "bad" else text

    up = [name(f) for f in findings if f["verdict"] == "higher"]
    down = [name(f) for f in findings if f["verdict"] == "lower"]
    same = [f for f in findings if f["verdict"] in ("no clear difference", "identical")]
    if len(same) == len(findings) and all(f["verdict"] == "identical" for f in findings):
        return (
            f"{pretty(scenario).capitalize()} and {pretty(baseline)} gave identical results in "
            "every replicate: every difference is exactly zero."
        )
    parts = []
    if up:
        parts.append("clearly higher " + _join(up))
    if down:
        parts.append("clearly lower " + _join(down))
    text = f"Compared with {pretty(baseline)}, {pretty(scenario)} led to " + (
        "; ".join(parts) if parts else "no clear difference on any headline measure"
    )
    if parts and same:
        text += f"; on the other {len(same)} headline measure{'s' if len(same) != 1 else ''} the "
        text += "interval includes zero"
    return text + "."


def group_highlights(comp: Comparison, scenario: str, horizon: Horizon) -> list[str]:
    """Per group variable, the groups with a clear rise and those with a clear fall."""
    from ..compare.meaning import GROUP_LABELS

    s = comp.summary
    rows = s[(s["scenario"] == scenario) & (s["horizon"] == horizon.name) & (s["group"] != "all")]
    out = []
    for metric, df in rows.groupby("metric", sort=False):
        up, down = [], []
        for _, r in df.iterrows():
            word = verdict(r)
            item = (
                f"{GROUP_LABELS.get(r['group'], r['group']).lower()} ({fmt_diff(r['difference'])})"
            )
            if word == "higher":
                up.append(item)
            elif word == "lower":
                down.append(item)
        if not up and not down:
            continue
        parts = []
        if up:
            parts.append("up for " + _join(up))
        if down:
            parts.append("down for " + _join(down))
        name = PROSE.get(metric, metric)
        out.append(f"{name[0].upper()}{name[1:]}: " + "; ".join(parts) + ".")
    return out


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def replication_note(comp: Comparison) -> str | None:
    """With ``--precision``: whether every headline interval got narrow enough, or the cap hit."""
    ad = comp.adaptive
    if ad.get("precision") is None:
        return None
    n = comp.replicates
    if ad.get("met"):
        return (
            f"Precision target met: replicates were added in batches until every headline 95% "
            f"interval was narrower than {ad['precision']:g}, which took {n} replicates per "
            f"scenario (widest interval {fmt(ad['widest_interval'], 4)})."
        )
    return (
        f"Precision target NOT met: replicates were added towards intervals narrower than "
        f"{ad['precision']:g}, but the cap of {ad['cap']} replicates per scenario was hit first; "
        f"the widest headline interval is still {fmt(ad['widest_interval'], 4)}. Raise "
        "--max-replicates or accept wider intervals."
    )


def caveats(comp: Comparison, robustness: Any | None = None) -> list[str]:
    """What a reader must keep in mind (the warnings that decide quoting are in the brief)."""
    out = [
        "This is a model, not a forecast. The numbers say what follows from the model's "
        "assumptions about how trust, participation and services respond to the way a council "
        "governs; they are not predictions for a real place.",
        "What the model leaves out: real geography and local history, the media, party "
        "organisation and candidates, migration and demographic change, and money beyond a "
        "single council budget share. People are drawn from simple distributions, not from a "
        "census of a real area.",
    ]
    covered = list(getattr(comp, "uncertainty", None) or ["simulation noise"])
    if any("parameter" in u for u in covered):
        out.append("The intervals cover " + " and ".join(covered) + ".")
    elif robustness is not None:
        out.append(
            "The intervals show the spread across replicates (simulation noise) only. "
            f"Uncertainty in the model's own coefficients is covered separately: the comparison "
            f"was repeated over {robustness.n_sets} plausible parameter settings (see where the "
            "findings break); those shares are estimates from that many settings, not intervals."
        )
    else:
        out.append(
            "The intervals show the spread across replicates (simulation noise) only. They say "
            "nothing about uncertainty in the model's own coefficients: rerun with --robustness "
            "40 to repeat the comparison over plausible settings of them (docs/compare.md), or "
            "run a sensitivity analysis (govsim sweep with a Sobol or Morris design, then govsim "
            "analyze; docs/ODD.md lists every coefficient and its source)."
        )
    steps = comp.setup.steps
    interval = comp.setup.scenarios[comp.setup.labels[0]].processes.elections
    first = interval.first or interval.interval
    if steps < first:
        out.append(
            f"No election falls within the {steps} months simulated (the first is at month "
            f"{first}), so turnout shows the turnout expected at the start and cannot differ."
        )
    out += comp.setup.notes
    return out
