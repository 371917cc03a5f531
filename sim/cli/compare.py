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

#: Exit code when --precision was asked for and the cap was reached first (results written).
EXIT_PRECISION_NOT_MET = 4


HELP = (
    "Compare scenarios with common random numbers; write report.html, summary.md and "
    "summary.csv.\n\n"
    "Replicate k of every scenario uses the same seed, so differences are paired run by run. "
    "Each scenario is compared with the first: paired difference, 95% bootstrap interval and "
    "effect size, at the last month and over the last --window months, for everyone and by "
    "group (deprivation fifths, young people, social tenants).\n\n"
    "--robustness N repeats the comparison over N plausible parameter settings (a Latin "
    "hypercube over sim/compare/uncertain.py) and says how often each finding holds and where "
    "it reverses.\n\n"
    f"Exit codes: 0 done; 1 bad input; {EXIT_PRECISION_NOT_MET} --precision target not met "
    "(results written); 130 interrupted.\n\n"
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
    robustness: Annotated[
        int | None,
        typer.Option(
            help="Also repeat the comparison over N plausible parameter settings (Latin "
            "hypercube) and report where each finding holds and reverses.",
            min=1,
        ),
    ] = None,
    robustness_replicates: Annotated[
        int, typer.Option(help="Replicates of each scenario per robustness setting.", min=1)
    ] = 2,
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
    posterior: Annotated[
        Path | None,
        typer.Option(
            help="A posterior file (govsim calibrate): replicate k of every scenario runs with "
            "parameter set k drawn from it, so intervals cover parameter uncertainty too."
        ),
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
    from ..compare import robustness as rb
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
            posterior=posterior,
        )
        rsetup = (
            rb.robustness_setup(setup, robustness, replicates=robustness_replicates)
            if robustness is not None
            else None
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
        rob = None
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
                if rsetup is not None:
                    rstore = rb.open_robustness_store(
                        rsetup, out, resume=resume, force=force, command=sys.argv
                    )
                    task = bar.add_task("robustness", total=None, status="")
                    rob = rb.run_robustness(
                        rsetup,
                        rstore,
                        comp.summary,
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
        write_report(comp, out, robustness=rob)
        _print_summary(comp)
        if rob is not None:
            for label in comp.setup.labels[1:]:
                for sentence in rob.sentences(label):
                    console.print(f"- {sentence}", highlight=False, soft_wrap=True)
        runs = f"runs: {comp.ran} run, {comp.reused} reused"
        if rob is not None:
            runs += f"; robustness runs: {rob.ran} run, {rob.reused} reused"
        console.print(runs, highlight=False)
        console.print(
            f"results: {out}/ ({REPORT}, {SUMMARY_MD}, {SUMMARY_CSV}, runs.parquet, "
            "timeseries.parquet, manifest.json"
            + (", robustness.csv, robustness/" if rob is not None else "")
            + ")",
            highlight=False,
        )
    if comp.adaptive.get("precision") is not None and not comp.adaptive.get("met"):
        err_console.print(
            f"[bold red]precision target not met:[/] widest headline interval "
            f"{comp.adaptive['widest_interval']:.4f} >= {comp.adaptive['precision']:g} with the "
            f"cap of {comp.adaptive['cap']} replicates; raise --max-replicates (exit code "
            f"{EXIT_PRECISION_NOT_MET}).",
            highlight=False,
        )
        raise typer.Exit(EXIT_PRECISION_NOT_MET)


def _print_summary(comp: Comparison) -> None:
    from ..plots import LABELS
    from ..report.brief import describe_change, describe_interval, describe_level, warnings
    from ..report.text import fmt, verdict

    s = comp.summary
    final = comp.horizons[0]
    base = comp.setup.labels[0]
    for w in warnings(comp):
        err_console.print(f"[yellow]warning:[/] {escape(w)}", highlight=False, soft_wrap=True)
    for label in comp.setup.labels[1:]:
        table = Table(
            title=f"{label} against {base}, month {final.last} ({comp.replicates} replicates; "
            "intervals cover " + " and ".join(comp.uncertainty) + ")"
        )
        table.add_column("measure", no_wrap=True)
        table.add_column("A -> B", justify="right")
        table.add_column("change", justify="right")
        table.add_column("95% CI", justify="right")
        table.add_column("")
        rows = s[(s["scenario"] == label) & (s["group"] == "all") & (s["horizon"] == "final")]
        for _, r in rows.iterrows():
            m = r["metric"]
            a, b = describe_level(m, r["baseline_mean"]), describe_level(m, r["scenario_mean"])
            table.add_row(
                LABELS.get(m, m).split(" (")[0],
                f"{a} -> {b}",
                describe_change(m, r["baseline_mean"], r["scenario_mean"], r["difference"]),
                describe_interval(m, r["baseline_mean"], r["ci_low"], r["ci_high"]),
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
