"""One writer per results folder: an OS file lock held for the whole command.

:class:`WriterLock` takes an exclusive, non-blocking ``flock`` on ``<out>/.govsim.lock``. A
second ``govsim run``, ``sweep`` or ``compare`` on the same folder is refused at once with an
:class:`~sim.errors.OutputDirError` naming the holder (pid, command, start time). The kernel
releases the lock when the holder exits, however it exits (``kill -9`` included), so a stale
lock never blocks ``--resume``. The lock file is never deleted (deleting it would let two
processes lock two different files of the same name).

The lock is per process: code in the process that holds it may open the folder again (a
comparison resumed in the same Python session, say); the lock is released when the last holder
releases it.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> with WriterLock(d) as a, WriterLock(d) as b:
...     a.held and b.held
True
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
_HELD: dict[tuple[int, int], list[int]] = {}  # (device, inode) of a folder -> [fd, holders]


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
        self._created = False

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
        if self._fd is not None:
            return self
        if key in _HELD:  # this process holds it already: share it
            _HELD[key][1] += 1
            self._fd, self._key = _HELD[key][0], key
            return self
        for _ in range(10):  # the file may be removed under us: lock the one at the path
            fd, created = self._open()
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
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        else:  # pragma: no cover - someone keeps deleting the lock file
            raise OutputDirError(f"{self.out}: cannot lock {LOCK}: it keeps disappearing.")
        self._created = created
        self._fd, self._key = fd, key
        _HELD[key] = [fd, 1]
        _write_holder(fd)
        return self

    def _open(self) -> tuple[int, bool]:
        """Open the lock file; also say whether this call created it."""
        for _ in range(10):
            try:
                return os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644), True
            except FileExistsError:
                try:
                    return os.open(self.path, os.O_RDWR), False
                except FileNotFoundError:  # removed in between: create it again
                    continue
                except OSError as exc:
                    err = exc
            except OSError as exc:
                err = exc
            raise OutputDirError(
                f"{self.out}: cannot write there ({err.strerror}); choose another --out."
            ) from None
        raise OutputDirError(f"{self.out}: cannot open {LOCK}: it keeps disappearing.")

    def release(self, *, remove: bool = False) -> None:
        """Release the lock; the file stays unless ``remove`` and this lock created it.

        ``remove`` is for a folder the command refused (nothing of ours should stay there);
        it is safe because a locker checks that the file it locked is still the one at the
        path.
        """
        if self._fd is None:
            return
        if remove and self._created and _HELD.get(self._key, [0, 0])[1] == 1:  # type: ignore[arg-type]
            self.path.unlink(missing_ok=True)
        fd, self._fd = self._fd, None
        held = _HELD.get(self._key)  # type: ignore[arg-type]
        if held is not None:
            held[1] -= 1
            if held[1] > 0:
                return
            del _HELD[self._key]  # type: ignore[arg-type]
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

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
