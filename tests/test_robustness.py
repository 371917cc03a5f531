"""govsim compare --robustness: Latin hypercube sets, pairing, shares, PRIM regions, resume."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _util import ROOT

from sim import compare as C
from sim.compare import robustness as R
from sim.compare.discovery import reversal_box
from sim.compare.uncertain import RANGES, Range
from sim.errors import ScenarioError
from sim.report import build_context

BASE = ROOT / "scenarios" / "centralised_baseline.toml"
COOP = ROOT / "scenarios" / "cooperative_council.toml"
SMALL = ["population.size=150"]


def _setup(files=(BASE, COOP), replicates=3, steps=12):
    return C.load_setup(list(files), overrides=SMALL, steps=steps, replicates=replicates)


def test_sets_are_a_latin_hypercube_inside_the_documented_ranges():
    rs = R.robustness_setup(_setup(), 20)
    assert list(rs.sets.columns) == [r.path for r in RANGES] and not rs.skipped
    for r in RANGES:
        v = rs.sets[r.path].to_numpy()
        assert ((v >= r.low) & (v <= r.high)).all(), r.path
        bins = np.floor((v - r.low) / (r.high - r.low) * 20).astype(int)
        assert sorted(bins) == list(range(20)), r.path  # one value in each twentieth
        assert r.reason and r.words
    again = R.robustness_setup(_setup(), 20)
    pd.testing.assert_frame_equal(rs.sets, again.sets)  # seeded from the comparison seed


def test_policy_levers_and_impossible_ranges_are_not_varied():
    ranges = [
        Range("council.cooperation", 0.0, 1.0, "cooperation", "the policy itself"),
        Range("processes.services.coproduction_bonus", 0.0, 5.0, "bonus", "beyond the schema"),
        RANGES[0],
    ]
    rs = R.robustness_setup(_setup(), 10, ranges=ranges)
    assert list(rs.sets.columns) == [RANGES[0].path]
    assert "council.cooperation" in rs.skipped[0] and "policy" in rs.skipped[0]
    assert "coproduction_bonus" in rs.skipped[1]
    with pytest.raises(ScenarioError, match="at least 10"):
        R.robustness_setup(_setup(), 5)
    with pytest.raises(ScenarioError, match="none of the uncertain parameters"):
        R.robustness_setup(_setup(), 10, ranges=ranges[:1])


def test_runs_are_paired_shares_follow_the_effects_and_resume_reuses(tmp_path):
    setup = _setup()
    comp = C.run_comparison(setup, C.open_store(setup, tmp_path))
    rs = R.robustness_setup(setup, 10, replicates=2, ranges=RANGES[:3])  # 3: quicker PRIM
    rob = R.run_robustness(rs, R.open_robustness_store(rs, tmp_path), comp.summary)
    assert (rob.ran, rob.reused, rob.failed) == (40, 0, 0)
    runs = pd.read_parquet(tmp_path / R.ROBUSTNESS_DIR / "runs.parquet")
    runs["set"] = runs["point"] // 2
    # common random numbers: one seed per replicate across scenarios and sets
    assert runs.groupby("replicate")["seed"].nunique().eq(1).all()
    assert runs.groupby(["set", "replicate"]).size().eq(2).all()
    # each set's parameters are those of the hypercube, in both scenarios
    col = "param." + RANGES[0].path
    assert np.allclose(runs.groupby("set")[col].first().to_numpy(), rs.sets[RANGES[0].path])
    assert runs.groupby("set")[col].nunique().eq(1).all()
    tested = R.findings_to_test(comp.summary)
    assert len(rob.findings) == len(tested) > 0
    for _, f in rob.findings.iterrows():
        e = rob.effects[
            (rob.effects["metric"] == f["metric"]) & (rob.effects["group"] == f["group"])
        ]
        holds = int((np.sign(e["difference"]) == f["direction"]).sum())
        assert f["holds"] == holds and f["share"] == pytest.approx(holds / 10)
        assert f["sentence"].startswith("The ") and "plausible settings" in f["sentence"]
    again = R.run_robustness(rs, R.open_robustness_store(rs, tmp_path, resume=True), comp.summary)
    assert (again.ran, again.reused) == (0, 40)
    pd.testing.assert_frame_equal(again.findings, rob.findings)
    ctx = build_context(comp, figures_on=False, robustness=rob)
    assert ctx["robustness"]["n_sets"] == 10
    assert "10 plausible parameter settings" in ctx["coverage"]
    robust = [g["robust"] for g in ctx["pairs"][0]["brief"]["gains"]]
    assert all(t.startswith("holds in ") for t in robust)


def test_self_comparison_has_no_finding_to_test(tmp_path):
    setup = _setup(files=(BASE, BASE), replicates=2, steps=6)
    comp = C.run_comparison(setup, C.open_store(setup, tmp_path))
    assert R.findings_to_test(comp.summary).empty
    rs = R.robustness_setup(setup, 10, replicates=1)
    rob = R.run_robustness(rs, R.open_robustness_store(rs, tmp_path), comp.summary)
    assert rob.findings.empty
    assert (rob.effects["difference"] == 0.0).all()  # still exactly zero in every set


def test_prim_finds_a_planted_reversal_region():
    pytest.importorskip("ema_workbench")
    rng = np.random.default_rng(3)
    x = pd.DataFrame(rng.random((80, 4)), columns=["a", "b", "c", "d"])
    y = ((x["a"] < 0.3) & (x["b"] > 0.5)).to_numpy()
    box = reversal_box(x, y)
    assert set(box.limits) == {"a", "b"}
    assert box.limits["a"][1] == pytest.approx(0.3, abs=0.08)
    assert box.limits["b"][0] == pytest.approx(0.5, abs=0.1)
    assert box.density >= 0.75 and box.coverage >= 0.75
    assert reversal_box(x, np.zeros(80, dtype=bool)) is None
    text = R._region_text(box, {"a": "responsiveness", "b": "b"})
    assert text.startswith("responsiveness is below 0.")


def test_given_parameter_sets_replace_the_hypercube():
    """E.g. draws from a calibration posterior: used as given, levers refused."""
    setup = _setup()
    given = pd.DataFrame({RANGES[0].path: np.linspace(0.03, 0.08, 12)})
    rs = R.robustness_setup(setup, 10, sets=given)
    assert np.allclose(rs.sets[RANGES[0].path], given[RANGES[0].path][:10])
    with pytest.raises(ScenarioError, match="policy"):
        R.robustness_setup(setup, 10, sets=given.assign(**{"council.cooperation": 0.5}))
    with pytest.raises(ScenarioError, match="only 12"):
        R.robustness_setup(setup, 20, sets=given)
