"""The evidence-goal script measures what it says (sim/calibrate/goals.py)."""

from __future__ import annotations

import json

import pandas as pd

from sim.calibrate import goals


def test_holdout_coverage_counts_only_held_out_points(tmp_path):
    pd.DataFrame(
        {
            "role": ["fitted", "held-out", "held-out", "held-out"],
            "inside": [False, True, False, True],
        }
    ).to_csv(tmp_path / "points.csv", index=False)
    assert goals.holdout_coverage(tmp_path / "points.csv") == (2, 3)


def test_fit_rmse_and_trough():
    fit = goals.scottish_fit({2007: 30, 2008: 20, 2009: 25}, {2007: 34, 2009: 25})
    assert abs(fit["rmse"] - (16 / 2) ** 0.5) < 1e-12
    assert fit["trough_model"] == 2008 and fit["trough_data"] == 2009


def test_gap_from_equal_starts_is_measured_not_given(tmp_path):
    """Equal initial means: a gap at the end comes from the dynamics, and news makes it."""
    with_news = goals.local_national_gap(goals.SCENARIO, (1,), 300)
    text = goals.SCENARIO.read_text(encoding="utf-8").replace(
        "processes.news.enabled = true", "processes.news.enabled = false"
    )
    off = tmp_path / "no_news.toml"
    off.write_text(text.replace('extends = "', f'extends = "{goals.SCENARIO.parent}/'), "utf-8")
    without = goals.local_national_gap(off, (1,), 300)
    assert with_news >= 4 > without, (with_news, without)


def test_command_prints_json(capsys):
    assert goals.main(["--seeds", "1", "--size", "200", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["size"] == 200 and out["seeds"] == [1]
    assert 0 < out["rmse"] < 30 and 2007 <= out["trough_model"] <= 2015
