"""Crash safety, resume, failed runs and output-directory rules of `govsim sweep` (issue 3)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.experiments.spec import load_experiment
from sim.experiments.store import RunStore, StoreError, scan_parts
from sim.experiments.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "centralised_baseline.toml"
GOVSIM = [sys.executable, "-m", "sim"]


def experiment(tmp: Path, *, levels: int = 8, reps: int = 3, size: int = 300, steps: int = 24):
    # A private copy of the scenario: other people editing scenarios/ mid-test must not change
    # the experiment's fingerprint between the killed sweep and its resume.
    base = tmp / "base.toml"
    base.write_text(BASE.read_text(encoding="utf-8"), encoding="utf-8")
    coop = ", ".join(f"{i / (levels - 1):.3f}" for i in range(levels))
    path = tmp / "exp.toml"
    path.write_text(
        f'[experiment]\nscenario = "{base.name}"\nreplicates = {reps}\nsteps = {steps}\nseed = 3\n'
        f'[parameters]\n"council.cooperation" = [{coop}]\n'
        f'[overrides]\n"population.size" = {size}\n[keep]\ntimeseries = ["trust_local"]\n',
        encoding="utf-8",
    )
    return path


def test_sigkill_midway_then_resume_runs_each_exactly_once(tmp_path):
    path = experiment(tmp_path)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [*GOVSIM, "sweep", str(path), "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    parts = out / ".runs"

    def committed() -> set[str]:
        return {rid for rid, rec in scan_parts(parts)[0].items() if rec.status == "ok"}

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if len(committed()) >= 5:
            break
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    done_before = committed()
    assert 5 <= len(done_before) < 24, "the sweep finished before it could be killed"
    assert not (out / "runs.parquet").exists()
    assert len(list(parts.iterdir())) == 1, "one segment per writing process, not a file per run"

    from typer.testing import CliRunner

    from sim.cli import app

    res = CliRunner().invoke(app, ["sweep", str(path), "--out", str(out), "--resume"])
    assert res.exit_code == 0, res.output
    assert f"{len(done_before)} already done" in res.output.replace("\n", " ")
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 24 and runs["run_id"].is_unique and (runs["status"] == "ok").all()
    series = pd.read_parquet(out / "timeseries.parquet")
    assert series.groupby("run_id").size().eq(25).all() and series["run_id"].nunique() == 24
    assert not (out / ".runs").exists()

    # Same numbers as an uninterrupted sweep
    fresh = run_sweep(load_experiment(path), tmp_path / "fresh")[1]
    pd.testing.assert_frame_equal(runs, fresh)


def write_graph(path: Path, n: int) -> Path:
    path.write_text("".join(f"{i} {(i + 1) % n}\n{i} {(i + 2) % n}\n" for i in range(n)))
    return path


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path):
    # A real user mistake: a fixed 30-node graph file, but population.size varied. Only the
    # design points whose size differs from the file's node count fail, when the run builds.
    graph = write_graph(tmp_path / "ring.txt", 30)
    path = tmp_path / "exp.toml"
    path.write_text(
        f'[experiment]\nscenario = "{BASE}"\nreplicates = 2\nsteps = 3\n'
        '[parameters]\n"population.size" = [30, 40]\n'
        f'[overrides]\n"network.kind" = "file"\n"network.path" = "{graph.name}"\n',
        encoding="utf-8",
    )
    from typer.testing import CliRunner

    from sim.cli import app

    res = CliRunner().invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out")])
    assert res.exit_code == 3, res.output
    assert "2 run(s) failed" in res.output
    runs = pd.read_parquet(tmp_path / "out" / "runs.parquet").set_index("run_id")
    assert list(runs["status"]) == ["ok", "ok", "failed", "failed"]
    assert runs["error"].iloc[2].count("has 30 nodes but population.size is 40") == 1
    assert runs["trust_local"].iloc[:2].notna().all() and runs["trust_local"].iloc[2:].isna().all()


def test_resume_with_a_changed_experiment_is_refused(tmp_path):
    exp = load_experiment(experiment(tmp_path, levels=2, reps=1, size=60, steps=2))
    run_sweep(exp, tmp_path / "out")
    changed = load_experiment(experiment(tmp_path, levels=3, reps=1, size=60, steps=2))
    with pytest.raises(StoreError, match="cannot resume: the experiment has changed"):
        run_sweep(changed, tmp_path / "out", resume=True)
    with pytest.raises(StoreError, match="already holds govsim results.*--resume"):
        run_sweep(exp, tmp_path / "out")
    # resuming a finished sweep runs nothing and keeps every run
    summary, runs = run_sweep(exp, tmp_path / "out", resume=True)
    assert summary.skipped == 2 and summary.done == 0 and len(runs) == 2
    # --force starts over with the new experiment
    summary, runs = run_sweep(changed, tmp_path / "out", force=True)
    assert summary.done == 3 and len(runs) == 3


def test_foreign_directory_is_refused_unless_forced(tmp_path):
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "chapter1.tex").write_text("precious")
    with pytest.raises(StoreError, match="not govsim results"):
        RunStore(out, fingerprint="x", manifest={})
    RunStore(out, fingerprint="x", manifest={}, force=True)
    assert (out / "chapter1.tex").read_text() == "precious"


def test_store_add_is_idempotent(tmp_path):
    from sim.experiments.tasks import execute

    exp = load_experiment(experiment(tmp_path, levels=2, reps=1, size=60, steps=2))
    store = RunStore(tmp_path / "o", fingerprint=exp.fingerprint, manifest={"kind": "sweep"})
    task = exp.tasks()[0]
    for _ in range(3):  # e.g. Dask retrying a task after a worker died
        store.add(execute(task))
    runs = store.finalise()
    assert list(runs["run_id"]) == [task.run_id]
    assert len(pd.read_parquet(tmp_path / "o" / "timeseries.parquet")) == 3
