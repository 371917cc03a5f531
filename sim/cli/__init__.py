"""The ``govsim`` command: a thin layer over the library (typer + rich).

Each command lives in its own module and registers itself on :data:`app`; command bodies only
parse options and call one library function.
"""

from __future__ import annotations

import importlib
from typing import Annotated

import typer

from .. import __version__
from ._common import app

__all__ = ["app", "main"]

# Modules that register commands on `app` (in --help order).
_COMMANDS = ("run", "sweep", "compare", "calibrate", "dashboard")

for _name in _COMMANDS:
    try:
        importlib.import_module(f"{__name__}.{_name}")
    except ModuleNotFoundError as exc:  # a command module not written yet
        if exc.name != f"{__name__}.{_name}":
            raise


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"govsim {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print govsim's version (the installed package's) and exit.",
        ),
    ] = False,
) -> None:
    """Options of ``govsim`` itself (before the command)."""


def main() -> None:
    """Entry point of the ``govsim`` console script."""
    app()
