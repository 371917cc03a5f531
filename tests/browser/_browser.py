"""Helpers of the browser tests: where things are, and a page that records what went wrong."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlparse

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "screenshots"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]  # fmt: skip
LOCAL = {"127.0.0.1", "localhost"}


class Tab:
    """A browser page on the dashboard that records JavaScript errors and foreign requests."""

    def __init__(self, page, url: str):
        self.page, self.url = page, url
        self.errors: list[str] = []
        self.foreign: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("request", self._request)

    def _request(self, request) -> None:
        host = urlparse(request.url).hostname
        if request.url.startswith(("data:", "blob:", "about:")):
            return
        if host not in LOCAL:
            self.foreign.append(request.url)

    def open(self, path: str = "") -> Tab:
        self.page.goto(self.url + path)
        self.page.locator(".month-counter").first.wait_for(timeout=30_000)
        return self

    def texts(self, css: str) -> list[str]:
        return [e.inner_text().strip() for e in self.page.locator(css).all()]

    def numbers(self, css: str) -> list[int]:
        return [int("".join(ch for ch in t if ch.isdigit())) for t in self.texts(css)]

    def wait_numbers(self, css: str, ok, timeout: float = 20) -> list[int]:
        deadline = time.monotonic() + timeout
        while True:
            values = self.numbers(css)
            if values and ok(values):
                return values
            if time.monotonic() > deadline:
                raise AssertionError(f"{css}: {values} did not reach the expected values")
            self.page.wait_for_timeout(150)

    def click(self, name: str) -> None:
        self.page.get_by_role("button", name=name, exact=True).click()

    def shot(self, name: str) -> None:
        SHOTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def check_clean(self) -> None:
        assert self.errors == [], f"JavaScript errors: {self.errors}"
        assert self.foreign == [], f"requests left 127.0.0.1: {self.foreign[:5]}"
