"""Render a :class:`~sim.compare.Comparison` as ``report.html``, ``summary.md`` and ``summary.csv``.

The HTML report is one self-contained file: CSS inline in a ``<style>`` element, figures as
inline SVG, no scripts, no external links, fonts or images, so it can be emailed and read
offline. The Markdown summary carries the same findings, tables, caveats and provenance
without the figures.
"""

from __future__ import annotations

import datetime as dt
import shlex
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
from markupsafe import Markup

from ..compare import Comparison, outcomes
from ..metrics import HEADLINE
from ..plots import LABELS
from ..results import atomic_write_bytes
from . import figures
from .brief import MEANING, QUOTABLE_REPLICATES, brief, coverage_sentence, warnings
from .figures import GROUP_LABELS, colours
from .text import (
    caveats,
    fmt,
    fmt_diff,
    group_highlights,
    headline_findings,
    overview,
    pretty,
    replication_note,
    verdict,
)

__all__ = ["REPORT", "ROBUSTNESS_CSV", "SUMMARY_CSV", "SUMMARY_MD", "build_context", "write_report"]

REPORT = "report.html"
SUMMARY_MD = "summary.md"
SUMMARY_CSV = "summary.csv"
ROBUSTNESS_CSV = "robustness.csv"


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("sim.report", "templates"),
        autoescape=lambda name: bool(name) and name.endswith(".html.j2"),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(fmt=fmt, fmt_diff=fmt_diff, pretty=pretty)
    return env


def _letter(i: int) -> str:
    return chr(65 + i)


def _command(argv: list[str]) -> str:
    if not argv:
        return ""
    return shlex.join(["govsim" if Path(argv[0]).name == "govsim" else argv[0], *argv[1:]])


def build_context(
    comp: Comparison, *, figures_on: bool = True, robustness: Any | None = None
) -> dict[str, Any]:
    """Everything the templates show, as plain data (figures as SVG markup if ``figures_on``).

    ``robustness`` is the :class:`~sim.compare.robustness.Robustness` of ``govsim compare
    --robustness N``, if it was run.
    """
    setup = comp.setup
    labels = setup.labels
    base = labels[0]
    final, window = comp.horizons
    man = comp.manifest
    cols = colours(labels)
    scen_hashes = man.get("scenarios", {})
    scenarios = []
    for i, label in enumerate(labels):
        sc = setup.scenarios[label]
        ok, reason = comp.paired.get(label, (True, ""))
        scenarios.append(
            {
                "letter": _letter(i),
                "label": label,
                "name": sc.name,
                "description": " ".join(sc.description.split()),
                "file": str(setup.files[i]),
                "sha256": scen_hashes.get(label, {}).get("sha256", ""),
                "population": sc.population.size,
                "colour": cols[label],
                "paired": ok,
                "reason": reason,
                "runs": int((comp.index["label"] == label).sum()),
            }
        )
    s = comp.summary
    pairs = []
    for label in labels[1:]:
        f_final = headline_findings(comp, label, final)
        f_window = {f["metric"]: f for f in headline_findings(comp, label, window)}
        rows = []
        for f in f_final:
            w = f_window.get(f["metric"])
            rows.append({"final": f, "window": w})
        groups = []
        sub = s[(s["scenario"] == label) & (s["group"] != "all")]
        for (metric, group), df in sub.groupby(["metric", "group"], sort=False):
            by_h = {r["horizon"]: r for _, r in df.iterrows()}
            groups.append(
                {
                    "metric": LABELS.get(metric, metric),
                    "group": GROUP_LABELS.get(group, group),
                    "final": by_h.get("final"),
                    "window": by_h.get("window"),
                    "final_verdict": verdict(by_h["final"]) if "final" in by_h else "",
                    "window_verdict": verdict(by_h["window"]) if "window" in by_h else "",
                }
            )
        ok, reason = comp.paired[label]
        pairs.append(
            {
                "label": label,
                "letter": _letter(labels.index(label)),
                "overview": overview(f_final, label, base),
                "findings": f_final,
                "rows": rows,
                "groups": groups,
                "group_highlights": group_highlights(comp, label, final),
                "paired": ok,
                "reason": reason,
                "effect_kind": "d_z" if ok else "d",
                "brief": brief(comp, label, final, robustness=robustness),
                "robustness": robustness.sentences(label) if robustness is not None else [],
            }
        )
    diff = comp.differences
    differences = [
        {"parameter": r["parameter"], "values": [r[lab] for lab in labels]}
        for _, r in diff.iterrows()
    ]
    argv = list(man.get("command") or [])
    seeds = man.get("comparison", {}).get("replicate_seeds") or []
    ctx: dict[str, Any] = {
        "title": (
            " and ".join(pretty(lab) for lab in labels[1:]) + f" against {pretty(base)}"
        ).capitalize(),
        "baseline": base,
        "labels": labels,
        "scenarios": scenarios,
        "differences": differences,
        "pairs": pairs,
        "final": final,
        "window": window,
        "steps": setup.steps,
        "replicates": comp.replicates,
        "population": sorted({sc["population"] for sc in scenarios}),
        "overrides": setup.overrides,
        "caveats": caveats(comp, robustness),
        "warnings": warnings(comp),
        "coverage": coverage_sentence(getattr(comp, "uncertainty", None) or [], robustness),
        "quotable": QUOTABLE_REPLICATES,
        "meanings": [{"label": LABELS.get(m, m), "text": MEANING[m]} for m in HEADLINE],
        "robustness": _robustness_context(robustness),
        "runs_note": _runs_note(comp),
        "replication": replication_note(comp),
        "headline": [{"metric": m, "label": LABELS.get(m, m)} for m in HEADLINE],
        "provenance": {
            "command": _command(argv),
            "seed": setup.seed,
            "derivation": man.get("seeds", {}).get("derivation", ""),
            "replicate_seeds": seeds,
            "versions": man.get("versions", {}),
            "git_commit": man.get("git_commit") or "not a git checkout",
            "started": man.get("started", ""),
            "finished": man.get("finished", ""),
            "fingerprint": man.get("fingerprint", ""),
            "resumed": man.get("resumed", []),
        },
        "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "figures": {},
    }
    if figures_on:
        ctx["figures"] = _figures(comp)
        if robustness is not None and len(robustness.findings):
            ctx["figures"]["robustness"] = Markup(figures.robustness_figure(robustness.findings))
    return ctx


def _runs_note(comp: Comparison) -> str:
    reused, ran = getattr(comp, "reused", 0), getattr(comp, "ran", 0)
    if not reused:
        return ""
    return f"Resumed: {reused} finished runs were reused and {ran} were run."


def _robustness_context(rob: Any | None) -> dict[str, Any] | None:
    if rob is None:
        return None
    rs = rob.rsetup
    return {
        "n_sets": rob.n_sets,
        "replicates": rs.replicates,
        "ranges": [
            {"path": r.path, "low": r.low, "high": r.high, "words": r.words, "reason": r.reason}
            for r in rs.ranges
        ],
        "skipped": rs.skipped,
        "prim": rob.prim,
        "failed": rob.failed,
        "runs": len(rs.tasks()),
    }


def _figures(comp: Comparison) -> dict[str, Any]:
    labels = comp.setup.labels
    final = comp.horizons[0]
    finals = outcomes(comp.timeseries, comp.index, list(HEADLINE), final)
    all_paired = all(ok for ok, _ in comp.paired.values())
    return {
        "timeseries": [
            {
                "metric": m,
                "label": LABELS.get(m, m),
                "svg": Markup(figures.timeseries_figure(comp.bands, labels, m)),
            }
            for m in HEADLINE
        ],
        "spread": Markup(figures.spread_figure(finals, labels, list(HEADLINE), paired=all_paired)),
        "groups": Markup(figures.group_figure(comp.summary, labels, "final")),
    }


def write_report(comp: Comparison, out: Path, *, robustness: Any | None = None) -> dict[str, Path]:
    """Write ``report.html``, ``summary.md`` and ``summary.csv`` into ``out`` (atomically).

    With ``robustness`` also ``robustness.csv``: one row per finding, the share of parameter
    sets where it holds and the region where it reverses.
    """
    out = Path(out)
    env = _env()
    ctx = build_context(comp, robustness=robustness)
    paths = {"html": out / REPORT, "md": out / SUMMARY_MD, "csv": out / SUMMARY_CSV}
    html = env.get_template("report.html.j2").render(**ctx)
    atomic_write_bytes(paths["html"], html.encode("utf-8"))
    md = env.get_template("summary.md.j2").render(**ctx)
    atomic_write_bytes(paths["md"], md.encode("utf-8"))
    csv = _csv(comp.summary)
    atomic_write_bytes(paths["csv"], csv.encode("utf-8"))
    if robustness is not None:
        paths["robustness"] = out / ROBUSTNESS_CSV
        table = robustness.findings.drop(columns=["coverage", "density"])
        text = table.to_csv(index=False, float_format="%.6g", lineterminator="\n")
        atomic_write_bytes(paths["robustness"], text.encode("utf-8"))
    return paths


def _csv(summary: pd.DataFrame) -> str:
    df = summary.copy()
    df.insert(3, "metric_label", [LABELS.get(m, m) for m in df["metric"]])
    df.insert(5, "group_label", [GROUP_LABELS.get(g, g) for g in df["group"]])
    return df.to_csv(index=False, float_format="%.6g", lineterminator="\n")
