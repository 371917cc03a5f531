"""``govsim run``, ``govsim validate`` and ``govsim schema``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

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
    force: Annotated[
        bool, typer.Option("--force", help="Replace earlier results / write into a used folder.")
    ] = False,
) -> None:
    """Run one scenario and write runs.parquet, timeseries.parquet, manifest.json, metrics.png.

    An existing non-empty --out is refused unless --force. Exit code 0 on success, 3 when the
    run failed (e.g. a headline metric became NaN; the error is in runs.parquet), 1 for a
    mistake in the files or options.

    Example: govsim run scenarios/cooperative_council.toml --steps 60 --seed 7 --out results/coop
    """
    from ..experiments.plan import run_file

    with user_errors(), progress_bar() as bar:
        task = {}

        def on_start(name: str, total: int) -> None:
            task["id"] = bar.add_task(name, total=total, status="")

        outcome = run_file(
            scenario,
            out=out,
            steps=steps,
            seed=seed,
            overrides=set_ or [],
            force=force,
            on_start=on_start,
            step_progress=lambda i: bar.update(task["id"], completed=i),
        )
    if outcome.error is not None:
        fail(f"the run failed: {outcome.error} (recorded in {outcome.out}/runs.parquet)", 3)
    _summary(outcome.timeseries, outcome.name)
    console.print(
        f"results: {outcome.out}/ (runs.parquet, timeseries.parquet, manifest.json, "
        f"{outcome.plot.name})",
        highlight=False,
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
    json_: Annotated[
        bool,
        typer.Option(
            "--json",
            help="With --list-parameters: type, default, range, unit and description as JSON.",
        ),
    ] = False,
) -> None:
    """Check scenario files; exit 0 if all are valid, else say what is wrong and exit 1.

    Example: govsim validate scenarios/*.toml
    """
    if list_parameters and json_:
        import json

        from ..parameter_table import parameters

        typer.echo(json.dumps(parameters(), indent=2))
        return
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
