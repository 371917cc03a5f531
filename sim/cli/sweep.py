"""``govsim sweep`` (run an experiment file) and ``govsim analyze`` (summarise its results)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ..experiments.executors import EXECUTORS
from ..experiments.limits import MAX_RUNS
from ._common import app, console, err_console, fail, progress_bar, user_errors

#: Exit code of a sweep that finished but recorded failed runs.
EXIT_RUNS_FAILED = 3


@app.command()
def sweep(
    experiment: Annotated[Path, typer.Argument(help="Experiment file (TOML).")],
    *,
    executor: Annotated[
        str, typer.Option(help=f"Where runs execute: {' | '.join(EXECUTORS)}.")
    ] = "serial",
    workers: Annotated[
        int | None,
        typer.Option(
            help="Worker processes (processes, local Dask) \\[default: all cores].", min=1
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Join a running Dask cluster, e.g. tcp://10.0.0.5:8786 (needs dask)."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Results directory \\[default: results/<experiment>].")
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Complete a sweep in --out: run only missing runs.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Replace earlier results / write into a used folder.")
    ] = False,
    max_runs: Annotated[
        int,
        typer.Option(
            help="Refuse a design of more runs than this (points x replicates; counted before "
            "sampling).",
            min=1,
        ),
    ] = MAX_RUNS,
) -> None:
    """Run every design point x replicate of an experiment; write runs as they finish.

    Exit code 0 when every run succeeded, 3 when some runs failed (recorded with their
    error in runs.parquet), 1 for a mistake in the files or options.

    Example: govsim sweep experiments/tokenism.toml --executor processes --workers 2
    """
    from ..experiments.sweep import sweep_file

    with user_errors(), progress_bar() as bar:
        state = {"task": None, "t0": time.perf_counter(), "base": 0, "name": experiment.stem}

        def on_loaded(exp) -> None:
            state["name"] = exp.name

        def on_start(total: int, already: int) -> None:
            state["base"] = already
            note = f" (resuming: {already} already done)" if already else ""
            state["task"] = bar.add_task(
                f"{state['name']}{note}", total=total, completed=already, status=""
            )

        def progress(result, summary) -> None:
            n = summary.done + summary.failed
            rate = n / max(time.perf_counter() - state["t0"], 1e-9)
            lost = f", {summary.worker_deaths} worker(s) died" if summary.worker_deaths else ""
            bar.update(
                state["task"],
                completed=state["base"] + n,
                status=f"{summary.done} ok, {summary.failed} failed{lost}, {rate:.2f} runs/s",
            )

        exp, summary, runs, out = sweep_file(
            experiment,
            out,
            max_runs=max_runs,
            on_loaded=on_loaded,
            executor=executor,
            workers=workers,
            scheduler=scheduler,
            resume=resume,
            force=force,
            progress=progress,
            on_start=on_start,
        )
    failed = int((runs["status"] != "ok").sum()) if len(runs) else 0
    console.print(
        f"{exp.name}: {len(runs)} runs in {out}/ ({summary.done} run now, "
        f"{summary.skipped} already done, {failed} failed)",
        highlight=False,
    )
    if summary.worker_deaths:
        err_console.print(
            f"[bold yellow]{summary.worker_deaths} worker process(es) died[/]; the "
            f"{summary.retried} run(s) they held were retried on a fresh pool (each at most "
            "twice); only a run that kept killing its worker is recorded as failed.",
            highlight=False,
            soft_wrap=True,
        )
    if failed:
        first = runs.loc[runs["status"] != "ok"].iloc[0]
        err_console.print(
            f"[bold yellow]{failed} run(s) failed[/]; e.g. {first['run_id']}: "
            f"{escape(str(first['error']))}. See the 'error' column of {out}/runs.parquet; "
            "`--resume` tries failed runs again.",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(EXIT_RUNS_FAILED)


@app.command()
def analyze(
    results: Annotated[Path, typer.Argument(help="Results directory of `govsim sweep`.")],
    *,
    sobol: Annotated[bool, typer.Option("--sobol", help="Sobol indices (sobol designs).")] = False,
    morris: Annotated[
        bool, typer.Option("--morris", help="Morris mu*/sigma (morris designs).")
    ] = False,
    out: Annotated[
        Path | None, typer.Option(help="Where tables and plots go \\[default: RESULTS].")
    ] = None,
    metrics: Annotated[
        list[str] | None, typer.Option("--metric", help="Metric(s) to analyse (repeatable).")
    ] = None,
) -> None:
    """Means with 95% intervals per design point; Sobol or Morris indices through SALib.

    Writes points.csv/.md, sobol.csv/.md or morris.csv/.md and PNG plots.

    Example: govsim analyze results/tokenism
    """
    from ..experiments.analysis import AnalysisError, analyze_results

    if sobol and morris:
        fail("give --sobol or --morris, not both.")
    with user_errors():
        try:
            report = analyze_results(
                results,
                method="sobol" if sobol else "morris" if morris else None,
                out=out,
                metrics=metrics,
            )
        except AnalysisError as exc:
            fail(str(exc))
        for table in report.tables:
            console.print(table)
        console.print(
            "wrote: " + ", ".join(str(p) for p in report.files), highlight=False, soft_wrap=True
        )
