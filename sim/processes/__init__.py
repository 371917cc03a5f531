"""The model's processes: one module per ODD submodel, and the registry that schedules them.

Every process module declares the same things (the process protocol):

* ``NAME``: its name, the key of its table in a scenario's ``[processes]`` section;
* ``STREAM``: the fixed spawn key of its random stream (never reused, never renumbered);
* ``Spec``: its parameters, a pydantic model derived from :class:`sim.schema_base.ProcessSpec`
  (so it has ``enabled``), declared beside the rule it configures;
* ``init(world, spec, rng)`` (optional): set up the state it owns at step 0;
* ``step(world, spec, rng)``: apply its rule for one month.

Processes read and write :class:`sim.state.World` only; what they tell each other (an election
called early, citizens mobilised this month) goes through ``world.signals``.  None imports Mesa.

The registry is the single source of truth: :meth:`sim.GovernanceModel.step` loops over it in
order, and the scenario schema's ``processes`` section, the random-stream table, the generated
parameter docs and the plain-Mesa baseline's list of supported processes are derived from it.
A new process is its module, one :func:`register` call, and its ODD section
(``docs/extending.md``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from ..rng import FIXED_STREAMS
from ..schema_base import ProcessSpec
from . import (
    cohort_replacement,
    elections,
    events,
    network_change,
    news,
    participation,
    services,
    social_influence,
    trust_experience,
    trust_voice,
)

__all__ = [
    "REGISTRY",
    "SCHEDULE",
    "Process",
    "on_change",
    "register",
    "schedule",
    "stream_keys",
    "unregister",
]


@dataclass(frozen=True)
class Process:
    """One registered process: what the model needs to configure, seed and run it."""

    name: str
    spec: type[ProcessSpec]
    step: Callable[..., None]
    init: Callable[..., None] | None
    stream: int
    title: str

    @classmethod
    def from_module(cls, module: ModuleType | Any) -> Process:
        """Read the process protocol (``NAME``, ``STREAM``, ``Spec``, ``init``, ``step``)."""
        missing = [a for a in ("NAME", "STREAM", "Spec", "step") if not hasattr(module, a)]
        if missing:
            raise TypeError(f"{module!r} does not declare {', '.join(missing)} (process protocol)")
        if not (isinstance(module.Spec, type) and issubclass(module.Spec, ProcessSpec)):
            raise TypeError(f"{module.NAME}.Spec must subclass sim.schema_base.ProcessSpec")
        doc = (module.Spec.__doc__ or module.NAME).strip().splitlines()[0]
        return cls(
            name=module.NAME,
            spec=module.Spec,
            step=module.step,
            init=getattr(module, "init", None),
            stream=int(module.STREAM),
            title=getattr(module, "TITLE", doc),
        )


#: Registered processes by name, in schedule order (observation comes last, in the model).
REGISTRY: dict[str, Process] = {}
#: Names of the registered processes in schedule order (kept in step with REGISTRY).
SCHEDULE: tuple[str, ...] = ()
_listeners: list[Callable[[], None]] = []


def register(
    process: ModuleType | Any, *, before: str | None = None, after: str | None = None
) -> Process:
    """Add a process to the schedule (at the end, or ``before``/``after`` a named one).

    ``process`` is a module (or any object) that follows the process protocol.  The scenario
    schema gains a ``processes.<NAME>`` table; its random stream is ``STREAM``.

    >>> [p for p in SCHEDULE][:3]
    ['events', 'participation', 'services']
    """
    p = process if isinstance(process, Process) else Process.from_module(process)
    if p.name in REGISTRY:
        raise ValueError(f"a process named {p.name!r} is already registered")
    taken = {**FIXED_STREAMS, **{q.name: q.stream for q in REGISTRY.values()}}
    clash = [name for name, key in taken.items() if key == p.stream]
    if clash:
        raise ValueError(f"stream key {p.stream} of {p.name!r} is already used by {clash[0]!r}")
    items = list(REGISTRY.items())
    anchor = before or after
    if anchor is not None:
        if anchor not in REGISTRY:
            raise ValueError(f"no registered process {anchor!r} to place {p.name!r} next to")
        at = [name for name, _ in items].index(anchor) + (1 if after else 0)
        items.insert(at, (p.name, p))
    else:
        items.append((p.name, p))
    _set(dict(items))
    return p


def unregister(name: str) -> None:
    """Remove a registered process (used by tests that add a toy process)."""
    if name not in REGISTRY:
        raise ValueError(f"no registered process {name!r}")
    _set({k: v for k, v in REGISTRY.items() if k != name})


def on_change(callback: Callable[[], None]) -> None:
    """Call ``callback()`` whenever the registry changes (the schema rebuilds itself)."""
    _listeners.append(callback)


def schedule() -> tuple[Process, ...]:
    """The registered processes in the order one step applies them."""
    return tuple(REGISTRY.values())


def stream_keys() -> dict[str, int]:
    """Spawn key of every named random stream: the fixed ones and one per process."""
    return {**FIXED_STREAMS, **{p.name: p.stream for p in REGISTRY.values()}}


def _set(registry: dict[str, Process]) -> None:
    global SCHEDULE
    REGISTRY.clear()
    REGISTRY.update(registry)
    SCHEDULE = tuple(REGISTRY)
    for callback in _listeners:
        callback()


for _module in (
    events,
    participation,
    services,
    news,
    trust_experience,
    trust_voice,
    social_influence,
    elections,
    cohort_replacement,
    network_change,
):
    register(_module)
