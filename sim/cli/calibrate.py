"""``govsim calibrate``: fit parameters to the UK series with ABC-SMC (pyabc)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ._common import app, console, err_console, fail, progress_bar, user_errors

EXECUTORS = ("serial", "processes", "dask")

HELP = (
    "Fit scenario parameters to the UK reference series with ABC-SMC (pyabc); write the "
    "posterior, posterior-predictive bands, fit figures and calibration.html.\n\n"
    "The calibration file names the scenario, the priors (by dotted parameter path), the target "
    "series and years with their weights, the held-out years and any competing models. "
    "Needs the optional extra: pip install 'govsim\\[calibrate]' (scripts/bootstrap.sh "
    "installs it).\n\n"
    "Example: govsim calibrate calibrations/uk_small.toml --executor processes --workers 2"
)


@app.command(help=HELP)
def calibrate(
    calibration: Annotated[Path, typer.Argument(help="A calibration file (calibrations/*.toml).")],
    *,
    executor: Annotated[
        str, typer.Option(help=f"Where simulations run: {' | '.join(EXECUTORS)}.")
    ] = "serial",
    workers: Annotated[
        int | None, typer.Option(help="Worker processes \\[default: cores available].", min=1)
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Output directory \\[default: results/calibrate-<name>].")
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue an interrupted calibration in --out.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Replace a calibration already in --out.")
    ] = False,
    write_scenario: Annotated[
        Path | None,
        typer.Option(
            help="Also write a scenario at the posterior medians (and its posterior beside it), "
            "e.g. scenarios/uk_calibrated.toml."
        ),
    ] = None,
) -> None:
    """Fit scenario parameters to the UK reference series with ABC-SMC (pyabc)."""
    from ..calibrate.config import load_calibration
    from ..calibrate.report import REPORT, write_outputs
    from ..calibrate.runner import POSTERIOR, require_pyabc, run_calibration

    with user_errors():
        if executor not in EXECUTORS:
            fail(f"--executor {executor!r}: choose one of {', '.join(EXECUTORS)}.")
        cal = load_calibration(calibration)
        require_pyabc()
        out = out or Path("results") / f"calibrate-{calibration.stem}"
        try:
            with progress_bar() as bar:
                task = bar.add_task("ABC-SMC generations", total=cal.abc.generations, status="")

                def progress(event: str, info: dict) -> None:
                    if event == "start":
                        bar.update(task, completed=info["done"])
                    else:
                        bar.update(
                            task,
                            completed=info["t"] + 1,
                            status=f"eps {info['epsilon']:.2f} pts, accept "
                            f"{info['acceptance']:.0%}, {info['samples']} sims",
                        )

                run = run_calibration(
                    cal, out, executor=executor, workers=workers, resume=resume, force=force,
                    progress=progress,
                )  # fmt: skip
                bar.update(task, total=len(run.generations), completed=len(run.generations))
                ptask = bar.add_task("posterior predictive", total=cal.abc.predictive_draws,
                                     status="")  # fmt: skip
                pred, page = write_outputs(
                    run, executor=executor, workers=workers,
                    progress=lambda d, n: bar.update(ptask, completed=d),
                )  # fmt: skip
        except KeyboardInterrupt:
            err_console.print(
                f"[yellow]interrupted:[/] finished generations are kept in {out}/abc.db; rerun "
                "the same command with --resume to continue."
            )
            raise typer.Exit(130) from None
        from ..calibrate.posterior import describe_models
        from ..calibrate.report import fit_sentence, holdout_sentence

        console.print(fit_sentence(pred.fit), highlight=False)
        hs = holdout_sentence(pred.fit)
        if hs:
            console.print(hs, highlight=False)
        console.print(describe_models(run.probabilities), highlight=False)
        console.print(
            f"{run.simulations} simulations, {len(run.generations)} generations, "
            f"{run.seconds:.0f} s; stopped at {run.stopped}.",
            highlight=False,
        )
        if write_scenario is not None:
            from ..calibrate.scenario_out import write_scenario as _write

            path = _write(cal, out / POSTERIOR, write_scenario, command=" ".join(sys.argv[1:]))
            console.print(f"scenario: {escape(str(path))}", highlight=False)
        console.print(
            f"results: {out}/ ({REPORT}, {POSTERIOR}, points.csv, fit.json, predictive.png, "
            "posterior.png, abc.db)",
            highlight=False,
        )
