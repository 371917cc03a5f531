"""``govsim run``, ``govsim validate`` and ``govsim schema``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ..results import check_output_dir, manifest, write_results
from ..scenario import ScenarioError, load_scenario, parameter_paths, scenario_json_schema
from ._common import app, console, err_console, fail, progress_bar, user_errors

SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Override a scenario parameter, as path=value (repeatable), "
        "e.g. --set council.cooperation=0.8",
    ),
]


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (TOML).")],
    *,
    steps: Annotated[
        int | None, typer.Option(help="Months to simulate \\[default: scenario's].")
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Random seed \\[default: scenario's].", min=0)
    ] = None,
    set_: SetOption = None,
    out: Annotated[
        Path | None, typer.Option(help="Results directory \\[default: results/<scenario>-seed<S>].")
    ] = None,
) -> None:
    """Run one scenario and write runs.parquet, timeseries.parquet, manifest.json, metrics.png.

    Example: govsim run scenarios/cooperative_council.toml --steps 60 --seed 7 --out results/coop
    """
    from ..plots import plot_metrics
    from ..runner import run_scenario

    with user_errors():
        started = dt.datetime.now(dt.UTC)
        sc = load_scenario(scenario, overrides=set_ or [])
        seed = sc.seed if seed is None else seed
        steps = sc.steps if steps is None else steps
        if steps < 0:
            fail("--steps must be 0 or more.")
        out = out or Path("results") / f"{scenario.stem}-seed{seed}"
        check_output_dir(out)
        with progress_bar() as bar:
            task = bar.add_task(sc.name, total=steps, status="")
            result = run_scenario(
                sc,
                seed,
                steps,
                run_id=f"{scenario.stem}-seed{seed}",
                progress=lambda i: bar.update(task, completed=i),
            )
        data = manifest(
            kind="run",
            scenarios={"scenario": sc},
            seeds={"seed": seed, "derivation": "numpy SeedSequence(seed), one child per process"},
            started=started,
            finished=dt.datetime.now(dt.UTC),
            extra={
                "scenario_file": str(scenario.resolve()),
                "steps": steps,
                "overrides": list(set_ or []),
                "seconds": round(result.seconds, 3),
            },
        )
        write_results(out, [result], data)
        png = plot_metrics(result.timeseries, out / "metrics.png", title=sc.name)
        _summary(result.timeseries, sc.name)
        console.print(
            f"results: {out}/ (runs.parquet, timeseries.parquet, manifest.json, {png.name})"
        )


def _summary(ts, name: str) -> None:
    from ..metrics import HEADLINE
    from ..plots import LABELS

    table = Table(title=f"{name}: start and end")
    table.add_column("metric")
    table.add_column("step 0", justify="right")
    table.add_column(f"step {int(ts['step'].iloc[-1])}", justify="right")
    table.add_column("change", justify="right")
    for m in HEADLINE:
        a, b = float(ts[m].iloc[0]), float(ts[m].iloc[-1])
        table.add_row(LABELS.get(m, m), f"{a:.3f}", f"{b:.3f}", f"{b - a:+.3f}")
    console.print(table)


@app.command()
def validate(
    scenarios: Annotated[list[Path] | None, typer.Argument(help="Scenario files to check.")] = None,
    *,
    set_: SetOption = None,
    list_parameters: Annotated[
        bool, typer.Option("--list-parameters", help="List every parameter path and exit.")
    ] = False,
) -> None:
    """Check scenario files; exit 0 if all are valid, else say what is wrong and exit 1.

    Example: govsim validate scenarios/*.toml
    """
    if list_parameters:
        for path in parameter_paths():
            console.print(path, highlight=False)
        return
    if not scenarios:
        fail("give at least one scenario file, e.g. govsim validate scenarios/*.toml")
    bad = 0
    for path in scenarios:
        try:
            sc = load_scenario(path, overrides=set_ or [])
        except ScenarioError as exc:
            bad += 1
            err_console.print(
                f"[bold red]invalid:[/] {escape(str(exc))}", highlight=False, soft_wrap=True
            )
            continue
        console.print(
            f"[green]ok:[/] {path} ({sc.name}: {sc.population.size:,} citizens, "
            f"{len(sc.council_names())} council(s), {len(sc.parties)} parties, "
            f"{len(sc.events)} event(s))",
            highlight=False,
        )
    if bad:
        raise typer.Exit(1)


@app.command()
def schema(
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of stdout.")] = None,
) -> None:
    """Print the JSON Schema of scenario files (for editors' completion and checking).

    Example: govsim schema --out docs/scenario.schema.json
    """
    text = json.dumps(scenario_json_schema(), indent=2) + "\n"
    if out:
        out.write_text(text, encoding="utf-8")
        console.print(f"wrote {out}")
    else:
        typer.echo(text, nl=False)
