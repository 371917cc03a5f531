"""Real processes against one results folder: two writers, SIGKILL orphans, a dead worker."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "centralised_baseline.toml"
GOVSIM = [sys.executable, "-m", "sim"]
REFUSED = ("another govsim command is writing there", "already holds govsim results")


def experiment(tmp: Path, *, levels: int = 3, reps: int = 2, size: int = 150, steps: int = 6):
    coop = ", ".join(f"{i / max(levels - 1, 1):.3f}" for i in range(levels))
    path = tmp / "exp.toml"
    path.write_text(
        f'[experiment]\nscenario = "{BASE.as_posix()}"\nreplicates = {reps}\nsteps = {steps}\n'
        f'seed = 3\n[parameters]\n"council.cooperation" = [{coop}]\n'
        f'[overrides]\n"population.size" = {size}\n',
        encoding="utf-8",
    )
    return path


def sweep(path: Path, out: Path, *extra: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [*GOVSIM, "sweep", str(path), "--out", str(out), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
    )


@pytest.mark.slow
def test_two_sweeps_started_together_on_one_folder_never_corrupt_it(tmp_path):
    path = experiment(tmp_path)
    locked = 0
    for trial in range(10):
        out = tmp_path / f"out{trial}"
        procs = [sweep(path, out), sweep(path, out)]
        results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
        codes = sorted(r[0] for r in results)
        assert codes[0] == 0 and codes[1] != 0, results
        loser = next(r for r in results if r[0] != 0)
        text = " ".join(loser[2].split())
        assert any(m in text for m in REFUSED) and "Traceback" not in text, text
        locked += REFUSED[0] in text
        runs = pd.read_parquet(out / "runs.parquet")
        assert len(runs) == 6 and runs["run_id"].is_unique and (runs["status"] == "ok").all()
        series = pd.read_parquet(out / "timeseries.parquet")
        assert series.groupby("run_id").size().eq(7).all() and series["run_id"].nunique() == 6
        assert json.loads((out / "manifest.json").read_text())["status"] == "complete"
        assert not (out / ".runs").exists()
        assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    print(f"{locked} of 10 refusals came from the lock (the others: results already complete)")


def test_sigkill_of_a_process_pool_sweep_leaves_no_process_behind(tmp_path):
    path = experiment(tmp_path, levels=8, reps=3, size=400, steps=40)
    out = tmp_path / "out"
    proc = sweep(path, out, "--executor", "processes", "--workers", "2")
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + 90
    kids: list[psutil.Process] = []
    while time.monotonic() < deadline:  # wait for runs in flight: a part written, workers up
        kids = parent.children(recursive=True)
        parts = out / ".runs"
        written = parts.exists() and any(f.stat().st_size > 0 for f in parts.glob("*.seg"))
        if len(kids) >= 3 and written:  # the store's segment holds a finished run
            break
        time.sleep(0.05)
    assert len(kids) >= 3, "the pool never started"  # forkserver/tracker and >= 1 worker
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    gone, alive = psutil.wait_procs(kids, timeout=5)
    alive = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    for p in alive:  # do not leave them to the next test
        p.kill()
    assert not alive, [" ".join(p.cmdline())[:80] for p in alive]


@pytest.mark.slow
def test_a_dead_worker_fails_only_the_run_it_held(tmp_path):
    path = experiment(tmp_path, levels=4, reps=2)
    # Killed once: the run is retried on a rebuilt pool and every run succeeds.
    once = tmp_path / "markers"
    once.mkdir()
    env = {"GOVSIM_TEST_KILL_WORKER": "p00001-r000", "GOVSIM_TEST_KILL_ONCE": str(once)}
    proc = sweep(path, tmp_path / "once", "--executor", "processes", "--workers", "2", env=env)
    code, _, err = proc.wait(timeout=180), *proc.communicate()
    assert code == 0, err
    assert "1 worker process(es) died" in " ".join(err.split())
    runs = pd.read_parquet(tmp_path / "once" / "runs.parquet")
    assert len(runs) == 8 and (runs["status"] == "ok").all()
    man = json.loads((tmp_path / "once" / "manifest.json").read_text())
    assert man["executor"]["worker_deaths"] == 1 and man["executor"]["retried_runs"] >= 1
    serial = sweep(path, tmp_path / "serial")
    assert serial.wait(timeout=180) == 0, serial.communicate()
    pd.testing.assert_frame_equal(runs, pd.read_parquet(tmp_path / "serial" / "runs.parquet"))

    # Killed every time: that run alone fails after its retries; the other 7 succeed.
    env = {"GOVSIM_TEST_KILL_WORKER": "p00002-r001"}
    proc = sweep(path, tmp_path / "always", "--executor", "processes", "--workers", "2", env=env)
    code, _, err = proc.wait(timeout=180), *proc.communicate()
    assert code == 3, err
    runs = pd.read_parquet(tmp_path / "always" / "runs.parquet").set_index("run_id")
    assert list(runs.index[runs["status"] != "ok"]) == ["p00002-r001"]
    assert "worker process died while running this run (3 times" in runs.loc["p00002-r001", "error"]
    man = json.loads((tmp_path / "always" / "manifest.json").read_text())
    assert man["executor"]["worker_deaths"] >= 3
