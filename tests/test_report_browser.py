"""The comparison report opens in headless Chromium with no errors and no network requests.

Uses Playwright's sync API with Debian's Chromium (/usr/bin/chromium). Skipped when that
browser is missing, unless GOVSIM_REQUIRE_BROWSER=1, which turns the skip into a failure.
A full-page screenshot is saved to screenshots/compare_report.png (git-ignored) to look at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _util import ROOT

from sim import compare as C
from sim.metrics import HEADLINE
from sim.plots import LABELS
from sim.report import write_report

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
SHOTS = ROOT / "screenshots"

pytestmark = pytest.mark.browser


def _need_browser() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} not found (apt-get install -y chromium)"
    if os.environ.get("GOVSIM_REQUIRE_BROWSER") == "1":
        pytest.fail(message + " and GOVSIM_REQUIRE_BROWSER=1")
    pytest.skip(message)


def test_report_opens_in_chromium_without_errors(tmp_path):
    _need_browser()
    sync_api = pytest.importorskip("playwright.sync_api")
    setup = C.load_setup(
        [ROOT / "scenarios/centralised_baseline.toml", ROOT / "scenarios/cooperative_council.toml"],
        overrides=["population.size=300"],
        steps=36,
        replicates=3,
    )
    comp = C.run_comparison(setup, C.open_store(setup, tmp_path))
    report = write_report(comp, tmp_path)["html"]

    errors: list[str] = []
    requests: list[str] = []
    SHOTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
            page.on(
                "console",
                lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" else None,
            )
            page.on("requestfailed", lambda req: errors.append(f"failed: {req.url}"))
            page.on("request", lambda req: requests.append(req.url))
            page.goto(report.as_uri(), wait_until="load")
            text = page.inner_text("body")
            figures = page.locator("svg.fig")
            n_figures = figures.count()
            sizes = [figures.nth(i).bounding_box() for i in range(n_figures)]
            page.screenshot(path=str(SHOTS / "compare_report.png"), full_page=True)
        finally:
            browser.close()

    assert errors == []
    assert requests == [report.as_uri()]  # nothing fetched beyond the file itself
    for metric in HEADLINE:
        assert LABELS[metric] in text, metric
    assert "Headline findings" in text and "95% CI" in text
    assert n_figures == len(HEADLINE) + 2
    assert all(box and box["width"] > 200 and box["height"] > 100 for box in sizes), sizes
    assert (SHOTS / "compare_report.png").stat().st_size > 50_000
