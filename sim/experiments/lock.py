"""One writer per results folder: an OS file lock held for the whole command.

:class:`WriterLock` takes an exclusive, non-blocking ``flock`` on ``<out>/.govsim.lock``. A
second ``govsim run``, ``sweep`` or ``compare`` on the same folder is refused at once with an
:class:`~sim.errors.OutputDirError` naming the holder (pid, command, start time). The kernel
releases the lock when the holder exits, however it exits (``kill -9`` included), so a stale
lock never blocks ``--resume``. The lock file is never deleted (deleting it would let two
processes lock two different files of the same name).

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> with WriterLock(d):
...     WriterLock(d).acquire()
Traceback (most recent call last):
...
sim.errors.OutputDirError: ...: this process is already writing there.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import sys
from pathlib import Path
from types import TracebackType

from ..errors import OutputDirError

__all__ = ["LOCK", "WriterLock"]

#: Name of the lock file inside a results folder (hidden: ignored by the output-dir check).
LOCK = ".govsim.lock"
_HELD: dict[tuple[int, int], WriterLock] = {}  # (device, inode) of folders this process locks


class WriterLock:
    """Exclusive writer lock of a results folder (creates the folder if needed).

    Parameters
    ----------
    out : Path
        The results folder.
    """

    def __init__(self, out: Path):
        self.out = Path(out)
        self.path = self.out / LOCK
        self._fd: int | None = None
        self._key: tuple[int, int] | None = None

    def acquire(self) -> WriterLock:
        """Take the lock or raise :class:`~sim.errors.OutputDirError` at once."""
        if self.out.exists() and not self.out.is_dir():
            raise OutputDirError(f"{self.out}: exists and is not a directory.")
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            st = self.out.stat()
        except OSError as exc:
            raise OutputDirError(f"{self.out}: cannot create the folder ({exc}).") from None
        key = (st.st_dev, st.st_ino)
        if key in _HELD:
            raise OutputDirError(f"{self.out}: this process is already writing there.")
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise OutputDirError(
                f"{self.out}: cannot write there ({exc.strerror}); choose another --out."
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise OutputDirError(
                f"{self.out}: another govsim command is writing there ({holder}). Only one "
                "command may write to a results folder at a time: wait for it to finish (or "
                "stop it), or choose another --out."
            ) from None
        except OSError as exc:  # pragma: no cover - e.g. a file system without locks
            os.close(fd)
            raise OutputDirError(f"{self.out}: cannot lock {LOCK} ({exc.strerror}).") from None
        self._fd, self._key = fd, key
        _HELD[key] = self
        _write_holder(fd)
        return self

    def release(self) -> None:
        """Release the lock (the file stays)."""
        if self._fd is None:
            return
        _HELD.pop(self._key, None)  # type: ignore[arg-type]
        try:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None

    def __enter__(self) -> WriterLock:
        return self.acquire()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def _write_holder(fd: int) -> None:
    """Record who holds the lock (for the refusal message of the next command)."""
    info = {
        "pid": os.getpid(),
        "command": " ".join(sys.argv),
        "since": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(info) + "\n").encode(), 0)
    except OSError:  # pragma: no cover - the lock matters, not the note
        pass


def _read_holder(fd: int) -> str:
    try:
        info = json.loads(os.pread(fd, 4096, 0).decode() or "{}")
        return f"pid {info['pid']}, since {info['since']}: {info['command'][:200]}"
    except (OSError, ValueError, KeyError, TypeError):
        return "its details are not recorded yet"
