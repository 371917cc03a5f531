"""The dashboard's library pieces (sim.viz), without a browser."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import sim
from sim import viz
from sim.results import manifest, write_results
from sim.runner import run_scenario

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def model():
    m = sim.GovernanceModel("scenarios/cooperative_council.toml", rng=3)
    m.run(steps=3)
    return m


def test_sample_is_stratified_and_seeded():
    council = np.repeat([0, 1, 2], [1000, 500, 500])
    a = viz.sample_citizens(council, 600, seed=7)
    assert len(a) == 600 and len(np.unique(a)) == 600
    assert np.bincount(council[a]).tolist() == [300, 150, 150]
    assert np.array_equal(a, viz.sample_citizens(council, 600, seed=7))
    assert not np.array_equal(a, viz.sample_citizens(council, 600, seed=8))
    assert len(viz.sample_citizens(council[:100], 600, seed=7)) == 100  # small: everyone


def test_layout_groups_councils_and_is_cached(model):
    layout = viz.layout_for(model)
    assert layout.sampled and len(layout.sample) == viz.drawn_count(2000) == 720
    assert viz.layout_for(model) is layout  # computed once per model
    twin = sim.GovernanceModel("scenarios/cooperative_council.toml", rng=3)
    assert viz.layout_for(twin) is layout  # same graph and seed: the cached layout
    council = model.world.population.council[layout.sample]
    for c, centre in enumerate(layout.centres):
        mine = np.linalg.norm(layout.xy[council == c] - centre, axis=1)
        others = np.linalg.norm(layout.xy[council != c] - centre, axis=1)
        assert np.median(mine) < np.median(others)  # each council sits in its own group


def test_trust_colours_keep_3_to_1_contrast_on_white():
    colours = viz.trust_colours(np.linspace(0, 1, 101))
    assert min(viz.contrast(c) for c in colours) >= 3.0
    assert len(set(colours)) > 50  # still a ramp


def test_network_svg_colours_by_choice(model):
    for key in viz.COLOUR_BY:
        svg = viz.network_svg(model, colour_by=key)
        ET.fromstring(svg)
        assert viz.COLOUR_BY[key].lower() in svg
    with pytest.raises(ValueError, match="colour_by"):
        viz.network_svg(model, colour_by="nonsense")


def test_bigger_population_draws_more_residents():
    assert viz.drawn_count(100) == 100
    assert viz.drawn_count(2000) < viz.drawn_count(5000) <= viz.SAMPLE_LIMIT


def test_network_svg_colours_by_trust_and_rings_participants(model):
    svg = viz.network_svg(model)
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    ringed = [g for g in root.iter(f"{ns}g") if g.get("stroke") == "black"]
    layout = viz.layout_for(model)
    part = model.world.population.participating[layout.sample]
    assert len(list(ringed[0])) == int(part.sum())
    colours = viz.trust_colours(model.world.population.trust_local[layout.sample])
    fills = [c.get("fill") for g in root.iter(f"{ns}g") for c in g]
    assert sorted(fills) == sorted(colours)
    assert "720 of 2,000" in root.get("aria-label")


def test_timeseries_svg_marks_events_and_latest_values():
    svg = viz.timeseries_svg(
        {"trust_local": np.array([0.3, 0.35, 0.4])}, title="Trust", events=[(2, "Budget cut")]
    )
    ET.fromstring(svg)  # well-formed
    assert "Budget cut" in svg and ">40%<" in svg and "<polyline" in svg
    assert "zoomed in" in svg  # the axis is scaled to the data, and says so
    gap = viz.timeseries_svg({"turnout": np.array([np.nan, 0.6, 0.7])})
    assert gap.count("<polyline") == 1


def test_value_range_holds_both_sides_and_a_minimum_span():
    a, b = {"x": np.array([0.30, 0.32])}, {"x": np.array([0.50, 0.52])}
    lo, hi = viz.value_range(a, b)
    assert lo <= 0.30 and hi >= 0.52 and hi - lo < 0.5
    lo, hi = viz.value_range({"x": np.array([0.011, 0.012])})
    assert hi - lo >= viz.charts.MIN_SPAN - 1e-9 and lo == 0.0


def test_pair_steps_together_and_events_hit_both():
    pair = viz.ModelPair(viz.ClassroomSettings(population=300))
    assert pair.ready and pair.models[0].spec.population.size == 300
    assert pair.models[0].spec.council.cooperation != pair.models[1].spec.council.cooperation
    pair.step()
    before = [m.observation["trust_national"] for m in pair.models]
    assert pair.trigger("Financial crash")
    assert not pair.trigger("Financial crash")  # a double click queues one crash
    assert pair.pending == ["Financial crash"] and pair.events == []
    pair.step()
    after = [m.observation["trust_national"] for m in pair.models]
    # the September 2008 shock (-0.04 at once, and a weaker economy), not a collapse
    assert all(b - 0.09 < a < b - 0.03 for a, b in zip(after, before, strict=True))
    assert pair.month == 2 and pair.pending == [] and pair.events == [(2, "Financial crash")]


def test_queued_event_can_be_undone_before_the_next_step():
    pair = viz.ModelPair(viz.ClassroomSettings(population=300))
    twin = viz.ModelPair(viz.ClassroomSettings(population=300))
    pair.trigger("Budget cut")
    assert pair.undo() == "Budget cut" and pair.pending == []
    pair.step()
    twin.step()
    assert pair.models[0].observation == twin.models[0].observation  # as if never pressed


def test_crash_button_is_the_documented_2008_shock():
    sc = sim.load_scenario("scenarios/financial_crash_2007.toml")
    documented = sorted(
        (e.kind, getattr(e, "target", None), e.size) for e in sc.events if e.step == 20
    )
    button = sorted(
        (e["kind"], e.get("target"), e["size"]) for e in viz.LIVE_EVENTS["Financial crash"].events
    )
    assert button == documented


def test_elections_are_recorded_with_winner_shares_and_turnout():
    pair = viz.ModelPair(viz.ClassroomSettings(population=300))
    pair.trigger("Call an election")
    pair.step()
    assert [e.side for e in pair.elections] == [0, 1]
    e = pair.elections[0]
    assert e.winner in e.shares and abs(sum(e.shares.values()) - 1) < 1e-9
    assert 0 < e.turnout <= 1 and "won with" in e.sentence()


def test_player_pauses_within_one_month_at_top_speed():
    pair = viz.ModelPair(viz.ClassroomSettings(population=200))
    player = viz.Player(pair, rate=10)
    for _ in range(5):
        player.start()
        time.sleep(0.25)
        stopped = player.stop()
        time.sleep(0.15)
        assert pair.month == stopped
    assert pair.month >= 5


def test_player_waits_for_the_screen():
    pair = viz.ModelPair(viz.ClassroomSettings(population=200))
    player = viz.Player(pair, rate=10)
    player.shown(0)  # the screen drew month 0 and then reports nothing more
    player.screen_timeout = 30
    player.start()
    time.sleep(0.6)
    assert player.stop() == 1  # one month ahead of the screen at most


def test_pair_timeseries_has_both_sides():
    pair = viz.ModelPair(viz.ClassroomSettings(population=200))
    pair.step(2)
    df = viz.pair_timeseries(pair)
    assert sorted(df["side"].unique()) == ["left", "right"] and len(df) == 6
    assert {"month", "scenario", "seed", "trust_local"} <= set(df.columns)


def test_pair_same_seed_same_world():
    pair = viz.ModelPair(viz.ClassroomSettings(population=300, seed=5))
    a, b = pair.models
    assert np.array_equal(a.world.graph.u, b.world.graph.u)
    assert np.array_equal(a.world.population.deprivation, b.world.population.deprivation)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"population": 20}, "too few for 4 councils"),
        ({"scenario_a": "no_such.toml"}, "no such scenario file"),
        ({"cooperation": (0.8, None), "responsiveness": (0.0, None)}, "tokenism"),
    ],
)
def test_bad_settings_are_explained_not_raised(changes, message):
    pair = viz.ModelPair(viz.ClassroomSettings(population=300))
    pair.rebuild(pair.with_changes(**changes))
    text = " ".join(pair.errors + pair.notes)
    assert message in text
    if pair.errors:
        assert not pair.ready
        pair.step()  # harmless
        pair.trigger("Budget cut")


def test_invalid_scenario_file_message(tmp_path):
    (tmp_path / "a.toml").write_text("[council]\ncooperation = 2\n")
    (tmp_path / "b.toml").write_text("")
    pair = viz.ModelPair(viz.ClassroomSettings("a.toml", "b.toml", folder=str(tmp_path)))
    assert not pair.ready
    assert "cooperation" in pair.errors[0] and "a.toml" in pair.errors[0]


def test_results_bands(tmp_path):
    sc = sim.load_scenario("scenarios/centralised_baseline.toml", {"population.size": 100})
    runs = [run_scenario(sc, s, steps=4, run_id=f"r{s}") for s in (1, 2, 3)]
    write_results(
        tmp_path, runs,
        manifest(kind="test", scenarios={"a": sc}, seeds={}, started=dt.datetime.now(dt.UTC)),
    )  # fmt: skip
    res = viz.load_results(tmp_path)
    assert res.metrics()[: len(sim.HEADLINE)] == list(sim.HEADLINE)
    for band in ("spread", "ci"):
        frame = viz.result_bands(res, "trust_local", None, band)
        assert len(frame) == 5 and (frame["low"] <= frame["centre"] + 1e-12).all()
        assert (frame["centre"] <= frame["high"] + 1e-12).all()
    ts = res.timeseries
    assert frame["centre"].iloc[-1] == pytest.approx(ts[ts.step == 4]["trust_local"].mean())
    with pytest.raises(viz.ResultsError, match="not a govsim results directory"):
        viz.load_results(tmp_path / "..")


# --------------------------------------------------------------------------- govsim dashboard
def test_dashboard_command_finds_the_app_in_the_checkout():
    from sim.cli.dashboard import _is_local, find_app

    assert find_app() == ROOT / "dashboards" / "app.py"
    assert _is_local("127.0.0.1") and _is_local("localhost") and _is_local("::1")
    assert not _is_local("0.0.0.0") and not _is_local("192.168.1.20")


def test_dashboard_command_without_a_checkout_says_what_to_do(tmp_path):
    shutil.copytree(ROOT / "sim", tmp_path / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "dashboard"],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 1
    assert "dashboard app was not found" in proc.stderr and "pip install -e" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_dashboard_command_warns_before_serving_the_network():
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "dashboard", "--host", "0.0.0.0", "--port", "1"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    lines = []
    try:
        while not lines or "open http" not in lines[-1]:
            lines.append(proc.stderr.readline())
            assert lines[-1], "".join(lines)
    finally:
        proc.kill()
        proc.wait()
    text = " ".join(" ".join(lines).split())
    assert text.startswith("warning: serving on 0.0.0.0") and "anyone on your network" in text


def test_double_click_across_a_month_boundary_queues_one_event():
    pair = viz.ModelPair(viz.ClassroomSettings(population=200))
    assert pair.trigger("Financial crash")
    pair.step()  # Play started a new month between the two clicks
    assert not pair.trigger("Financial crash")
    assert pair.pending == []
