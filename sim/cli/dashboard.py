"""``govsim dashboard``: serve the teachers' Solara dashboard (local only unless asked)."""

from __future__ import annotations

import ipaddress
import os
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
) -> None:
    """Serve the teachers' dashboard in the browser (works offline).

    Example: govsim dashboard --port 8765, then open http://127.0.0.1:8765
    """
    try:
        path = find_app()
    except FileNotFoundError as exc:
        fail(str(exc))
    if not _is_local(host):
        err_console.print(
            f"[bold yellow]warning:[/] serving on {host}: anyone on your network who can reach "
            "this computer can open the dashboard and run simulations on it. Use the default "
            "(127.0.0.1) unless you mean to share it.",
            highlight=False,
        )
    err_console.print(f"govsim dashboard: open http://{host}:{port}  (Ctrl-C to stop)")
    # Solara runs in this process (no child to orphan; Ctrl-C and SIGTERM stop the server).
    # --no-check-version: Solara would otherwise ask pypi.org for its latest version; with
    # telemetry off as well, the dashboard sends nothing beyond this computer.
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    from solara.__main__ import cli as solara_cli

    # Served over plain http on this computer: Solara's advice about https cookies is noise here.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")

    args = [
        "run", str(path), "--host", host, "--port", str(port), "--production",
        "--no-check-version", "--open" if open_browser else "--no-open",
    ]  # fmt: skip
    try:
        solara_cli(args, prog_name="govsim dashboard", standalone_mode=True)
    except KeyboardInterrupt:
        pass
