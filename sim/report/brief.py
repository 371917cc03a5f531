"""The first screen of a comparison report: what a council leader needs before anything else.

One line per outcome in plain words and units a reader can use (percentages and percentage
points, value for money as a percentage change), gains and losses in separate lists (a group of
citizens made worse off is a loss and is listed, never folded into a footnote), what the
intervals cover, and the warnings that decide whether the numbers can be quoted.

>>> describe_level("trust_local", 0.362), describe_change("trust_local", 0.36, 0.58, 0.213)
('36%', '+21.3 points')
>>> describe_change("value_for_money", 1.0, 1.014, 0.014)
'+1.4%'
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from ..compare import Comparison, Horizon
from .text import GOOD_WHEN_HIGHER, PROSE, fmt, pretty, verdict

__all__ = [
    "QUOTABLE_REPLICATES",
    "UNITS",
    "brief",
    "coverage_sentence",
    "describe_change",
    "describe_interval",
    "describe_level",
    "outcome_line",
    "warnings",
]

#: The report's rule for quoting its intervals: at least this many replicates per scenario
#: (the expanded-percentile interval then covers about 94% of the time; docs/compare.md), and
#: a ``--precision`` target, if one was set, met.
QUOTABLE_REPLICATES = 10

#: How each metric is shown: ``share`` (0-1, shown as % and its differences as percentage
#: points), ``gap`` (-1 to 1, a difference of two shares: percentage points), ``index`` (a
#: 0-1 index such as a Gini coefficient, shown on a 0-100 scale) and ``ratio`` (value for
#: money, not bounded: shown as a level and its change in per cent of the first scenario).
UNITS = {
    "trust_local": "share",
    "trust_national": "share",
    "participation": "share",
    "turnout": "share",
    "efficacy": "share",
    "service_quality": "share",
    "value_for_money": "ratio",
    "participation_gap": "gap",
    "trust_gini": "index",
}

#: What a level means, in one phrase per metric (shown once, in the key under the lists).
MEANING = {
    "trust_local": "average trust in the council on a 0-100% scale (0 = none, 100% = complete)",
    "trust_national": "average trust in national government, 0-100%",
    "participation": "share of residents taking part in a month (meetings, panels, budgets)",
    "turnout": "share of residents voting at the latest election",
    "efficacy": "average sense that taking part changes anything, 0-100%",
    "service_quality": "share of residents' need for services that is met",
    "value_for_money": "need met per unit of budget spent; the change is in per cent",
    "participation_gap": "taking part among the least deprived fifth minus the most deprived "
    "fifth, in percentage points (wider = more unequal)",
    "trust_gini": "Gini coefficient of trust in the council, 0 (equal) to 100 (one person holds "
    "it all)",
}


#: Unit words a line needs after the measure's name.
SUFFIX = {"trust_gini": " (Gini, 0-100)", "value_for_money": " (need met per unit spent)"}


def _finite(x: Any) -> bool:
    return x is not None and isinstance(x, int | float) and math.isfinite(float(x))


def describe_level(metric: str, value: float) -> str:
    """A level in the metric's reader unit: ``36%``, ``5.1 points``, ``24``, ``1.01``.

    >>> describe_level("participation_gap", 0.051), describe_level("trust_gini", 0.236)
    ('5.1 points', '23.6')
    """
    if not _finite(value):
        return "-"
    unit = UNITS.get(metric, "share")
    v = float(value)
    if unit == "share":
        return f"{100 * v:.0f}%" if abs(100 * v) >= 10 else f"{100 * v:.1f}%"
    if unit == "gap":
        return f"{100 * v:.1f} points"
    if unit == "index":
        return f"{100 * v:.1f}"
    return f"{v:.3f}"


def _signed(x: float, digits: int = 1) -> str:
    text = f"{x:+.{digits}f}"
    return "0.0" if text in ("+0.0", "-0.0") else text


def describe_change(metric: str, base: float, other: float, diff: float) -> str:
    """A difference in the metric's reader unit: ``+21.3 points`` or, for ratios, ``+1.4%``."""
    if not _finite(diff):
        return "-"
    if UNITS.get(metric, "share") == "ratio":
        if not _finite(base) or base == 0:
            return f"{_signed(diff, 3)}"
        return f"{_signed(100 * diff / base)}%"
    return f"{_signed(100 * diff)} points"


def describe_interval(metric: str, base: float, lo: float, hi: float) -> str:
    """The 95% interval in the same unit as :func:`describe_change` (no unit word)."""
    if not (_finite(lo) and _finite(hi)):
        return "no interval"
    if UNITS.get(metric, "share") == "ratio":
        if not _finite(base) or base == 0:
            return f"{fmt(lo)} to {fmt(hi)}"
        return f"{100 * lo / base:.1f}% to {100 * hi / base:.1f}%"
    return f"{100 * lo:.1f} to {100 * hi:.1f}"


def outcome_line(row: Mapping[str, Any] | pd.Series, *, group: str | None = None) -> str:
    """One outcome in plain words: ``Trust in the council: 36% → 58%, +21.3 points (20.1 to 22.4)``.

    ``group`` (a label such as ``Most deprived fifth``) names the citizens the row is about.
    """
    metric = row["metric"]
    name = PROSE.get(metric, metric)
    if group:
        name = f"{group}: {name}"
    else:
        name = name[0].upper() + name[1:]
    a, b = row["baseline_mean"], row["scenario_mean"]
    levels = f"{describe_level(metric, a)} → {describe_level(metric, b)}"
    return (
        f"{name}{SUFFIX.get(metric, '')}: {levels}, "
        f"{describe_change(metric, a, b, row['difference'])} "
        f"({describe_interval(metric, a, row['ci_low'], row['ci_high'])})"
    )


def _tone(row: Mapping[str, Any] | pd.Series) -> str:
    word = verdict(row)
    good = GOOD_WHEN_HIGHER.get(row["metric"])
    if word not in ("higher", "lower") or good is None:
        return "neutral"
    return "good" if (word == "higher") == good else "bad"


def coverage_sentence(uncertainty: Sequence[str], robustness: Any | None = None) -> str:
    """What the 95% intervals cover, stated for a reader (and what they do not)."""
    items = list(uncertainty) or ["simulation noise"]
    text = "95% intervals in brackets. They cover " + " and ".join(items)
    if all("parameter" not in u for u in items):
        text += (
            " only (how much runs with different random draws differ), not uncertainty about "
            "the model's own coefficients"
        )
        text += (
            f"; for that, see where the findings break below ({robustness.n_sets} plausible "
            "parameter settings)."
            if robustness is not None
            else "; run with --robustness N to test the findings against plausible settings."
        )
    else:
        text += "."
    return text


def warnings(comp: Comparison) -> list[str]:
    """Warnings that decide whether the numbers can be quoted: shown first, above the findings."""
    out = []
    n = comp.replicates
    ad = comp.adaptive
    if n < QUOTABLE_REPLICATES:
        out.append(
            f"Too few replicates to quote: {n} runs per scenario (the report's rule is "
            f"{QUOTABLE_REPLICATES} or more). The intervals are rough; rerun with --replicates "
            "20 or --precision before quoting them."
        )
    if ad.get("precision") is not None and not ad.get("met"):
        out.append(
            f"Precision target not met: the widest headline interval is "
            f"{100 * float(ad['widest_interval']):.1f} points, wider than the "
            f"{100 * float(ad['precision']):.1f} asked for, when the cap of {ad['cap']} "
            "replicates was reached. Raise --max-replicates or accept wider intervals."
        )
    for ok, reason in comp.paired.values():
        if not ok:
            out.append(f"Unpaired comparison: {reason}")
    if comp.failed:
        out.append(
            f"{len(comp.failed)} run(s) failed and are left out (runs.parquet, column 'error')."
        )
    return out


def _group_rows(comp: Comparison, scenario: str, horizon: Horizon) -> pd.DataFrame:
    s = comp.summary
    return s[(s["scenario"] == scenario) & (s["horizon"] == horizon.name) & (s["group"] != "all")]


def _every_group(
    metric: str, rows: list[pd.Series], scenario: str, robustness: Any | None
) -> dict[str, Any]:
    """One loss line for a measure on which every group of citizens is worse off."""
    d = [float(r["difference"]) for r in rows]
    a = rows[0]["baseline_mean"]
    small = describe_change(metric, a, a, abs(min(d, key=abs))).lstrip("+")
    large = describe_change(metric, a, a, abs(max(d, key=abs))).lstrip("+")
    small = small.split(" ")[0] if " " in large else small
    name = PROSE.get(metric, metric)
    verb = "falls" if d[0] < 0 else "rises"
    text = f"Every group of citizens: {name} {verb} by {small} to {large}"
    robust = ""
    if robustness is not None:
        shares = [robustness.share(scenario, metric, r["group"]) for r in rows]
        shares = [x for x in shares if x is not None]
        if shares and min(shares) == 1.0:
            robust = f"holds for every group in all {robustness.n_sets} plausible settings"
        elif shares:
            robust = (
                f"holds for every group in at least {100 * min(shares):.0f}% of "
                f"{robustness.n_sets} plausible settings"
            )
    return {"text": text, "metric": metric, "group": "every", "robust": robust}


def brief(
    comp: Comparison,
    scenario: str,
    horizon: Horizon,
    *,
    robustness: Any | None = None,
) -> dict[str, Any]:
    """Gains, losses and unclear outcomes of ``scenario`` against the first, in plain words.

    Returns a dict with ``gains`` and ``losses`` (lists of ``{"text", "metric", "group",
    "robust"}``; losses include every group of citizens clearly worse off on any group
    measure), ``unclear`` (names of headline measures whose interval includes zero),
    ``identical`` (every difference exactly zero) and ``group_gains`` (one sentence per group
    measure).
    """
    from ..compare.meaning import GROUP_LABELS

    s = comp.summary
    head = s[(s["scenario"] == scenario) & (s["group"] == "all") & (s["horizon"] == horizon.name)]
    gains: list[dict[str, Any]] = []
    losses: list[dict[str, Any]] = []
    unclear: list[str] = []
    verdicts = [verdict(r) for _, r in head.iterrows()]
    identical = bool(verdicts) and all(v == "identical" for v in verdicts)
    for _, row in head.iterrows():
        tone = _tone(row)
        item = {
            "text": outcome_line(row),
            "metric": row["metric"],
            "group": "all",
            "robust": robustness.holds_text(scenario, row["metric"], "all")
            if robustness is not None
            else "",
        }
        if tone == "good":
            gains.append(item)
        elif tone == "bad":
            losses.append(item)
        elif not identical:
            unclear.append(PROSE.get(row["metric"], row["metric"]))
    group_gains: dict[str, list[str]] = {}
    group_losses: dict[str, list[tuple[str, pd.Series]]] = {}
    for _, row in _group_rows(comp, scenario, horizon).iterrows():
        tone = _tone(row)
        label = GROUP_LABELS.get(row["group"], row["group"])
        if tone == "bad":
            group_losses.setdefault(row["metric"], []).append((label, row))
        elif tone == "good":
            group_gains.setdefault(row["metric"], []).append(label.lower())
    n_groups = len(GROUP_LABELS) - 1
    for metric, items in group_losses.items():
        if len(items) == n_groups:  # every group: one line, with the range of the changes
            losses.append(_every_group(metric, [r for _, r in items], scenario, robustness))
            continue
        for label, row in items:
            losses.append(
                {
                    "text": outcome_line(row, group=label),
                    "metric": metric,
                    "group": row["group"],
                    "robust": robustness.holds_text(scenario, metric, row["group"])
                    if robustness is not None
                    else "",
                }
            )
    group_text = []
    for metric, groups in group_gains.items():
        name = PROSE.get(metric, metric)
        who = "every group" if len(groups) == n_groups else ", ".join(groups)
        group_text.append(f"{name} rises for {who}")
    return {
        "gains": gains,
        "losses": losses,
        "unclear": unclear,
        "identical": identical,
        "group_gains": "; ".join(group_text),
        "title": f"{pretty(scenario).capitalize()} against {pretty(comp.setup.labels[0])}, "
        f"{horizon.describe()}",
        "scenario": scenario,
    }
