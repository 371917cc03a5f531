"""govsim calibrate: calibration files, a real tiny ABC-SMC run, resume after SIGKILL, posterior
files and draws, out-of-sample arithmetic, and --posterior in comparisons."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from _util import ROOT

from sim.calibrate import config as CF
from sim.calibrate import posterior as P
from sim.calibrate.predictive import naive_baseline, rmse, score
from sim.errors import CalibrationError

pyabc = pytest.importorskip("pyabc")

UK = ROOT / "scenarios" / "uk_2007_2023.toml"
DATA = ROOT / "data" / "uk_reference_series.csv"

# A tiny calibration: 60 citizens, 2007-2009 (36 months), 6 particles.
TINY = f"""
name = "tiny"
scenario = "{UK}"
data = "{DATA}"
start_year = 2007
seed = 3

[fixed]
"population.size" = 60

[priors]
"processes.trust_experience.down_rate" = {{uniform = [0.05, 0.4]}}

[[targets]]
series = "scottish_sa_trust_uk_govt"
years = [2007, 2009]

[abc]
population_size = 6
generations = GENERATIONS
predictive_draws = 5
"""


def write(tmp_path, text, name="cal.toml"):
    p = tmp_path / name
    p.write_text(text)
    return p


def tiny(tmp_path, generations=2, extra="", name="cal.toml"):
    return write(tmp_path, TINY.replace("GENERATIONS", str(generations)) + extra, name)


# --------------------------------------------------------------------------- config errors
@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("{uniform = [0.05, 0.4]}", "{uniform = [0.4, 0.05]}", ["priors", "low < high"]),
        ("{uniform = [0.05, 0.4]}", "{normal = [0.1, 0.2]}", ["unknown key", "normal"]),
        (
            '"processes.trust_experience.down_rate"',
            '"processes.trust_experience.dwn_rate"',
            ["dwn_rate", "is not a scenario parameter", "down_rate"],
        ),
        (
            'series = "scottish_sa_trust_uk_govt"',
            'series = "scottish_trust"',
            ["targets.0.series", "'scottish_trust'", "Allowed:", "scottish_sa_trust_uk_govt"],
        ),
        ("years = [2007, 2009]", "years = [2007, 2008]", ["2008", "is not a year", "2011"]),
        ("population_size = 6", "population_size = 2", ["abc.population_size", "2"]),
    ],
)
def test_config_errors_name_file_field_value(tmp_path, old, new, expected):
    text = TINY.replace("GENERATIONS", "1")
    assert old in text
    path = write(tmp_path, text.replace(old, new))
    with pytest.raises(CalibrationError) as err:
        CF.load_calibration(path)
    msg = str(err.value)
    assert str(path) in msg
    for e in expected:
        assert e in msg, msg


def test_config_loads_and_dates_steps(tmp_path):
    cal = CF.load_calibration(tiny(tmp_path))
    assert cal.steps == 35  # December 2009
    assert cal.model_list()[0].name == "default"


def test_missing_pyabc_says_how_to_install(monkeypatch):
    from sim.calibrate.runner import require_pyabc

    monkeypatch.setitem(sys.modules, "pyabc", None)
    with pytest.raises((CalibrationError, ModuleNotFoundError)) as err:
        require_pyabc()
    assert "govsim[calibrate]" in str(err.value) or err.type is ModuleNotFoundError


# --------------------------------------------------------------------------- a real ABC run
def _calibrate(tmp_path, executor="serial", generations=2, out="out", **kw):
    from sim.calibrate.runner import run_calibration

    cal = CF.load_calibration(tiny(tmp_path, generations, **kw))
    return run_calibration(cal, tmp_path / out, executor=executor, workers=2, force=True)


def _schema_ok(frame, cal_priors=("processes.trust_experience.down_rate",)):
    assert list(frame.columns[:3]) == ["model", "generation", "weight"]
    assert set(frame.columns[3:]) == set(cal_priors)
    assert frame["weight"].sum() == pytest.approx(1.0)
    assert (frame["weight"] >= 0).all()
    for p in cal_priors:
        assert frame[p].between(0.05, 0.4).all()


def test_tiny_serial_run_writes_posterior_and_is_reproducible(tmp_path):
    a = _calibrate(tmp_path, out="a")
    frame, meta = P.read_posterior(tmp_path / "a" / "posterior.parquet")
    _schema_ok(frame)
    assert len(frame) == 6 and (frame["generation"] == 1).all()
    assert meta["models"][0]["name"] == "default" and meta["seed"] == 3
    # epsilon shrinks (or holds) from one generation to the next
    eps = a.generations["epsilon"].to_numpy()
    assert eps[1] <= eps[0]
    b = _calibrate(tmp_path, out="b")
    pd.testing.assert_frame_equal(a.posterior, b.posterior)


@pytest.mark.slow
@pytest.mark.parametrize("executor", ["processes", "dask"])
def test_tiny_parallel_runs(tmp_path, executor):
    run = _calibrate(tmp_path, executor=executor, generations=1)
    _schema_ok(run.posterior)
    assert len(run.posterior) == 6 and run.simulations >= 6
    # each simulation's statistics depend only on its parameters, whatever process ran it
    from sim.calibrate.simulator import Simulator

    cal = CF.load_calibration(tmp_path / "cal.toml")
    from sim.calibrate.runner import scenario_dict

    sim_ = Simulator.build(cal, scenario_dict(cal), {})
    p = {"processes__trust_experience__down_rate": 0.2}
    assert sim_(p) == sim_(p)


def test_model_choice_gives_probabilities_in_words(tmp_path):
    extra = """
[[models]]
name = "no influence"
overrides = {"processes.social_influence.enabled" = false}

[[models]]
name = "influence"
overrides = {"processes.social_influence.enabled" = true}
"""
    run = _calibrate(tmp_path, generations=2, extra=extra)
    probs = run.probabilities
    assert set(probs) <= {"no influence", "influence"} and sum(probs.values()) == pytest.approx(1)
    text = P.describe_models(probs)
    assert next(iter(probs)) in text
    sets = P.draw_parameter_sets(run.out / "posterior.parquet", 20, seed=1)
    for s in sets:
        assert "processes.social_influence.enabled" in s
        assert "population.size" not in s  # a run-size expedient, not drawn


@pytest.mark.slow
def test_cli_writes_page_figures_and_scenario(tmp_path):
    cal = tiny(tmp_path, 1)
    extra = '\n[[holdout]]\nseries = "scottish_sa_trust_uk_govt"\nyears = [2010]\n'
    cal.write_text(cal.read_text() + extra)
    out = tmp_path / "out"
    scen = tmp_path / "sc" / "uk_cal.toml"
    r = subprocess.run(
        [sys.executable, "-m", "sim", "calibrate", str(cal), "--out", str(out),
         "--write-scenario", str(scen)],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=300,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "Out of sample" in r.stdout and "naive baseline" in r.stdout
    for f in ("calibration.html", "predictive.png", "posterior.png", "points.csv", "fit.json"):
        assert (out / f).stat().st_size > 0
    html = (out / "calibration.html").read_text()
    assert "data:image/png;base64," in html and "<script" not in html and "http" not in html
    pts = pd.read_csv(out / "points.csv")
    assert set(pts["role"]) == {"fitted", "held-out"}
    assert (scen.with_name("uk_cal.posterior.parquet")).exists()
    from sim.scenario import load_scenario

    sc = load_scenario(scen)
    assert 0.05 <= sc.processes.trust_experience.down_rate <= 0.4
    assert sc.population.size == 2000  # the calibration's run size is not carried over


def test_second_run_without_resume_is_refused(tmp_path):
    from sim.calibrate.runner import run_calibration
    from sim.errors import OutputDirError

    cal = CF.load_calibration(tiny(tmp_path, 1))
    run_calibration(cal, tmp_path / "o")
    with pytest.raises(OutputDirError, match="--resume"):
        run_calibration(cal, tmp_path / "o")


# --------------------------------------------------------------------------- resume after SIGKILL
@pytest.mark.slow
def test_resume_after_sigkill_gives_the_uninterrupted_result(tmp_path):
    cal = tiny(tmp_path, 4)
    out = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "sim", "calibrate", str(cal), "--out", str(out)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.time() + 240
    done = -1
    while time.time() < deadline and proc.poll() is None:
        if (out / "calibration.json").exists():
            run_id = json.loads((out / "calibration.json").read_text())["run_id"]
            try:
                done = pyabc.History(f"sqlite:///{out / 'abc.db'}", _id=run_id).max_t
            except Exception:  # noqa: BLE001 - the database is being written
                done = -1
            if done >= 0:
                break
        time.sleep(0.2)
    assert proc.poll() is None, "the calibration finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (out / "posterior.parquet").exists()
    r = subprocess.run([*cmd, "--resume"], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=300)  # fmt: skip
    assert r.returncode == 0, r.stderr
    resumed, _ = P.read_posterior(out / "posterior.parquet")
    assert (resumed["generation"] == 3).all()
    # on the serial executor, the resumed calibration is the uninterrupted one
    from sim.calibrate.runner import run_calibration

    whole = run_calibration(CF.load_calibration(cal), tmp_path / "whole")
    pd.testing.assert_frame_equal(resumed, whole.posterior)


# --------------------------------------------------------------------------- posterior draws
def _posterior(tmp_path, weights=(0.0, 0.25, 0.75)):
    frame = pd.DataFrame(
        {
            "model": "default",
            "generation": 2,
            "weight": list(weights),
            "processes.trust_experience.down_rate": [0.1, 0.2, 0.3],
        }
    )
    meta = {"models": [{"name": "default", "overrides": {}}], "fixed": {"population.size": 50}}
    return P.write_posterior(frame, meta, tmp_path / "post.parquet")


def test_draws_follow_weights_and_are_seeded(tmp_path):
    path = _posterior(tmp_path)
    sets = P.draw_parameter_sets(path, 4000, seed=5)
    x = np.array([s["processes.trust_experience.down_rate"] for s in sets])
    assert 0.1 not in x  # weight 0 is never drawn
    assert (x == 0.3).mean() == pytest.approx(0.75, abs=0.03)
    assert sets == P.draw_parameter_sets(path, 4000, seed=5)
    assert P.draw_parameter_sets(path, 10, seed=5) == sets[:10]  # prefix-stable
    assert all("population.size" not in s for s in sets)


def test_read_posterior_refuses_other_files(tmp_path):
    pd.DataFrame({"a": [1]}).to_parquet(tmp_path / "x.parquet")
    with pytest.raises(CalibrationError, match="not a govsim posterior"):
        P.read_posterior(tmp_path / "x.parquet")
    with pytest.raises(CalibrationError, match="no such posterior"):
        P.read_posterior(tmp_path / "missing.parquet")


# --------------------------------------------------------------------------- out of sample
def test_naive_baseline_and_scores(tmp_path):
    cal_path = tiny(tmp_path, 1, extra='\n[[holdout]]\nseries = "scottish_sa_trust_uk_govt"\n'
                    "years = [2011, 2015]\n")  # fmt: skip
    cal = CF.load_calibration(cal_path)
    # a band that is 2 points high everywhere and 1 point wide either side
    obs = {2007: 35, 2009: 25, 2011: 18, 2015: 23}
    bands = pd.DataFrame(
        [("scottish_sa_trust_uk_govt", y, v + 1, v + 2, v + 3) for y, v in obs.items()],
        columns=["series", "year", "q05", "q50", "q95"],
    )
    pts = score(cal, bands).set_index("year")
    assert list(pts["role"]) == ["fitted", "fitted", "held-out", "held-out"]
    assert (pts["error"] == 2).all() and not pts["inside"].any()
    # last fitted value (2009: 25) carried forward: 25 - 18 = 7 and 25 - 23 = 2
    assert pts.loc[2011, "naive_error"] == 7 and pts.loc[2015, "naive_error"] == 2
    assert rmse(pts.loc[[2011, 2015], "naive_error"]) == pytest.approx(np.sqrt((49 + 4) / 2))
    assert np.isnan(naive_baseline({}, 2015))


# --------------------------------------------------------------------------- compare --posterior
def test_posterior_comparison_is_paired_and_self_comparison_is_zero(tmp_path):
    from sim import compare as C
    from sim.results import MANIFEST

    post = _posterior(tmp_path, weights=(0.3, 0.3, 0.4))
    base = ROOT / "scenarios" / "centralised_baseline.toml"
    coop = ROOT / "scenarios" / "cooperative_council.toml"
    setup = C.load_setup([base, coop], overrides=["population.size=120"], steps=6,
                         replicates=3, posterior=post)  # fmt: skip
    tasks = setup.tasks(3)
    for k in range(3):
        a, b = [t for t in tasks if t.replicate == k]
        assert a.parameters == b.parameters and a.seed == b.seed
        assert "processes.trust_experience.down_rate" in a.parameters
    drawn = {t.parameters["processes.trust_experience.down_rate"] for t in tasks}
    assert drawn <= {0.1, 0.2, 0.3}
    assert setup.parameter_sets[:3] == P.draw_parameter_sets(post, 3, setup.seed)
    # a scenario against itself, with parameter uncertainty: exactly zero
    same = C.load_setup([base, base], overrides=["population.size=120"], steps=6,
                        replicates=3, posterior=post)  # fmt: skip
    store = C.open_store(same, tmp_path / "self")
    comp = C.run_comparison(same, store)
    assert (comp.summary["difference"].abs() == 0).all()
    man = json.loads((tmp_path / "self" / MANIFEST).read_text())
    unc = man.get("uncertainty") or man.get("extra", {}).get("uncertainty")
    assert unc and any("parameter uncertainty" in u for u in unc)
