"""The students' own choices as a model process, run right after ``participation``.

The participation process decides each month who takes part from thresholds and chance; a
resident played by a student must take part exactly when the student chose to.  This module
follows the process protocol (``NAME``, ``STREAM``, ``Spec``, ``step``) and is registered
with :func:`sim.processes.register` after ``participation`` (by :func:`ensure_registered`,
which :class:`sim.classroom.ClassRoom` calls): each month it sets ``participating`` of the
residents a class has pinned with :func:`pin`, and leaves every other world untouched.
"""

from __future__ import annotations

import threading
import weakref

import numpy as np

from ..schema_base import ProcessSpec
from ..state import World

__all__ = ["NAME", "STREAM", "Spec", "ensure_registered", "pin", "step", "unpin"]

NAME = "class_choices"
#: Spawn key of this process's random stream (it draws nothing; the key is only reserved).
STREAM = 0xC1A55
TITLE = "Class mode: students' choices"


class Spec(ProcessSpec):
    """Class mode: residents played by students take part exactly when they chose to."""


_pins: dict[int, tuple[weakref.ref, np.ndarray, np.ndarray]] = {}
_lock = threading.Lock()


def pin(world: World, residents: np.ndarray, take_part: np.ndarray) -> None:
    """From the next step on, ``residents`` of ``world`` take part exactly when ``take_part``."""
    residents = np.asarray(residents, dtype=np.int64)
    take_part = np.asarray(take_part, dtype=bool)
    key = id(world)
    with _lock:
        _pins[key] = (weakref.ref(world, lambda _: _pins.pop(key, None)), residents, take_part)


def unpin(world: World) -> None:
    """Stop pinning ``world``'s residents."""
    with _lock:
        _pins.pop(id(world), None)


def step(world: World, spec: Spec, rng: np.random.Generator) -> None:
    """Set the pinned residents' ``participating`` to their students' choices."""
    entry = _pins.get(id(world))
    if entry is None or entry[0]() is not world:
        return
    _, residents, take_part = entry
    if residents.size == 0:
        return
    pop = world.population
    participating = pop.participating.copy()
    participating[residents] = take_part
    pop.participating = participating


def ensure_registered() -> None:
    """Register this process after ``participation`` (once per Python process)."""
    from .. import processes

    with _lock:
        if NAME not in processes.REGISTRY:
            import sys

            processes.register(sys.modules[__name__], after="participation")
