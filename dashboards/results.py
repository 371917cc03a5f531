"""The results page: a directory written by ``govsim compare`` or ``govsim sweep``, explored."""

from __future__ import annotations

from pathlib import Path

import solara

from dashboards.roots import results_folder
from sim.plots import LABELS
from sim.viz import ResultsError, bands_figure, load_results, result_bands

BANDS = {
    "Where 90% of runs land (5th-95th percentile)": "spread",
    "How sure the average is (95% confidence interval)": "ci",
}


def _candidates() -> list[str]:
    """Results directories under ./results (those with a manifest or runs file)."""
    root = Path("results")
    if not root.is_dir():
        return []
    found = {p.parent for p in root.glob("**/runs.parquet")}
    return sorted(str(p) for p in found)


@solara.component
def ResultsPage():
    candidates = solara.use_memo(_candidates, [])
    folder, set_folder = solara.use_state(candidates[0] if candidates else "")
    metric, set_metric = solara.use_state("trust_local")
    by, set_by = solara.use_state("")
    band, set_band = solara.use_state(next(iter(BANDS)))

    def load():
        if not folder:
            return None, None
        try:
            return load_results(results_folder(folder)), None
        except ResultsError as exc:
            return None, str(exc)

    res, error = solara.use_memo(load, [folder])
    with solara.Column(style="padding: 8px 18px; gap: 8px"):
        solara.HTML(tag="h1", unsafe_innerHTML="Results")
        solara.Text(
            "Open a folder written by govsim compare or govsim sweep: each line is the middle "
            "of many runs, the shaded band how far they spread.",
        )
        if candidates:
            solara.Select(
                "Results found under ./results",
                values=candidates,
                value=folder,
                on_value=set_folder,
            )
        solara.InputText("Results folder", value=folder, on_value=set_folder)
        if error:
            solara.Error(error, classes=["results-error"])
        if res is None:
            return
        metrics = res.metrics()
        groupings = res.groupings()
        chosen = metric if metric in metrics else metrics[0]
        group = by if by in groupings else (groupings[0] if groupings else "")
        man = res.manifest
        command = man.get("command")
        if isinstance(command, list):
            command = " ".join(map(str, command))
        solara.Text(
            f"{len(res.runs):,} runs, {res.timeseries['step'].max() + 1:,} months each"
            + (f"; command: {command}" if command else ""),
            classes=["results-summary"],
        )
        with solara.Row(style="flex-wrap: wrap; gap: 16px"):
            with solara.Div(style="min-width: 320px"):
                solara.Select(
                    "Measure",
                    values=[LABELS.get(m, m) for m in metrics],
                    value=LABELS.get(chosen, chosen),
                    on_value=lambda label: set_metric(
                        next(m for m in metrics if LABELS.get(m, m) == label)
                    ),
                )
            if groupings:
                with solara.Div(style="min-width: 260px"):
                    solara.Select("Compare by", values=groupings, value=group, on_value=set_by)
            with solara.Div(style="min-width: 440px"):
                solara.Select("Band", values=list(BANDS), value=band, on_value=set_band)
        frame = result_bands(res, chosen, group or None, BANDS[band])
        fig = bands_figure(frame, chosen, title=LABELS.get(chosen, chosen))
        solara.FigureMatplotlib(
            fig, format="png", dpi=90, dependencies=[folder, chosen, group, band]
        )
