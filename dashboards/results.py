"""The results page: a directory written by ``govsim compare`` or ``govsim sweep``, explored.

Shares in %, groups named in words and coloured as in the classroom, a table of each group's
difference from the first, and downloads (CSV of the bands, PNG and SVG of the chart).
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import solara

from dashboards.roots import results_folder
from dashboards.widgets import NativeSelect
from sim.plots import LABELS
from sim.viz import ResultsError, bands_figure, load_results, result_bands
from sim.viz.results import difference_table, group_label, is_share

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


def load_folder(folder: str):
    """Read a results folder: ``(results, None)`` or ``(None, message)`` (path checks go here)."""
    if not folder:
        return None, None
    try:
        return load_results(results_folder(folder)), None
    except ResultsError as exc:
        return None, str(exc)


def _value(metric: str, x: float) -> str:
    return f"{x:.0%}" if is_share(metric) else f"{x:.3g}"


def _difference_html(frame, metric: str, by: str) -> str:
    table = difference_table(frame)
    if table.empty:
        return ""
    unit = "points" if is_share(metric) else ""
    rows = []
    for i, row in enumerate(table.itertuples()):
        diff = "(reference)" if i == 0 else (
            f"{row.difference * 100:+.1f} {unit}" if unit else f"{row.difference:+.3g}"
        )  # fmt: skip
        rows.append(f"<tr><th scope='row'>{html.escape(group_label(row.group))}</th>"
                    f"<td>{_value(metric, row.latest)}</td><td>{diff}</td></tr>")  # fmt: skip
    first = html.escape(group_label(table["group"].iloc[0]))
    return (
        f'<table class="params differences"><caption>At the last month: each '
        f"{html.escape(by or 'group')} and its difference from {first}</caption><thead><tr>"
        f'<th scope="col">{html.escape(by or "group")}</th><th scope="col">'
        f'{html.escape(LABELS.get(metric, metric))}</th><th scope="col">difference</th></tr>'
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
    )


@solara.component
def ResultsPage():
    candidates = solara.use_memo(_candidates, [])
    folder, set_folder = solara.use_state(candidates[0] if candidates else "")
    metric, set_metric = solara.use_state("trust_local")
    by, set_by = solara.use_state("")
    band, set_band = solara.use_state(next(iter(BANDS)))
    res, error = solara.use_memo(lambda: load_folder(folder), [folder])
    with solara.Column(style="padding: 8px 18px; gap: 8px"):
        solara.HTML(tag="h1", unsafe_innerHTML="Results")
        solara.Text(
            "Open a folder written by govsim compare or govsim sweep: each line is the middle "
            "of many runs, the shaded band how far they spread.",
        )
        if candidates:
            NativeSelect(label="Results found under ./results", values=candidates,
                         value=folder, on_value=set_folder)  # fmt: skip
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
            NativeSelect(
                label="Measure",
                values=[LABELS.get(m, m.replace("_", " ")) for m in metrics],
                value=LABELS.get(chosen, chosen.replace("_", " ")),
                on_value=lambda label: set_metric(
                    next(m for m in metrics if LABELS.get(m, m.replace("_", " ")) == label)
                ),
            )
            if groupings:
                NativeSelect(label="Compare by", values=groupings, value=group, on_value=set_by)
            NativeSelect(label="Band", values=list(BANDS), value=band, on_value=set_band)
        frame = result_bands(res, chosen, group or None, BANDS[band])
        title = LABELS.get(chosen, chosen.replace("_", " "))

        def picture() -> str:
            png = base64.b64encode(figure_bytes("png", dpi=90)).decode()
            names = ", ".join(group_label(g) for g in dict.fromkeys(frame["group"]))
            alt = f"{title} over months for {names}: a line per group with its band."
            return (f'<img class="results-chart" alt="{html.escape(alt)}" '
                    f'src="data:image/png;base64,{png}" style="max-width: 100%">')  # fmt: skip

        def figure_bytes(fmt: str, dpi: int = 150) -> bytes:
            buf = io.BytesIO()
            bands_figure(frame, chosen, title=title).savefig(buf, format=fmt, dpi=dpi)
            return buf.getvalue()

        solara.HTML(tag="div", unsafe_innerHTML=picture())
        solara.HTML(tag="div", unsafe_innerHTML=_difference_html(frame, chosen, group))

        with solara.Row(gap="12px", style="flex-wrap: wrap", classes=["downloads"]):
            with solara.FileDownload(
                lambda: frame.to_csv(index=False).encode(),
                filename=f"govsim-{chosen}-bands.csv",
                mime_type="text/csv",
            ):
                solara.Button("The lines and bands (CSV)", icon_name="mdi-download", outlined=True)
            with solara.FileDownload(lambda: figure_bytes("png"), filename=f"govsim-{chosen}.png",
                                     mime_type="image/png"):  # fmt: skip
                solara.Button("Chart (PNG)", icon_name="mdi-download", outlined=True)
            with solara.FileDownload(lambda: figure_bytes("svg"), filename=f"govsim-{chosen}.svg",
                                     mime_type="image/svg+xml"):  # fmt: skip
                solara.Button("Chart (SVG)", icon_name="mdi-download", outlined=True)
