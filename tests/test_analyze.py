"""`govsim analyze`: per-point intervals, Sobol and Morris indices, files and plots (issue 3)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.experiments.analysis import (
    AnalysisError,
    analyze_results,
    morris_indices,
    point_summary,
)
from sim.experiments.spec import load_experiment
from sim.experiments.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "cooperative_council.toml"


def sweep(tmp: Path, body: str, name: str) -> Path:
    path = tmp / f"{name}.toml"
    path.write_text(
        f'[experiment]\nscenario = "{BASE}"\nsteps = 12\nseed = 5\n{body}\n'
        '[overrides]\n"population.size" = 120\n',
        encoding="utf-8",
    )
    run_sweep(load_experiment(path), tmp / name)
    return tmp / name


def test_point_summary_t_interval():
    runs = pd.DataFrame(
        {
            "run_id": ["a", "b", "c"],
            "status": ["ok"] * 3,
            "point": [0, 0, 0],
            "param.x": [1.0] * 3,
            "m": [1.0, 2.0, 3.0],
        }
    )
    row = point_summary(runs, ["m"]).iloc[0]
    # mean 2, sd 1, n 3: half-width t(0.975, 2) / sqrt(3) = 4.3027 / 1.7321
    assert row["mean"] == 2.0 and row["n"] == 3
    assert row["ci_high"] - 2.0 == pytest.approx(4.302653 / np.sqrt(3), rel=1e-5)


def test_analyze_grid_writes_tables_and_plots(tmp_path):
    out = sweep(
        tmp_path, 'replicates = 3\n[parameters]\n"council.cooperation" = [0.0, 1.0]', "grid"
    )
    res = CliRunner().invoke(app, ["analyze", str(out)])
    assert res.exit_code == 0, res.output
    for name in ("points.csv", "points.md", "points.png", "timeseries.png"):
        assert (out / name).stat().st_size > 100
    pts = pd.read_csv(out / "points.csv")
    assert set(pts["point"]) == {0, 1} and (pts["n"] == 3).all()
    assert (pts["ci_low"] <= pts["mean"]).all() and (pts["mean"] <= pts["ci_high"]).all()
    assert "| point |" in (out / "points.md").read_text()
    # the console table shows 4 of the kept metrics and says so, and where the rest are
    flat = " ".join(res.output.split())
    assert "metrics; every row is in" in flat and "--metric" in flat
    res = CliRunner().invoke(app, ["analyze", str(out), "--sobol"])
    assert res.exit_code == 1 and "needs a sobol design" in res.output


SA = """design = "{d}"
samples = {n}
common_seeds = true
[parameters]
"council.cooperation" = {{ min = 0.0, max = 1.0 }}
"programmes.youth_efficacy" = {{ min = 0.0, max = 0.2 }}
[keep]
metrics = ["participation", "trust_local"]
"""


def test_morris_finds_an_inert_parameter(tmp_path):
    # No youth programme runs, so youth_efficacy cannot matter: with common seeds its
    # elementary effects are exactly zero, while cooperation's are not.
    out = sweep(tmp_path, SA.format(d="morris", n=4), "morris")
    report = analyze_results(out)
    idx = report.indices.set_index(["metric", "parameter"])
    assert idx.loc[("trust_local", "programmes.youth_efficacy"), "mu_star"] == 0.0
    assert idx.loc[("trust_local", "council.cooperation"), "mu_star"] > 0.0
    assert (out / "morris.csv").exists() and (out / "morris.png").exists()


def test_sobol_indices_with_intervals(tmp_path):
    out = sweep(tmp_path, SA.format(d="sobol", n=8), "sobol")
    res = CliRunner().invoke(app, ["analyze", str(out), "--out", str(tmp_path / "a")])
    assert res.exit_code == 0, res.output
    # reproducible: SALib's bootstrap of S1_conf/ST_conf is seeded from the experiment seed
    res = CliRunner().invoke(app, ["analyze", str(out), "--sobol", "--out", str(tmp_path / "b")])
    assert res.exit_code == 0, res.output
    for name in ("sobol.csv", "sobol.md", "points.csv", "points.md"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    idx = pd.read_csv(tmp_path / "a" / "sobol.csv").set_index(["metric", "parameter"])
    assert list(idx.columns) == ["S1", "S1_conf", "ST", "ST_conf"]
    inert = idx.loc[("trust_local", "programmes.youth_efficacy")]
    assert inert["ST"] == pytest.approx(0.0, abs=1e-12)
    assert idx.loc[("trust_local", "council.cooperation"), "ST"] > 0.5
    assert (tmp_path / "a" / "sobol.png").exists()


def test_salib_warns_when_the_sobol_sample_is_not_a_power_of_two(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(
        f'[experiment]\nscenario = "{BASE}"\nsteps = 2\n' + SA.format(d="sobol", n=12),
        encoding="utf-8",
    )
    with pytest.warns(UserWarning, match="power of 2"):
        load_experiment(path)


def test_morris_seed_must_not_be_zero():
    with pytest.raises(ValueError, match="non-zero"):
        morris_indices(pd.DataFrame(), {}, np.zeros((0, 0)), [], levels=4, seed=0)


def test_analyze_refuses_an_unfinished_directory(tmp_path):
    with pytest.raises(AnalysisError, match="not a finished sweep"):
        analyze_results(tmp_path)
