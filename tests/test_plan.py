"""One execution plan for run, sweep and compare; limits checked before any run (issues 9, 15)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim import compare as C
from sim.errors import ExperimentError, OutputDirError, ScenarioError
from sim.experiments.lock import LOCK, WriterLock
from sim.experiments.plan import Plan, RunPlan, run_file
from sim.experiments.spec import load_experiment
from sim.experiments.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "centralised_baseline.toml"
COOP = ROOT / "scenarios" / "cooperative_council.toml"
GOVSIM = [sys.executable, "-m", "sim"]
IDENTITY = ["run_id", "scenario", "point", "replicate", "seed", "status", "error"]


def govsim(*args: str, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200", **(env or {})}
    return subprocess.run([*GOVSIM, *args], capture_output=True, text=True, cwd=cwd, env=env)


def write_experiment(tmp: Path, body: str, name: str = "exp.toml") -> Path:
    path = tmp / name
    path.write_text(f'[experiment]\nscenario = "{BASE.as_posix()}"\n{body}', encoding="utf-8")
    return path


GRID = (
    'replicates = 2\nsteps = 4\nseed = 5\n[parameters]\n"council.cooperation" = [0.0, 1.0]\n'
    '[overrides]\n"population.size" = 150\n'
)


def test_run_sweep_and_compare_write_the_same_columns_in_the_same_order(tmp_path):
    run_file(BASE, out=tmp_path / "run", steps=4, overrides=["population.size=150"])
    exp = load_experiment(write_experiment(tmp_path, GRID))
    run_sweep(exp, tmp_path / "sweep")
    setup = C.load_setup([BASE, COOP], overrides=["population.size=150"], steps=4, replicates=2)
    comp = C.run_comparison(setup, tmp_path / "compare")
    tables = {
        k: pd.read_parquet(tmp_path / k / "runs.parquet") for k in ("run", "sweep", "compare")
    }
    assert len(tables["run"]) == 1 and len(tables["sweep"]) == 4 and len(comp.runs) == 4
    for name, df in tables.items():
        cols = list(df.columns)
        assert cols[: len(IDENTITY)] == IDENTITY, name
        params = [c for c in cols if c.startswith("param.")]
        assert cols[len(IDENTITY) : len(IDENTITY) + len(params)] == params, name
        assert cols[len(IDENTITY) + len(params) : len(IDENTITY) + len(params) + 9] == list(
            C.HEADLINE
        ), name
    # any two outputs list their shared columns in the same order
    for a in tables.values():
        for b in tables.values():
            shared = [c for c in a.columns if c in b.columns]
            assert shared == [c for c in b.columns if c in a.columns]
    # ... and their manifests have the same fields, from one builder
    manifests = {k: json.loads((tmp_path / k / "manifest.json").read_text()) for k in tables}
    keys = {k: set(m) for k, m in manifests.items()}
    common = {"kind", "command", "started", "finished", "versions", "git_commit", "seeds"}
    common |= {"scenarios", "run_ids", "executor", "fingerprint", "status", "seconds", "runs"}
    for name, k in keys.items():
        assert common <= k, (name, common - k)
        assert set(manifests[name]["seeds"]) == {"seed", "derivation"}
        assert manifests[name]["status"] == "complete" and len(manifests[name]["fingerprint"]) == 64
        assert {"kind", "workers", "scheduler", "worker_deaths", "retried_runs"} <= set(
            manifests[name]["executor"]
        )
    assert [manifests[k]["kind"] for k in tables] == ["run", "sweep", "compare"]
    for name in tables:  # every command cleans up after itself
        left = {p.name for p in (tmp_path / name).iterdir() if p.name.startswith(".")}
        assert left == {LOCK}, (name, left)
    one = RunPlan(setup.scenarios["centralised_baseline"], seed=1, steps=1, run_id="a b")
    assert one.run_id == "a_b"
    for plan in (one, exp, C.run.ComparisonPlan(setup, 2)):
        assert isinstance(plan, Plan)


def test_run_refuses_an_existing_folder_unless_forced(tmp_path):
    out = tmp_path / "r"
    args = ("run", str(BASE), "--steps", "2", "--set", "population.size=100", "--out", str(out))
    assert govsim(*args).returncode == 0
    first = (out / "runs.parquet").read_bytes()
    again = govsim(*args)
    assert again.returncode == 1 and "already holds govsim results" in again.stderr
    assert "--force" in again.stderr and "Traceback" not in again.stderr
    forced = govsim(*args, "--force")
    assert forced.returncode == 0, forced.stderr
    assert (out / "runs.parquet").read_bytes() == first  # same seed, same bytes


def test_nan_headline_metric_fails_the_run_and_names_metric_and_parameter(tmp_path, monkeypatch):
    # The schema now bounds the inputs that gave NaN (need_base = 1e308), so the NaN is made
    # here: a real run whose final trust_local is replaced by NaN, as a numerical blow-up would.
    import sim.experiments.tasks as T
    from sim.runner import run_scenario as real

    real_model = T.run_model

    def blown_up(*args, **kwargs):  # the last step's trust_local blows up
        model = real_model(*args, **kwargs)
        names, rows = model.datacollector.metric_rows()
        model.datacollector._rows[len(rows) - 1, names.index("trust_local")] = float("nan")
        return model

    monkeypatch.setattr(T, "run_model", blown_up)
    outcome = run_file(BASE, out=tmp_path / "o", steps=2, overrides=["population.size=100"])
    assert outcome.error is not None and outcome.timeseries is None
    assert "not finite" in outcome.error and "trust_local = nan" in outcome.error
    runs = pd.read_parquet(tmp_path / "o" / "runs.parquet")
    assert list(runs["status"]) == ["failed"] and "NonFiniteMetricError" in runs["error"].iloc[0]
    # the likely cause: the parameter of largest magnitude
    task = run_file.__globals__["RunPlan"](
        C.load_setup([BASE, COOP]).scenarios["centralised_baseline"], seed=1, steps=2,
        run_id="x",
    ).tasks()[0]  # fmt: skip
    task.scenario["processes"]["services"]["need_base"] = 1e308
    result = real(C.load_setup([BASE, COOP]).scenarios["centralised_baseline"], 1, 1)
    result.final["trust_gini"] = float("inf")
    with pytest.raises(T.NonFiniteMetricError, match=r"trust_gini = inf.*need_base = 1e\+308"):
        T.check_finite(result, task)


def test_seed_out_of_range_is_refused_before_any_run(tmp_path):
    proc = govsim("run", str(BASE), "--seed", str(2**64), "--out", str(tmp_path / "o"))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "must be a whole number from 0 to 9223372036854775807" in " ".join(proc.stderr.split())
    assert not (tmp_path / "o").exists()
    with pytest.raises(ExperimentError, match="seed"):
        load_experiment(write_experiment(tmp_path, f"seed = {2**63}\n"))
    with pytest.raises(ScenarioError, match="--seed"):
        C.load_setup([BASE, COOP], seed=2**63)


def test_design_size_is_checked_before_sampling(tmp_path):
    levels = ", ".join(str(i / 1000) for i in range(1000))
    huge = write_experiment(
        tmp_path,
        f'[parameters]\n"council.cooperation" = [{levels}]\n"council.responsiveness" = '
        f'[{levels}]\n"council.budget" = [1.0, 2.0]\n',
    )
    t0 = time.perf_counter()
    with pytest.raises(ExperimentError, match=r"2,000,000 points x 1 replicates makes 2,000,000"):
        load_experiment(huge)
    assert time.perf_counter() - t0 < 10  # refused without building two million points
    sobol = write_experiment(
        tmp_path,
        'design = "sobol"\nsamples = 10000000\n[parameters]\n'
        '"council.cooperation" = { min = 0.0, max = 1.0 }\n',
        "sobol.toml",
    )
    with pytest.raises(ExperimentError, match=r"30,000,000 runs.*--max-runs 30000000"):
        load_experiment(sobol)
    small = write_experiment(tmp_path, GRID, "small.toml")
    with pytest.raises(ExperimentError, match="over the cap of 3 runs"):
        load_experiment(small, max_runs=3)
    assert len(load_experiment(small, max_runs=4).tasks()) == 4
    proc = govsim("sweep", str(sobol), "--out", str(tmp_path / "o"))
    assert proc.returncode == 1 and "30,000,000 runs" in " ".join(proc.stderr.split())
    assert "Traceback" not in proc.stderr


def test_a_locked_folder_is_refused_at_once(tmp_path):
    out = tmp_path / "o"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from sim.experiments.lock import WriterLock; "
         f"WriterLock({str(out)!r}).acquire(); print('locked', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "locked"
        exp = load_experiment(write_experiment(tmp_path, GRID))
        t0 = time.perf_counter()
        msg = f"another govsim command is writing there .pid {holder.pid}"
        with pytest.raises(OutputDirError, match=msg):
            run_sweep(exp, out)
        assert time.perf_counter() - t0 < 2
        assert not (out / "manifest.json").exists()
    finally:
        holder.kill()
        holder.wait()
    summary, runs = run_sweep(exp, out)  # the kernel released the dead holder's lock
    assert summary.done == 4


def test_stale_temporary_files_of_a_killed_writer_are_removed_on_resume(tmp_path):
    exp = load_experiment(write_experiment(tmp_path, GRID))
    out = tmp_path / "o"
    run_sweep(exp, out)
    stale = [out / ".manifest.json.12345.tmp", out / ".timeseries.parquet.tmp"]
    for p in stale:
        p.write_bytes(b"half")
    (out / "notes.tmp").write_text("mine")  # not ours: stays
    run_sweep(exp, out, resume=True)
    assert not any(p.exists() for p in stale) and (out / "notes.tmp").exists()


def test_dask_dashboard_listens_on_loopback_and_scratch_is_removed(tmp_path):
    pytest.importorskip("distributed")
    from sim.experiments.executors import make_executor

    with make_executor("dask", workers=1, local_directory=tmp_path / ".dask") as ex:
        link = ex._client.dashboard_link
        assert "127.0.0.1" in link, link
    setup = C.load_setup([BASE, COOP], overrides=["population.size=100"], steps=2, replicates=2)
    C.run_comparison(setup, tmp_path / "cmp", executor="dask", workers=1)
    assert not (tmp_path / "cmp" / ".dask").exists()


def test_writer_lock_is_shared_within_a_process_and_released_by_the_last_holder(tmp_path):
    a = WriterLock(tmp_path).acquire()
    b = WriterLock(tmp_path).acquire()
    a.release()
    code = f"from sim.experiments.lock import WriterLock; WriterLock({str(tmp_path)!r}).acquire()"
    probe = [sys.executable, "-c", code]
    assert subprocess.run(probe, cwd=ROOT, capture_output=True).returncode != 0
    b.release()
    assert subprocess.run(probe, cwd=ROOT, capture_output=True).returncode == 0
