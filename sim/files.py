"""Reading user files with limits: regular files only, a size cap, symlink loops named.

Scenario, experiment, calibration and graph files come from users (and, through the
dashboard, from a browser).  Each is read through :func:`read_limited`, so a FIFO cannot hang
a command, ``/dev/zero`` cannot fill the memory and a symlink loop is a message, not a
traceback.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import ScenarioError

__all__ = ["MAX_GRAPH_BYTES", "MAX_TEXT_BYTES", "read_limited", "resolve_path"]

#: Largest scenario, experiment or calibration file read (16 MiB: a scenario listing one
#: threshold per citizen for a million citizens is about 8 MiB).
MAX_TEXT_BYTES = 16 * 2**20
#: Largest graph file read (1 GiB: an edge list of 50 million ties).
MAX_GRAPH_BYTES = 2**30


def resolve_path(path: Path, *, what: str) -> Path:
    """``path`` with symlinks followed, or a :class:`ScenarioError` naming a symlink loop."""
    try:
        return Path(path).resolve(strict=False)
    except (RuntimeError, OSError) as exc:  # a symlink loop (RuntimeError before Python 3.13)
        raise ScenarioError(f"{path}: cannot follow this {what} file's path ({exc}).") from None


def read_limited(path: Path, *, what: str, limit: int = MAX_TEXT_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, else a clear ScenarioError.

    >>> try:
    ...     read_limited(Path("/dev/zero"), what="scenario")
    ... except ScenarioError as exc:
    ...     print(str(exc)[:45])
    /dev/zero: is not a regular file (a character
    """
    path = Path(path)
    real = resolve_path(path, what=what)
    try:
        st = os.stat(real)
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such {what} file.") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot be read ({exc.strerror}).") from None
    if stat.S_ISDIR(st.st_mode):
        raise ScenarioError(f"{path}: is a directory, not a {what} file.")
    if not stat.S_ISREG(st.st_mode):
        kind = (
            "a named pipe (FIFO)"
            if stat.S_ISFIFO(st.st_mode)
            else "a character device"
            if stat.S_ISCHR(st.st_mode)
            else "a block device"
            if stat.S_ISBLK(st.st_mode)
            else "a socket"
            if stat.S_ISSOCK(st.st_mode)
            else "not a plain file"
        )
        raise ScenarioError(
            f"{path}: is not a regular file ({kind}); a {what} file must be a plain file."
        )
    if st.st_size > limit:
        raise ScenarioError(
            f"{path}: is {st.st_size:,} bytes; a {what} file may be at most {limit:,} bytes."
        )
    try:
        with open(real, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot be read ({exc.strerror}).") from None
    if len(data) > limit:  # grew while being read
        raise ScenarioError(
            f"{path}: is larger than {limit:,} bytes, the most a {what} file may be."
        )
    return data
