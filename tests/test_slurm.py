"""A sweep on a real SLURM scheduler through experiments/cluster/slurm.py (dask-jobqueue).

The fixture starts a one-node SLURM (munged, slurmctld, slurmd on loopback; see tests/_slurm.py)
and the test runs the cluster recipe of docs/sweeps.md as a user would: the script submits
Dask worker jobs with sbatch, runs a 20-run sweep on them, and the results must equal a serial
sweep's. Skipped when not root or without slurm-wlm/munge, except under GOVSIM_REQUIRE_SLURM=1
(CI, as root), where that fails instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from _slurm import SlurmCluster, missing

from sim.experiments.spec import load_experiment
from sim.experiments.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "experiments" / "cluster" / "slurm.py"

pytestmark = pytest.mark.slurm

EXPERIMENT = """[experiment]
scenario = "{scenario}"
design = "grid"
replicates = 4
steps = 8
seed = 5
[parameters]
"council.cooperation" = [0.0, 0.25, 0.5, 0.75, 1.0]
[overrides]
"population.size" = 150
[keep]
window = 3
"""


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    """A running one-node SLURM; its ``env`` points clients at it (``SLURM_CONF``)."""
    why = missing()
    if why is None:
        try:
            import dask_jobqueue  # noqa: F401
        except ImportError:
            why = "dask-jobqueue not installed (the interop extra: uv sync --extra test)"
    if why is not None:
        if os.environ.get("GOVSIM_REQUIRE_SLURM") == "1":
            pytest.fail(f"GOVSIM_REQUIRE_SLURM=1 but no SLURM here: {why}")
        pytest.skip(f"no single-node SLURM: {why}")
    cluster = SlurmCluster(tmp_path_factory.mktemp("slurm")).start()
    yield cluster
    cluster.stop()


def test_sweep_on_slurm_equals_serial(slurm, tmp_path):
    exp = tmp_path / "exp.toml"
    exp.write_text(
        EXPERIMENT.format(scenario=ROOT / "scenarios" / "cooperative_council.toml"),
        encoding="utf-8",
    )
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    env = {**slurm.env, "PYTHONPATH": path}
    cmd = [sys.executable, str(SCRIPT), str(exp), "--out", str(tmp_path / "slurm")]
    cmd += ["--jobs", "1", "--cores", "2", "--memory-per-worker", "1", "--queue", slurm.partition]
    cmd += ["--walltime", "00:10:00"]
    try:
        done = subprocess.run(
            cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=150
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the SLURM sweep did not finish in 150 s:\n{exc.stdout}\n{slurm.logs()}")
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}\n{slurm.logs()}"
    assert "#SBATCH" in done.stdout and "20 runs done, 0 failed" in done.stdout
    ctld = (slurm.root / "log" / "slurmctld.log").read_text()
    assert "sched: Allocate JobId=" in ctld  # the workers really ran as SLURM jobs

    summary, serial = run_sweep(load_experiment(exp), tmp_path / "serial", executor="serial")
    assert summary.done == 20
    on_slurm = pd.read_parquet(tmp_path / "slurm" / "runs.parquet")
    drop = ["seconds"]
    pd.testing.assert_frame_equal(
        serial.drop(columns=drop, errors="ignore").sort_values("run_id").reset_index(drop=True),
        on_slurm.drop(columns=drop, errors="ignore").sort_values("run_id").reset_index(drop=True),
    )
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "serial" / "timeseries.parquet"),
        pd.read_parquet(tmp_path / "slurm" / "timeseries.parquet"),
    )
