"""``govsim dashboard``: serve the teachers' Solara dashboard (local only unless asked)."""

from __future__ import annotations

import ipaddress
import os
import secrets
import sys
import warnings
from pathlib import Path
from typing import Annotated

import typer

from ._common import app, err_console, fail

__all__ = ["dashboard", "find_app"]

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def find_app() -> Path:
    """Path of ``dashboards/app.py`` in the checkout govsim is installed from (editable install).

    Raises
    ------
    FileNotFoundError
        With a message saying how to get a checkout, when govsim was installed from a wheel.
    """
    root = Path(__file__).resolve().parents[2]
    path = root / "dashboards" / "app.py"
    if not path.is_file():
        raise FileNotFoundError(
            f"the dashboard app was not found at {path}. The dashboard ships with the "
            "repository, not inside the installed package: clone the repository and install "
            "it editable (pip install -e .), or run `solara run <clone>/dashboards/app.py`."
        )
    return path


def _check_timeout(text: str) -> str:
    import solara.util

    try:
        seconds = solara.util.parse_timedelta(text)
    except Exception:
        fail(f"--session-timeout {text!r}: expected a duration such as 2m, 90s or 1h.")
    if not 1 <= seconds <= 24 * 3600:
        fail(f"--session-timeout {text!r}: must be between 1s and 24h.")
    return text


def _start_class(host: str, port: int) -> str:
    """Set up class mode's environment for the app; print the join code and addresses."""
    from dashboards.class_mode import CLASS_ENV, CODE_ENV, TEACHER_ENV, URL_ENV
    from dashboards.guard import student_address
    from sim.classroom import new_code

    code, teacher = new_code(), secrets.token_urlsafe(16)
    where = student_address(host)
    os.environ.update(
        {CLASS_ENV: "1", CODE_ENV: code, TEACHER_ENV: teacher, URL_ENV: f"http://{where}:{port}/"}
    )
    local = "127.0.0.1" if not _is_local(host) else host
    teacher_url = f"http://{local}:{port}/class?teacher={teacher}"
    err_console.print(
        f"govsim dashboard --class\n"
        f"  teacher (this screen): {teacher_url}\n"
        f"  students join at:      http://{where}:{port}/join   code [bold]{code}[/]",
        highlight=False,
        soft_wrap=True,
    )
    if _is_local(host):
        err_console.print(
            "[bold yellow]note:[/] serving this computer only: students' phones and laptops "
            "cannot reach it. Add --host 0.0.0.0 to let the classroom network in.",
            highlight=False,
        )
    return teacher_url


def _is_local(host: str) -> bool:
    if host in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@app.command()
def dashboard(
    *,
    port: Annotated[int, typer.Option(help="Port to serve on.", min=1, max=65535)] = 8765,
    host: Annotated[
        str,
        typer.Option(
            help="Address to listen on. The default serves this computer only; "
            "0.0.0.0 serves your whole network (a warning is shown)."
        ),
    ] = "127.0.0.1",
    open_browser: Annotated[
        bool, typer.Option("--open/--no-open", help="Open the dashboard in a web browser.")
    ] = False,
    class_mode: Annotated[
        bool,
        typer.Option(
            "--class",
            help="Class mode: students join with a code from their own devices and each "
            "becomes one resident (use with --host 0.0.0.0 so their devices can reach it).",
        ),
    ] = False,
    scenarios: Annotated[
        list[Path] | None,
        typer.Option(
            "--scenarios",
            help="Another folder the dashboard may read scenario files from (repeatable); "
            "by default only the project's scenarios/ and data/.",
            exists=True,
            file_okay=False,
        ),
    ] = None,
    results: Annotated[
        list[Path] | None,
        typer.Option(
            "--results",
            help="Another folder the dashboard may read results from (repeatable); by default "
            "only results/ of the project and of the working directory.",
            exists=True,
            file_okay=False,
        ),
    ] = None,
    session_timeout: Annotated[
        str,
        typer.Option(
            help="Close a tab's session this long after its browser has gone (e.g. 2m, 30s)."
        ),
    ] = "2m",
    max_sessions: Annotated[
        int | None,
        typer.Option(
            help="Most tabs served at once; more get a 'the dashboard is full' page "
            "(default 16; 70 with --class).",
            min=1,
        ),
    ] = None,
) -> None:
    """Serve the teachers' dashboard in the browser (works offline).

    Example: govsim dashboard --port 8765, then open http://127.0.0.1:8765
    """
    try:
        path = find_app()
    except FileNotFoundError as exc:
        fail(str(exc))
    timeout = _check_timeout(session_timeout)
    if not _is_local(host):
        err_console.print(
            f"[bold yellow]warning:[/] serving on {host}: anyone on your network who can reach "
            "this computer can open the dashboard and run simulations on it. Use the default "
            "(127.0.0.1) unless you mean to share it.",
            highlight=False,
        )
    sys.path.insert(0, str(path.parents[1]))  # the checkout: `dashboards` imports as a package
    from dashboards.guard import Guard, allowed_hosts
    from dashboards.roots import RESULTS_ENV, SCENARIOS_ENV

    if scenarios:
        os.environ[SCENARIOS_ENV] = os.pathsep.join(str(p.resolve()) for p in scenarios)
    if results:
        os.environ[RESULTS_ENV] = os.pathsep.join(str(p.resolve()) for p in results)
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
    if class_mode:
        url = _start_class(host, port)
    err_console.print(f"govsim dashboard: open {url}  (Ctrl-C to stop)", soft_wrap=True)
    if max_sessions is None:
        max_sessions = 70 if class_mode else 16
    # Solara runs in this process (no child to orphan; Ctrl-C and SIGTERM stop the server).
    # --no-check-version: Solara would otherwise ask pypi.org for its latest version; with
    # telemetry off as well, the dashboard sends nothing beyond this computer.
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    from solara.__main__ import cli as solara_cli

    # Served over plain http on this computer: Solara's advice about https cookies is noise here.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")

    # Solara registers the app when its server module is first imported: name it before the
    # import below (which the Guard needs), as `solara run` itself would.
    os.environ["SOLARA_APP"] = str(path)
    import solara.server.settings
    import solara.server.starlette

    # Solara keeps a kernel 24 h after its page vanished; here a tab whose browser has gone
    # (killed, lid closed, network dropped) is closed after --session-timeout.
    solara.server.settings.kernel.cull_timeout = timeout
    solara.server.starlette.app.add_middleware(
        Guard, hosts=allowed_hosts(host, port), max_sessions=max_sessions, timeout=timeout
    )
    args = [
        "run", str(path), "--host", host, "--port", str(port), "--production",
        "--no-check-version", "--open" if open_browser else "--no-open",
    ]  # fmt: skip
    try:
        solara_cli(args, prog_name="govsim dashboard", standalone_mode=True)
    except KeyboardInterrupt:
        pass
