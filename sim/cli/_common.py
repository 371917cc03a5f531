"""Shared pieces of the command line: the typer app, error handling, progress bars."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from ..errors import GovsimError

__all__ = ["app", "console", "err_console", "fail", "progress_bar", "user_errors"]

app = typer.Typer(
    name="govsim",
    help=(
        "Simulate centralised versus co-operative local governance: trust, participation and "
        "public value.\n\nExample: govsim run scenarios/cooperative_council.toml "
        "--steps 60 --seed 7"
    ),
    rich_markup_mode="rich",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 1) -> None:
    """Print a user error (no traceback) and exit with ``code``."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Turn the library's user-facing errors and Ctrl-C into messages and exit codes."""
    try:
        yield
    except GovsimError as exc:
        fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        err_console.print("[yellow]interrupted:[/] finished work is kept on disk.")
        raise typer.Exit(130) from None


def progress_bar(**kwargs) -> Progress:
    """A rich progress bar with count, rate and ETA (hidden when not on a terminal)."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=err_console,
        transient=False,
        **kwargs,
    )
