"""Browser tests: the dashboard served by `govsim dashboard`, driven by Playwright + Chromium.

Chromium is Debian's (/usr/bin/chromium); Playwright cannot download its own browser here.
Missing Chromium skips these tests, unless GOVSIM_REQUIRE_BROWSER=1 (CI), which fails them.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from _browser import CHROMIUM, CHROMIUM_ARGS, ROOT, Tab


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
    if CHROMIUM.exists():
        return
    if os.environ.get("GOVSIM_REQUIRE_BROWSER") == "1":
        return  # the fixture fails each test loudly
    skip = pytest.mark.skip(reason=f"{CHROMIUM} not found (apt-get install chromium)")
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(skip)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def dashboard_url(tmp_path_factory):
    """Serve the dashboard with `govsim dashboard --port P` and yield its URL."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"GOVSIM_REQUIRE_BROWSER=1 but {CHROMIUM} is missing (apt-get install chromium)"
        )
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    log_path = tmp_path_factory.mktemp("dashboard") / "server.log"
    log = log_path.open("w")
    # the tests' scenario and results folders live under pytest's temporary folder: let the
    # dashboard read there (it reads only the project's folders and those it is given); many
    # test tabs come and go, so allow more sessions than the default (test_security checks it)
    tmp = str(tmp_path_factory.getbasetemp())
    args = [sys.executable, "-m", "sim", "dashboard", "--port", str(port)]
    proc = subprocess.Popen(
        [*args, "--scenarios", tmp, "--results", tmp, "--max-sessions", "64"],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"},
    )
    deadline = time.monotonic() + 90
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"dashboard exited early: {log_path.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("dashboard did not answer HTTP 200 within 90 s")
        time.sleep(0.3)
    yield url
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()


# Module scope, not session: a live sync Playwright holds an asyncio loop, and other test
# files that start their own sync_playwright() must not find it still running.
@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def dash_context(chromium):
    ctx = chromium.new_context(viewport={"width": 1600, "height": 1000})
    yield ctx
    ctx.close()


@pytest.fixture
def tab(dash_context, dashboard_url):
    t = Tab(dash_context.new_page(), dashboard_url)
    yield t
    t.check_clean()
