"""The dashboard in headless Chromium: renders offline, steps, events, reset, tabs, pages."""

from __future__ import annotations

import datetime as dt
import shutil

from _browser import ROOT, Tab
from playwright.sync_api import expect

from sim.results import manifest, write_results
from sim.runner import run_scenario
from sim.scenario import load_scenario


def test_page_renders_offline_with_no_javascript_errors(tab):
    tab.open()
    page = tab.page
    assert len(tab.texts(".stat-month")) == 2
    assert page.locator(".network svg").count() == 2
    assert page.locator(".chart-trust svg").count() == 2
    titles = tab.texts(".model-title")
    assert "centralised baseline" in titles[0] and "cooperative council" in titles[1]
    assert page.get_by_text("Showing a sample of 600 of the 2,000 residents").count() == 2
    tab.shot("classroom")
    # tab fixture: no page errors, no request to a host other than 127.0.0.1


def test_step_advances_both_models_and_changes_the_plots(tab):
    tab.open()
    before = tab.page.locator(".chart-voice svg").first.inner_html()
    for _ in range(3):
        tab.click("Step")
    assert tab.wait_numbers(".stat-month", lambda v: v == [3, 3]) == [3, 3]
    assert tab.page.locator(".chart-voice svg").first.inner_html() != before
    tab.shot("after-three-steps")


def test_financial_crash_lowers_trust_in_national_government(tab):
    tab.open()
    tab.click("Step")
    tab.wait_numbers(".stat-month", lambda v: v == [1, 1])
    before = tab.numbers(".stat-trust_national")
    tab.click("Financial crash")
    tab.page.locator(".pending").wait_for()
    tab.click("Step")
    tab.wait_numbers(".stat-month", lambda v: v == [2, 2])
    after = tab.numbers(".stat-trust_national")
    assert all(a <= b - 8 for a, b in zip(after, before, strict=True)), (before, after)
    assert tab.page.locator(".chart-trust svg").first.get_by_text("Financial crash").count() == 1
    tab.shot("financial-crash")


def test_population_slider_then_reset_rebuilds_both_models(tab):
    tab.open()
    assert tab.numbers(".stat-population") == [2000, 2000]
    page = tab.page
    page.get_by_text("Settings: scenarios").click()
    slider = page.locator(".setting-population").get_by_role("slider")
    slider.focus()
    page.keyboard.press("Home")  # the slider's minimum: 100 residents
    page.locator(".settings-changed").wait_for()
    assert tab.numbers(".stat-population") == [2000, 2000]  # not applied before Reset
    tab.click("Reset")
    assert tab.wait_numbers(".stat-population", lambda v: v == [100, 100]) == [100, 100]
    assert tab.numbers(".stat-month") == [0, 0]
    assert page.get_by_text("Showing all 100 residents.").count() == 2
    tab.shot("population-100")


def test_two_tabs_keep_their_own_models(dash_context, dashboard_url):
    one, two = (
        Tab(dash_context.new_page(), dashboard_url),
        Tab(dash_context.new_page(), dashboard_url),
    )
    one.open()
    two.open()
    for _ in range(3):
        one.click("Step")
    one.wait_numbers(".stat-month", lambda v: v == [3, 3])
    two.click("Step")
    two.wait_numbers(".stat-month", lambda v: v == [1, 1])
    one.page.wait_for_timeout(300)
    assert one.numbers(".stat-month") == [3, 3]
    one.check_clean()
    two.check_clean()


def test_play_runs_and_pause_stops(tab):
    tab.open()
    tab.click("Play")
    tab.wait_numbers(".stat-month", lambda v: v[0] >= 2)
    tab.click("Pause")
    tab.page.wait_for_timeout(700)
    stopped = tab.numbers(".stat-month")
    tab.page.wait_for_timeout(900)
    assert tab.numbers(".stat-month") == stopped
    assert stopped[0] == stopped[1]


def test_scenario_page_shows_invalid_files_and_loads_a_valid_one(tab, tmp_path):
    shutil.copy(ROOT / "scenarios" / "centralised_baseline.toml", tmp_path)
    (tmp_path / "broken.toml").write_text('name = "broken"\n[council]\ncooperation = 7\n')
    tab.open()
    page = tab.page
    page.get_by_role("button", name="Scenarios", exact=True).click()
    box = page.get_by_label("Folder with scenario files (.toml)")
    box.fill(str(tmp_path))
    box.press("Enter")
    error = page.locator(".scenario-error")
    error.wait_for()
    assert "cooperation" in error.inner_text() and "7" in error.inner_text()
    tab.shot("scenarios-invalid-file")
    page.get_by_role("button", name="Show on the right").click()
    page.locator(".stat-month").first.wait_for()
    assert "centralised baseline" in tab.texts(".model-title")[1]


def test_results_page_shows_bands(tab, tmp_path):
    started = dt.datetime.now(dt.UTC)
    scenarios = {
        name: load_scenario(ROOT / "scenarios" / f"{name}.toml", {"population.size": 150})
        for name in ("centralised_baseline", "cooperative_council")
    }
    results = [
        run_scenario(sc, seed, steps=6, run_id=f"{name}-{seed}")
        for name, sc in scenarios.items()
        for seed in (1, 2, 3)
    ]
    write_results(
        tmp_path, results, manifest(kind="compare", scenarios=scenarios, seeds={}, started=started)
    )
    tab.open()
    page = tab.page
    page.get_by_role("button", name="Results", exact=True).click()
    box = page.get_by_label("Results folder")
    box.fill(str(tmp_path))
    box.press("Enter")
    # the page may first show another results folder (e.g. one under results/): wait for ours
    expect(page.locator(".results-summary")).to_contain_text("6 runs", timeout=15_000)
    page.locator("img").first.wait_for()
    tab.shot("results")
