"""axe-core in the browser: no critical or serious accessibility violations on any page.

axe-core comes from the npm registry (``npm pack axe-core@4``) into ``.pytest_cache/axe-core``
(git-ignored) the first time, and is injected from that local file
(``add_script_tag(path=...)``): the page itself still fetches nothing from outside 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile

import pytest
from _browser import ROOT, Tab

PAGES = ("", "scenarios", "results", "lesson", "about")


@pytest.fixture(scope="module")
def axe_js() -> str:
    """Path of axe.min.js, fetched once with ``npm pack axe-core@4`` into pytest's cache."""
    cache = ROOT / ".pytest_cache" / "axe-core"  # git-ignored
    cache.mkdir(parents=True, exist_ok=True)
    found = sorted(cache.glob("package/axe.min.js"))
    if found:
        return str(found[0])
    npm = shutil.which("npm")
    if npm is None:
        if os.environ.get("GOVSIM_REQUIRE_BROWSER") == "1":
            pytest.fail("npm is needed to fetch axe-core (apt-get install npm)")
        pytest.skip("npm not found: cannot fetch axe-core")
    out = subprocess.run(
        [npm, "pack", "axe-core@4", "--silent"], cwd=cache, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    if out.returncode != 0:
        if os.environ.get("GOVSIM_REQUIRE_BROWSER") == "1":
            pytest.fail(f"npm pack axe-core@4 failed: {out.stderr[-500:]}")
        pytest.skip(f"npm pack axe-core@4 failed: {out.stderr[-200:]}")
    tgz = cache / out.stdout.strip().splitlines()[-1]
    with tarfile.open(tgz) as tar:
        tar.extractall(cache, filter="data")
    return str(cache / "package" / "axe.min.js")


def _results_folder(tmp_path):
    import datetime as dt

    from sim.results import manifest, write_results
    from sim.runner import run_scenario
    from sim.scenario import load_scenario

    scenarios = {
        name: load_scenario(ROOT / "scenarios" / f"{name}.toml", {"population.size": 100})
        for name in ("centralised_baseline", "cooperative_council")
    }
    runs = [run_scenario(sc, s, steps=3, run_id=f"{n}-{s}") for n, sc in scenarios.items()
            for s in (1, 2)]  # fmt: skip
    started = dt.datetime.now(dt.UTC)
    write_results(tmp_path, runs, manifest(kind="compare", scenarios=scenarios, seeds={},
                                           started=started))  # fmt: skip
    return tmp_path


def _violations(page, axe_js: str) -> list[dict]:
    page.add_script_tag(path=axe_js)
    result = page.evaluate("async () => JSON.stringify(await axe.run(document))")
    found = json.loads(result)["violations"]
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"][:3]]}
        for v in found
        if v["impact"] in ("critical", "serious")
    ]


@pytest.mark.parametrize("path", PAGES)
def test_no_serious_accessibility_violations(chromium, dashboard_url, axe_js, path, tmp_path):
    ctx = chromium.new_context(viewport={"width": 1280, "height": 720})
    tab = Tab(ctx.new_page(), dashboard_url)
    try:
        tab.page.goto(dashboard_url + path)
        tab.page.locator(".govsim").first.wait_for(timeout=30_000)
        if path == "":
            tab.page.locator(".month-counter").wait_for()
        tab.page.wait_for_timeout(800)
        bad = _violations(tab.page, axe_js)
        assert bad == [], f"/{path}: {bad}"
        if path == "results":  # with a results folder open: selects, chart, table
            folder = _results_folder(tmp_path)
            box = tab.page.get_by_label("Results folder")
            box.fill(str(folder))
            box.press("Enter")
            tab.page.locator("img.results-chart").wait_for(timeout=30_000)
            bad = _violations(tab.page, axe_js)
            assert bad == [], f"/results with a folder: {bad}"
        if path == "":  # the settings panel and the charts view too
            tab.click("Settings")
            tab.page.locator(".settings-panel").wait_for()
            tab.click("Charts view")
            tab.page.locator(".charts-grid").wait_for()
            bad = _violations(tab.page, axe_js)
            assert bad == [], f"/ with settings and charts view: {bad}"
        tab.check_clean()
    finally:
        ctx.close()
