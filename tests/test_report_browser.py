"""The comparison report in headless Chromium: no errors, no requests, a brief on the first
screen, and a clean A4 print.

Uses Playwright's sync API with Debian's Chromium (/usr/bin/chromium). Skipped when that
browser is missing, unless GOVSIM_REQUIRE_BROWSER=1, which turns the skip into a failure.
Screenshots go to screenshots/ (git-ignored): the full page, the first screen at 1280x800, and
the printed PDF (compare_report.pdf).
"""

from __future__ import annotations

import os
import unicodedata
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


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """The shipped pair, small (300 citizens, 36 months, 3 replicates), with 10 robustness sets."""
    from sim.compare import robustness as R

    out = tmp_path_factory.mktemp("report")
    setup = C.load_setup(
        [ROOT / "scenarios/centralised_baseline.toml", ROOT / "scenarios/cooperative_council.toml"],
        overrides=["population.size=300"],
        steps=36,
        replicates=3,
    )
    comp = C.run_comparison(setup, C.open_store(setup, out))
    rs = R.robustness_setup(setup, 10, replicates=1, ranges=R.RANGES[:3])
    rob = R.run_robustness(rs, R.open_robustness_store(rs, out), comp.summary)
    return write_report(comp, out, robustness=rob)["html"]


def test_report_opens_in_chromium_without_errors(report):
    _need_browser()
    sync_api = pytest.importorskip("playwright.sync_api")

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
    assert "Gains" in text and "Losses and trade-offs" in text and "95% CI" in text
    assert n_figures == len(HEADLINE) + 3  # over time, spread, groups, robustness
    assert all(box and box["width"] > 200 and box["height"] > 100 for box in sizes), sizes
    assert (SHOTS / "compare_report.png").stat().st_size > 50_000


def test_first_screen_briefs_at_1280x800(report):
    """At 1280x800 the reader sees the warning, what the intervals cover, gains and losses."""
    _need_browser()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(report.as_uri(), wait_until="load")
            boxes = {
                sel: page.locator(sel).first.bounding_box()
                for sel in ("#warnings", ".cover", ".gains h3", ".losses h3", ".losses li")
            }
            page.screenshot(path=str(SHOTS / "compare_first_screen.png"))
        finally:
            browser.close()
    for sel, box in boxes.items():
        assert box is not None and box["y"] + min(box["height"], 40) <= 800, (sel, box)
    # gains and losses side by side, not one under the other
    assert abs(boxes[".gains h3"]["y"] - boxes[".losses h3"]["y"]) < 2


#: A4 at 96 px per inch, less the report's @page margins (13 mm each side).
A4_CONTENT_PX = round((210 - 26) / 25.4 * 96)


def test_print_gives_a_clean_a4_brief(report):
    """Print to PDF: a few A4 pages; every chart whole on one page; the brief on page one.

    Each chart gets a marker at its top and at its bottom (tiny white text, injected only for
    this test). A chart cut by a page break would put the two markers on different pages.
    """
    _need_browser()
    sync_api = pytest.importorskip("playwright.sync_api")
    pypdf = pytest.importorskip("pypdf")
    pdf = SHOTS / "compare_report.pdf"
    SHOTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": A4_CONTENT_PX, "height": 1000})
            page.goto(report.as_uri(), wait_until="load")
            page.emulate_media(media="print")
            info = page.evaluate(
                """() => [...document.querySelectorAll('svg.fig')].map((svg, i) => {
                    const fig = svg.closest('figure');
                    const r = svg.getBoundingClientRect();
                    const mark = (where) => {
                        const m = document.createElement('span');
                        m.textContent = `CHART${i}${where}`;
                        m.style.cssText = 'display:block;font-size:3px;line-height:3px;color:#fff';
                        return m;
                    };
                    svg.before(mark('TOP'));
                    svg.after(mark('END'));
                    return {i, width: r.width, height: r.height,
                            avoid: getComputedStyle(fig).breakInside};
                })"""
            )
            page.pdf(path=str(pdf), format="A4", prefer_css_page_size=True, print_background=True)
        finally:
            browser.close()
    reader = pypdf.PdfReader(str(pdf))
    pages = [unicodedata.normalize("NFKC", p.extract_text()) for p in reader.pages]  # ligatures
    size = reader.pages[0].mediabox
    assert (round(float(size.width)), round(float(size.height))) == (595, 842)  # A4 in points
    assert 4 <= len(pages) <= 14, len(pages)
    page_content_px = (297 - 30) / 25.4 * 96
    assert len(info) == len(HEADLINE) + 3
    for chart in info:
        assert chart["avoid"] == "avoid", chart
        assert chart["width"] <= A4_CONTENT_PX + 1 and chart["height"] < page_content_px, chart
        i = chart["i"]
        top = [n for n, t in enumerate(pages) if f"CHART{i}TOP" in t]
        end = [n for n, t in enumerate(pages) if f"CHART{i}END" in t]
        assert len(top) == 1 and top == end, (i, top, end)
    first = " ".join(pages[0].split())
    assert "Gains" in first and "Losses and trade-offs" in first and "simulation noise" in first
