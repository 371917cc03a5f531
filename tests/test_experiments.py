"""Experiment files, designs, seeds and executors (issue 3)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.errors import ScenarioError
from sim.experiments import make_executor
from sim.experiments.spec import ExperimentError, load_experiment
from sim.experiments.sweep import run_sweep
from sim.rng import derive_seed

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "centralised_baseline.toml"


def write(tmp: Path, body: str, name: str = "exp.toml") -> Path:
    path = tmp / name
    path.write_text(f'[experiment]\nscenario = "{BASE}"\n{body}', encoding="utf-8")
    return path


GRID = """design = "grid"
replicates = 2
steps = 6
seed = 11
[parameters]
"council.cooperation" = [0.0, 0.8]
council.responsiveness = [0.1, 0.9]
[overrides]
"population.size" = 120
[keep]
window = 3
"""


def test_grid_points_seeds_and_ids(tmp_path):
    exp = load_experiment(write(tmp_path, GRID))
    assert len(exp.points) == 4  # unquoted dotted keys nest in TOML and are flattened back
    assert exp.points[1] == {"council.cooperation": 0.0, "council.responsiveness": 0.9}
    tasks = exp.tasks()
    assert [t.run_id for t in tasks][:3] == ["p00000-r000", "p00000-r001", "p00001-r000"]
    assert tasks[3].seed == derive_seed(11, 1, 1)
    assert len({t.seed for t in tasks}) == len(tasks)
    assert exp.scenario.population.size == 120
    assert exp.keep.window == 3


def test_sampled_designs_have_salib_sizes(tmp_path):
    body = """design = "{d}"
samples = 4
[parameters]
"council.cooperation" = {{ min = 0.0, max = 1.0 }}
"council.responsiveness" = {{ min = 0.0, max = 1.0 }}
"population.size" = {{ min = 50, max = 150 }}
"""
    sizes = {"lhs": 4, "sobol": 4 * (3 + 2), "morris": 4 * (3 + 1)}
    for design, n in sizes.items():
        exp = load_experiment(write(tmp_path, body.format(d=design), f"{design}.toml"))
        assert len(exp.points) == n, design
        assert all(isinstance(p["population.size"], int) for p in exp.points)
        assert all(0.0 <= p["council.cooperation"] <= 1.0 for p in exp.points)
        assert exp.problem["names"][0] == "council.cooperation"


def test_fingerprint_changes_with_the_experiment(tmp_path):
    a = load_experiment(write(tmp_path, GRID, "a.toml"))
    b = load_experiment(write(tmp_path, GRID.replace("seed = 11", "seed = 12"), "b.toml"))
    c = load_experiment(write(tmp_path, GRID, "c.toml"))
    assert a.fingerprint == c.fingerprint != b.fingerprint


BAD = {
    "unknown parameter": (
        '[parameters]\n"council.cooperaton" = [0.0, 1.0]\n',
        ["exp.toml:4", "council.cooperaton", "Did you mean council.cooperation"],
    ),
    "min > max": (
        'design = "lhs"\nsamples = 4\n[parameters]\n'
        '"council.cooperation" = { min = 0.8, max = 0.2 }\n',
        ["exp.toml:6", "min (0.8) must be less than max (0.2)"],
    ),
    "design without ranges": (
        'design = "sobol"\nsamples = 8\n',
        ["exp.toml:3", "design = 'sobol' needs at least one parameter", "{ min, max }"],
    ),
    "range in a grid": (
        '[parameters]\n"council.cooperation" = { min = 0.0, max = 1.0 }\n',
        ["is a range", "design = 'grid' needs a list of levels"],
    ),
    "unknown design": (
        'design = "factorial"\n',
        ["exp.toml:3", "design = 'factorial'", "'grid', 'lhs', 'sobol' or 'morris'"],
    ),
    "level out of range": (
        '[parameters]\n"council.cooperation" = [0.0, 1.5]\n',
        ["[parameters] council.cooperation = 1.5", "from 0.0 to 1.0"],
    ),
    "misspelt key": (
        "replicate = 3\n",
        ["exp.toml:3", "unknown key 'replicate' in [experiment]", "Did you mean 'replicates'"],
    ),
    "unknown override": (
        '[overrides]\n"population.sise" = 3\n',
        ["[overrides]", "population.sise", "Did you mean population.size"],
    ),
    "unknown metric": (
        '[keep]\nmetrics = ["trust_locl"]\n',
        ["[keep] metrics", "'trust_locl'", "Did you mean 'trust_local'"],
    ),
    "samples missing": (
        'design = "lhs"\n[parameters]\n"council.cooperation" = { min = 0.0, max = 1.0 }\n',
        ["needs [experiment] samples"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_experiment_files_say_file_and_field(tmp_path, case):
    body, expected = BAD[case]
    path = write(tmp_path, body)
    with pytest.raises(ExperimentError) as info:
        load_experiment(path)
    msg = str(info.value)
    assert "\n" not in msg.strip()
    assert str(path) in msg
    for part in expected:
        assert part in msg, (case, msg)


def test_missing_scenario_and_toml_syntax(tmp_path):
    path = tmp_path / "exp.toml"
    path.write_text('[experiment]\nscenario = "../nope/none.toml"\n', encoding="utf-8")
    with pytest.raises(ExperimentError, match=r"exp.toml:2: \[experiment\] scenario"):
        load_experiment(path)
    path.write_text('[experiment]\nscenario = "x.toml\n', encoding="utf-8")
    with pytest.raises(Exception, match=r"exp.toml:2: TOML syntax error"):
        load_experiment(path)


def test_cli_reports_bad_file_without_traceback(tmp_path):
    from typer.testing import CliRunner

    from sim.cli import app

    path = write(tmp_path, '[parameters]\n"council.cooperaton" = [0.0]\n')
    res = CliRunner().invoke(app, ["sweep", str(path), "--out", str(tmp_path / "o")])
    assert res.exit_code == 1
    assert "Did you mean council.cooperation" in res.output
    assert "Traceback" not in res.output


def test_serial_processes_and_dask_give_identical_runs(tmp_path):
    exp = load_experiment(write(tmp_path, GRID))
    tables = {}
    for kind in ("serial", "processes", "dask"):
        summary, runs = run_sweep(exp, tmp_path / kind, executor=kind, workers=2)
        assert summary.done == 8 and summary.failed == 0
        tables[kind] = runs.drop(columns=["seconds"], errors="ignore").sort_values("run_id")
        series = pd.read_parquet(tmp_path / kind / "timeseries.parquet")
        assert len(series) == 8 * 7 and series["run_id"].is_monotonic_increasing
    pd.testing.assert_frame_equal(tables["serial"], tables["processes"])
    pd.testing.assert_frame_equal(tables["serial"], tables["dask"])
    assert {"trust_local", "trust_local_mean", "param.council.cooperation"} <= set(
        tables["serial"].columns
    )


def test_make_executor_rejects_bad_options():
    with pytest.raises(ValueError, match="--executor 'threads': must be one of"):
        with make_executor("threads"):
            pass
    with pytest.raises(ValueError, match="it needs --executor dask"):
        with make_executor("processes", scheduler="tcp://127.0.0.1:1"):
            pass


def test_a_run_pauses_the_cyclic_collector_and_restores_it():
    """execute() runs with gc off and leaves it as it found it (on, or off), even on errors."""
    import gc

    from sim.experiments.tasks import _collector_paused

    assert gc.isenabled()
    with _collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    try:
        with _collector_paused():
            raise RuntimeError("a run that fails")
    except RuntimeError:
        pass
    assert gc.isenabled()
    gc.disable()
    try:
        with _collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_sweep_run_frees_its_model_when_it_ends():
    """No model outlives execute(): its cycles go in the young collection at the end of the
    run.  (A model still referenced at that collection moved into the older generations,
    which a sweep rarely collects: every run's model stayed in memory, ~0.9 MB a
    1,000-citizen run, and a long sweep's memory grew with its runs.)"""
    import gc

    from sim.experiments.tasks import Keep, RunTask, execute
    from sim.model import GovernanceModel
    from sim.scenario import load_scenario

    def models() -> int:
        return sum(isinstance(o, GovernanceModel) for o in gc.get_objects())

    gc.collect()
    before = models()
    scenario = load_scenario(BASE, overrides={"population.size": 150}).model_dump(mode="json")
    for rep in range(3):
        task = RunTask(
            f"r{rep}", scenario, {}, seed=rep, steps=4, keep=Keep(metrics=("trust_local",))
        )
        assert execute(task).final["trust_local"] >= 0
        assert models() == before  # not waiting, unreachable, for a later full collection

    def fail(step: int) -> None:  # a run that raises half-way, its model in the traceback
        if step == 2:
            raise RuntimeError("stopped at step 2")

    failed = execute(task, progress=fail)
    assert "stopped at step 2" in failed.error
    assert models() == before


@pytest.mark.parametrize(
    "keep",
    [
        {"window": 0, "every": 1},
        {"window": 4, "every": 3},
        {"window": 50, "every": 4, "timeseries": ("trust_gini", "turnout")},
        {"window": 2, "every": 1, "timeseries": ()},
    ],
)
def test_a_sweep_run_keeps_what_the_full_frame_holds(keep):
    """execute() reads the kept metrics from the collector's array: the same values, types
    and layout as slicing run_scenario()'s frame of every metric (what it did before)."""
    import numpy as np

    from sim.experiments.tasks import Keep, RunTask, execute
    from sim.runner import run_scenario
    from sim.scenario import load_scenario

    scenario = load_scenario(BASE, overrides={"population.size": 150})
    keep = Keep(metrics=("trust_local", "participation", "trust_gini"), **keep)
    params = {"council.responsiveness": 0.7}
    task = RunTask("r1", scenario.model_dump(mode="json"), params, seed=5, steps=10, keep=keep)
    got = execute(task)

    full = run_scenario(scenario, 5, 10, parameters=params)
    ts = full.timeseries
    final = {m: full.final[m] for m in keep.metrics}
    if keep.window:
        tail = ts[list(keep.metrics)].iloc[-keep.window :]
        final |= {f"{m}_mean": float(np.nanmean(tail[m])) for m in keep.metrics}
    kept = ts[["step", *keep.timeseries]]
    rows = (kept["step"] % keep.every == 0) | (kept.index == len(kept) - 1)
    kept = kept[rows].reset_index(drop=True)

    assert got.final == final and all(type(v) is float for v in got.final.values())
    if keep.timeseries:
        pd.testing.assert_frame_equal(got.timeseries, kept, check_exact=True)
    else:
        assert list(got.timeseries.columns) == ["step"] and len(got.timeseries) == 0
        assert got.timeseries["step"].dtype == np.int64
    assert got.extra == {"point": 0, "replicate": 0} and got.parameters == params
    assert got.scenario_name == full.scenario_name and got.seed == 5


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.toml")), ids=lambda p: p.stem)
def test_a_task_validates_its_scenario_once_with_the_same_result(path):
    """task_scenario() applies the parameters to the task's scenario dict and validates once:
    the scenario GovernanceModel builds from the validated scenario and the parameters."""
    from sim.experiments.tasks import RunTask, task_scenario
    from sim.model import GovernanceModel
    from sim.scenario import load_scenario
    from sim.schema import Scenario

    data = load_scenario(path).model_dump(mode="json")
    for params in ({}, {"council.responsiveness": 0.3, "processes.social_influence.weight": 0.2}):
        task = RunTask("r", data, params, seed=1, steps=1)
        built = GovernanceModel(Scenario.model_validate(data), rng=1, **params).spec
        assert task_scenario(task) == built
    bad = RunTask("r", data, {"council.responsiveness": 7.0}, seed=1, steps=1)
    with pytest.raises(ScenarioError, match="responsiveness"):
        task_scenario(bad)
