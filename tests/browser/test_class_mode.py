"""Class mode in headless Chromium: one teacher and five students, each in their own browser
context (as on their own phones), through joining, choosing, two rounds, an election and the
end of the class."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

import pytest
from _browser import ROOT, Tab
from conftest import _free_port
from playwright.sync_api import expect

STUDENTS = 5


@pytest.fixture(scope="module")
def class_server(tmp_path_factory):
    """`govsim dashboard --class` on a free port: yields (base URL, teacher URL, join code)."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}/"
    log_path = tmp_path_factory.mktemp("class") / "server.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "dashboard", "--class", "--port", str(port)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "COLUMNS": "200"},
    )
    deadline = time.monotonic() + 90
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"dashboard exited early: {log_path.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(base + "join", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("dashboard did not answer HTTP 200 within 90 s")
        time.sleep(0.3)
    text = log_path.read_text()
    teacher = re.search(r"(http://\S+/class\?teacher=\S+)", text).group(1)
    code = re.search(r"code (\w{6})", text).group(1)
    yield base, teacher, code, text
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()


def _tab(browser, url: str, phone: bool) -> Tab:
    size = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 720}
    ctx = browser.new_context(viewport=size)
    tab = Tab(ctx.new_page(), url)
    tab.page.goto(url)
    return tab


def test_a_class_of_five_joins_chooses_and_votes(chromium, class_server):
    base, teacher_url, code, log = class_server
    assert "students join at" in log and "--host 0.0.0.0" in log  # loopback: says how to share
    teacher = _tab(chromium, teacher_url, phone=False)
    tp = teacher.page
    expect(tp.locator(".join-code")).to_contain_text(code, timeout=30_000)
    expect(tp.locator(".class-count")).to_contain_text("0 of 60 students joined")

    students = [_tab(chromium, base + "join", phone=True) for _ in range(STUDENTS)]
    first = students[0].page
    first.get_by_label("Code on the board").fill("WRONG1")
    first.get_by_role("button", name="Join the class").click()
    expect(first.locator(".join-error")).to_contain_text("not the code")
    for i, s in enumerate(students):
        box = s.page.get_by_label("Code on the board")
        box.fill(code.lower() if i == 1 else code)  # codes are not case-sensitive
        s.page.get_by_role("button", name="Join the class").click()
        expect(s.page.locator(".student-title")).to_contain_text("You are Resident", timeout=20_000)
    numbers = {s.page.locator(".student-title").inner_text() for s in students}
    assert len(numbers) == STUDENTS  # each student is a different resident
    expect(tp.locator(".class-count")).to_contain_text(f"{STUDENTS} of 60 students joined")

    for i, s in enumerate(students):
        name = "Take part" if i < 3 else "Stay out"
        s.page.get_by_role("button", name=name, exact=True).click()
        expect(s.page.locator(".student-choice")).to_contain_text(name.lower())
    expect(tp.locator(".class-count")).to_contain_text("3 will take part")

    teacher.click("Next round (3 months)")
    expect(tp.locator(".class-month")).to_have_text("Month 3", timeout=20_000)
    for i, s in enumerate(students):
        expect(s.page.locator(".student-month")).to_have_text("Month 3", timeout=20_000)
        # the month and the round's outcome arrive in separate renders: wait for the outcome
        said = "you took part" if i < 3 else "did not take part"  # both choices honoured
        expect(s.page.locator(".student-heard")).to_contain_text(said, timeout=20_000)
        for css in (".student-service", ".student-trust", ".student-national"):
            assert "%" in s.page.locator(css).inner_text()
    for run in ("cooperative", "centralised"):  # 3 of 5, in both councils
        expect(tp.locator(f".class-{run}-taking_part")).to_have_text("60%")
    # the same class through the centralised council, side by side
    expect(tp.locator(".class-run-centralised")).to_be_visible()
    expect(tp.locator(".residents-grid")).to_have_count(2)

    # an election: students vote, the teacher sees the result and the class's own votes
    teacher.click("Call an election")
    expect(tp.locator(".teacher-election-called")).to_be_visible(timeout=20_000)
    expect(first.locator(".election-coming")).to_be_visible(timeout=20_000)
    for s in students[:2]:
        s.page.locator(".student-vote").click()
        s.page.get_by_role("option").first.click()
    teacher.click("Next round (3 months)")
    expect(tp.locator(".class-month")).to_have_text("Month 6", timeout=20_000)
    expect(tp.locator(".class-election").first).to_contain_text("The class voted")
    expect(tp.locator(".class-election").first).to_contain_text("turnout")
    teacher.page.screenshot(path=str(ROOT / "screenshots" / "class-teacher.png"), full_page=True)
    first.screenshot(path=str(ROOT / "screenshots" / "class-student.png"), full_page=True)

    # without the teacher's link every page is the join page (no controls, no other pages)
    for path in ("class", "", "scenarios", "results", "class?teacher=guess"):
        first.goto(base + path)
        expect(first.get_by_label("Code on the board")).to_be_visible(timeout=20_000)
        assert first.get_by_role("button", name="Next round (3 months)").count() == 0
    # leaving (the page went away) frees the seat
    expect(tp.locator(".class-count")).to_contain_text(f"{STUDENTS - 1} of 60", timeout=20_000)

    teacher.click("End the class")
    expect(students[1].page.get_by_text("The class has ended")).to_be_visible(timeout=20_000)
    expect(tp.locator(".class-count")).to_contain_text("0 of 60 students joined")
    assert tp.locator(".join-code").inner_text() != f"Code: {code}"  # a new code
    for t in (teacher, *students):
        t.check_clean()
        t.page.context.close()
