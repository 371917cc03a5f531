"""Imported only by the ``forkserver`` of a govsim process pool: die with the command.

:func:`sim.experiments.executors.make_executor` names its own pid in ``GOVSIM_POOL_OWNER``
before the forkserver starts and asks the forkserver to preload this module. Here, in the
forkserver (whose parent is that command), the kernel is asked to SIGKILL this process when
its parent dies (``PR_SET_PDEATHSIG``), so ``kill -9`` of the command leaves no forkserver.
Imported anywhere else (the parent pid differs) it does nothing.
"""

from __future__ import annotations

import os

from .guard import OWNER_ENV, die_with_parent

if os.environ.get(OWNER_ENV) == str(os.getppid()):
    die_with_parent(int(os.environ[OWNER_ENV]))
