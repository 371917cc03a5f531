"""The govsim command through a real subprocess, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from _util import ROOT, SCENARIOS

from sim.metrics import BOUNDED, HEADLINE

GOVSIM = [sys.executable, "-m", "sim"]


def govsim(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([*GOVSIM, *args], capture_output=True, text=True, cwd=cwd, env=env)


def test_run_twice_gives_identical_parquet_files(tmp_path):
    outs = []
    for name in ("a", "b"):
        out = tmp_path / name
        proc = govsim(
            "run",
            "scenarios/cooperative_council.toml",
            "--steps",
            "60",
            "--seed",
            "7",
            "--out",
            str(out),
        )
        assert proc.returncode == 0, proc.stderr
        outs.append(out)
    for file in ("runs.parquet", "timeseries.parquet"):
        assert (outs[0] / file).read_bytes() == (outs[1] / file).read_bytes(), file
    ts = pd.read_parquet(outs[0] / "timeseries.parquet")
    assert list(ts["step"]) == list(range(61))
    for metric in HEADLINE:
        assert metric in ts.columns
        assert ts[metric].notna().all()
    for metric in BOUNDED:
        assert ts[metric].between(0, 1).all(), metric
    assert ts["participation_gap"].between(-1, 1).all()
    runs = pd.read_parquet(outs[0] / "runs.parquet")
    assert len(runs) == 1 and runs["seed"].iloc[0] == 7
    manifest = json.loads((outs[0] / "manifest.json").read_text())
    assert manifest["seeds"]["seed"] == 7
    assert manifest["scenarios"]["scenario"]["name"] == "cooperative_council"
    assert len(manifest["scenarios"]["scenario"]["sha256"]) == 64
    assert (outs[0] / "metrics.png").stat().st_size > 10_000


def test_run_with_overrides_and_summary_table(tmp_path):
    proc = govsim(
        "run",
        "scenarios/centralised_baseline.toml",
        "--steps",
        "5",
        "--set",
        "population.size=200",
        "--set",
        "council.cooperation=0.9",
        "--out",
        str(tmp_path / "o"),
    )
    assert proc.returncode == 0, proc.stderr
    assert "Trust in council" in proc.stdout
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert manifest["scenarios"]["scenario"]["resolved"]["council"]["cooperation"] == 0.9


def test_run_refuses_a_directory_of_other_files(tmp_path):
    (tmp_path / "thesis.docx").write_text("precious")
    proc = govsim(
        "run", "scenarios/centralised_baseline.toml", "--steps", "1", "--out", str(tmp_path)
    )
    assert proc.returncode == 1
    assert "not govsim results" in proc.stderr
    assert (tmp_path / "thesis.docx").read_text() == "precious"


def test_validate_every_shipped_scenario():
    proc = govsim("validate", *[str(p) for p in SCENARIOS])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("ok:") == len(SCENARIOS)


def test_validate_mixed_good_and_bad_exits_1(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[council]\nresponsiveness = 7\n")
    proc = govsim("validate", "scenarios/centralised_baseline.toml", str(bad))
    assert proc.returncode == 1
    assert "ok:" in proc.stdout and "invalid:" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("command", ["run", "validate", "schema"])
def test_every_command_has_help_with_an_example(command):
    proc = govsim(command, "--help")
    assert proc.returncode == 0
    assert "Example" in proc.stdout


def test_schema_is_json_schema():
    proc = govsim("schema")
    schema = json.loads(proc.stdout)
    assert schema["title"] == "govsim scenario"
    assert "population" in schema["properties"]


def test_list_parameters_includes_contract_paths():
    proc = govsim("validate", "--list-parameters")
    for path in ("population.size", "council.cooperation", "council.responsiveness"):
        assert path in proc.stdout.split()
