"""No orphans: processes a govsim command starts die with it, however it dies.

Local pool workers are forked by a ``forkserver`` that the command starts. Both ask the kernel
for a parent-death signal (``prctl(PR_SET_PDEATHSIG, SIGKILL)``, Linux): the forkserver dies
with the command, each worker with the forkserver. Where ``prctl`` is missing, a daemon thread
polls the parent pid instead. The resource tracker of :mod:`multiprocessing` then sees its last
client gone and exits by itself.

The kernel ties the parent-death signal to the *thread* that started the child: a forkserver
started by a thread that later ends dies with it, and the next pool simply starts a new one
(``multiprocessing`` checks that its forkserver is alive). Pools are built by the thread that
runs the plan, which outlives them.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import threading
import time

__all__ = ["OWNER_ENV", "die_with_parent", "worker_init"]

#: Environment variable naming the pid of the command that owns a process pool.
OWNER_ENV = "GOVSIM_POOL_OWNER"
_PR_SET_PDEATHSIG = 1


def die_with_parent(expected_parent: int | None = None) -> None:
    """Have this process SIGKILLed when its parent exits; exit now if it already has.

    Parameters
    ----------
    expected_parent : int, optional
        The parent pid this process should have; if it differs already (the parent died
        before the signal was armed), exit at once.
    """
    if not _prctl_pdeathsig():
        parent = os.getppid()
        threading.Thread(target=_watch, args=(parent,), daemon=True, name="govsim-guard").start()
    if expected_parent is not None and os.getppid() != expected_parent:
        os.kill(os.getpid(), signal.SIGKILL)


def worker_init(owner: int | None = None) -> None:
    """Initializer of pool workers: die when the process that forked us (forkserver) dies.

    ``owner`` is the command's pid: if it is gone already, exit at once.
    """
    die_with_parent()
    if owner is not None and not _alive(owner):
        os.kill(os.getpid(), signal.SIGKILL)


def _prctl_pdeathsig() -> bool:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return False


def _watch(parent: int) -> None:  # pragma: no cover - only where prctl is missing
    while os.getppid() == parent:
        time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover
        return True
    return True
