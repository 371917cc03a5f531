"""``govsim compare``: paired comparison of scenarios and a self-contained report."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ..experiments.executors import EXECUTORS
from ._common import app, console, err_console, fail, progress_bar, user_errors

if TYPE_CHECKING:
    from ..compare import Comparison


HELP = (
    "Compare scenarios with common random numbers; write report.html, summary.md and "
    "summary.csv.\n\n"
    "Replicate k of every scenario uses the same seed, so differences are paired run by run. "
    "Each scenario is compared with the first: paired difference, 95% bootstrap interval and "
    "effect size, at the last month and over the last --window months, for everyone and by "
    "group (deprivation fifths, young people, social tenants).\n\n"
    "Example: govsim compare scenarios/centralised_baseline.toml "
    "scenarios/cooperative_council.toml --replicates 4 --steps 60 --set population.size=500 "
    "--out results/coop-vs-central"
)


@app.command(help=HELP)
def compare(
    scenarios: Annotated[
        list[Path],
        typer.Argument(help="Two or more scenario files; each is compared with the first."),
    ],
    *,
    replicates: Annotated[
        int, typer.Option(help="Runs per scenario (and batch size with --precision).", min=2)
    ] = 10,
    steps: Annotated[
        int | None, typer.Option(help="Months to simulate \\[default: first scenario's].")
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Override a parameter in every scenario, as path=value (repeatable), "
            "e.g. --set population.size=500",
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            help="Root seed; replicate k uses derive_seed(seed, k) in every scenario.", min=0
        ),
    ] = None,
    window: Annotated[
        int, typer.Option(help="Also compare the mean over the last K months.", min=1)
    ] = 12,
    precision: Annotated[
        float | None,
        typer.Option(
            help="Add batches of --replicates until every headline 95% interval is narrower "
            "than this (or --max-replicates is reached)."
        ),
    ] = None,
    max_replicates: Annotated[
        int, typer.Option(help="Cap on replicates per scenario with --precision.", min=2)
    ] = 50,
    executor: Annotated[
        str, typer.Option(help=f"Where runs execute: {' | '.join(EXECUTORS)}.")
    ] = "serial",
    workers: Annotated[
        int | None, typer.Option(help="Worker processes \\[default: cores available].", min=1)
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Address of a running Dask scheduler (with --executor dask).")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Output directory \\[default: results/compare-<A>-vs-<B>]."),
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Reuse the finished runs of an interrupted comparison.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Replace what the output directory holds.")
    ] = False,
) -> None:
    """Compare scenarios with common random numbers; write report.html, summary.md, summary.csv.

    Replicate k of every scenario uses the same seed, so differences are paired run by run.
    Each scenario is compared with the first: paired difference, 95% bootstrap interval and
    effect size, at the last month and over the last --window months, overall and by group.

    Example: govsim compare scenarios/centralised_baseline.toml scenarios/cooperative_council.toml
    --replicates 4 --steps 60 --set population.size=500 --out results/coop-vs-central
    """
    # imported here: scipy.stats, matplotlib and jinja2 are not needed by other commands
    from ..compare import load_setup, open_store, pairing, run_comparison
    from ..report import REPORT, SUMMARY_CSV, SUMMARY_MD, write_report

    with user_errors():
        if executor not in EXECUTORS:
            fail(f"--executor {executor!r}: choose one of {', '.join(EXECUTORS)}.")
        if scheduler and executor != "dask":
            fail("--scheduler needs --executor dask.")
        setup = load_setup(
            scenarios,
            overrides=set_ or [],
            steps=steps,
            seed=seed,
            window=window,
            replicates=replicates,
            precision=precision,
            max_replicates=max_replicates,
        )
        out = out or Path("results") / "compare-{}".format("-vs-".join(p.stem for p in scenarios))
        for note in setup.notes:
            err_console.print(f"[yellow]note:[/] {escape(str(note))}", highlight=False)
        for ok, reason in pairing(setup.scenarios).values():
            if not ok:
                err_console.print(
                    f"[yellow]unpaired:[/] {escape(str(reason))}", highlight=False, soft_wrap=True
                )
        store = open_store(setup, out, resume=resume, force=force, command=sys.argv)
        try:
            with progress_bar() as bar:
                task = bar.add_task("compare", total=None, status="")

                def progress(event: str, done: int, total: int) -> None:
                    if event == "start":
                        bar.update(task, total=total, completed=done, status=f"{total} runs")
                    else:
                        bar.update(task, completed=done)

                comp = run_comparison(
                    setup,
                    store,
                    executor=executor,
                    workers=workers,
                    scheduler=scheduler,
                    progress=progress,
                )
        except KeyboardInterrupt:
            err_console.print(
                f"[yellow]interrupted:[/] finished runs are kept in {out}/; rerun the same "
                "command with --resume to continue."
            )
            raise typer.Exit(130) from None
        write_report(comp, out)
        _print_summary(comp)
        console.print(
            f"results: {out}/ ({REPORT}, {SUMMARY_MD}, {SUMMARY_CSV}, runs.parquet, "
            "timeseries.parquet, manifest.json)",
            highlight=False,
        )


def _print_summary(comp: Comparison) -> None:
    from ..plots import LABELS
    from ..report.text import fmt, fmt_diff, verdict

    s = comp.summary
    final = comp.horizons[0]
    base = comp.setup.labels[0]
    for label in comp.setup.labels[1:]:
        table = Table(
            title=f"{label} minus {base}, month {final.last} ({comp.replicates} replicates)"
        )
        table.add_column("measure")
        table.add_column("difference", justify="right")
        table.add_column("95% CI", justify="right")
        table.add_column("effect", justify="right")
        table.add_column("")
        rows = s[(s["scenario"] == label) & (s["group"] == "all") & (s["horizon"] == "final")]
        for _, r in rows.iterrows():
            table.add_row(
                LABELS.get(r["metric"], r["metric"]),
                fmt_diff(r["difference"]),
                f"{fmt(r['ci_low'])} to {fmt(r['ci_high'])}",
                fmt(r["effect_size"], 2),
                verdict(r),
            )
        console.print(table)
    ad = comp.adaptive
    if ad["precision"] is not None:
        state = "reached" if ad["met"] else f"NOT reached (cap {ad['cap']} hit)"
        console.print(
            f"precision {ad['precision']:g}: {state} with {comp.replicates} replicates; widest "
            f"headline interval {fmt(ad['widest_interval'], 4)}",
            highlight=False,
        )
