"""Submodel 1, events: the scenario's timeline acts on the world at the start of a step.

Kinds (see :mod:`sim.schema`): ``shock`` (add ``size`` to trust or efficacy of a group, clipped
to [0, 1]), ``performance`` (national performance changes, then recovers geometrically),
``budget_cut`` (budgets times 1 - size), ``programme_start``/``programme_stop``,
``set_cooperation``/``set_responsiveness``, ``national_policy``, ``mobilise`` (part of a group
takes part this month, a block in citizen order) and ``election`` (a snap election this step).
Events are deterministic: this process draws no random numbers.

The due events are the scenario's timeline entries for this month (``world.timeline``) and
the live events queued by :meth:`sim.GovernanceModel.trigger` (``world.pending``); what they
tell other processes (an election called, citizens mobilised) goes into ``world.signals``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..schema_base import PROGRAMME_NAMES, ProcessSpec

if TYPE_CHECKING:
    from ..state import World

__all__ = [
    "NAME",
    "STREAM",
    "TITLE",
    "Spec",
    "apply_event",
    "group_mask",
    "init",
    "recover_performance",
    "step",
]

NAME = "events"
TITLE = "Events"
STREAM = 2


class Spec(ProcessSpec):
    """The scenario's timeline and live events."""


def group_mask(world: World, group: str) -> np.ndarray:
    """Bool mask of the citizens in a named group."""
    pop = world.population
    if group == "all":
        return np.ones(pop.size, dtype=bool)
    if group == "youth":
        return pop.youth
    if group == "tenants":
        return pop.tenant
    if group == "deprived":
        return pop.quintile == 4
    if group == "least_deprived":
        return pop.quintile == 0
    raise ValueError(f"unknown group {group!r}")


def _council_mask(world: World, names: list[str] | None) -> np.ndarray:
    if not names:
        return np.ones(world.councils.count, dtype=bool)
    return np.isin(np.array(world.councils.names), names)


def apply_event(world: World, event) -> None:
    """Apply one event to ``world`` (an election called is signalled in ``world.signals``)."""
    councils = _council_mask(world, event.councils)
    pop = world.population
    kind = event.kind
    if kind == "shock":
        who = group_mask(world, event.group) & councils[pop.council]
        if event.target == "trust_parties":
            cols = np.ones(len(world.parties.names), dtype=bool)
            if getattr(event, "party", None) is not None:
                cols = np.array([name == event.party for name in world.parties.names])
            hit = who[:, None] & cols[None, :]
            pop.trust_party = np.where(
                hit, np.clip(pop.trust_party + event.size, 0, 1), pop.trust_party
            )
        else:
            x = getattr(pop, event.target)
            setattr(pop, event.target, np.where(who, np.clip(x + event.size, 0, 1), x))
    elif kind == "performance":
        g = world.government
        g.performance = float(np.clip(g.performance + event.size, 0, 1))
    elif kind == "budget_cut":
        world.budget_multiplier = np.where(
            councils, world.budget_multiplier * (1 - event.size), world.budget_multiplier
        )
    elif kind in ("programme_start", "programme_stop"):
        col = PROGRAMME_NAMES.index(event.programme)
        programmes = world.councils.programmes.copy()
        programmes[councils, col] = kind == "programme_start"
        world.councils.programmes = programmes
    elif kind == "set_cooperation":
        world.councils.cooperation = np.where(councils, event.value, world.councils.cooperation)
    elif kind == "set_responsiveness":
        world.councils.responsiveness = np.where(
            councils, event.value, world.councils.responsiveness
        )
    elif kind == "national_policy":
        if event.centralisation is not None:
            world.government.centralisation = event.centralisation
        if event.austerity is not None:
            world.government.austerity = event.austerity
    elif kind == "mobilise":
        members = np.flatnonzero(group_mask(world, event.group) & councils[pop.council])
        chosen = members[: int(round(event.share * len(members)))]
        signals = world.signals
        if signals.mobilised is None:
            signals.mobilised = np.zeros(pop.size, dtype=bool)
        signals.mobilised[chosen] = True  # participation adds them to this month's participants
        pop.participating = pop.participating | signals.mobilised
    elif kind == "election":
        world.signals.election_called = True
        world.signals.election_winner = event.winner


def recover_performance(performance: float, baseline: float, rate: float) -> float:
    r"""National performance returns toward its baseline: :math:`P \leftarrow P + r (P_0 - P)`.

    >>> recover_performance(0.3, 0.5, 0.5)
    0.4
    """
    return performance + rate * (baseline - performance)


def due_events(world: World) -> list:
    """This month's events: the timeline's entries for ``world.month``, then queued live ones."""
    due = world.timeline.get(world.month, []) + world.pending
    world.pending = []
    world.event_log += [(world.month, e.kind) for e in due]
    return due


def init(world: World, spec: Spec, rng: np.random.Generator) -> None:
    """Apply the events dated step 0 (before the first allocation and poll)."""
    if spec.enabled:
        for event in due_events(world):
            apply_event(world, event)


def step(world: World, spec: Spec, rng: np.random.Generator) -> None:
    """National performance recovers toward its baseline, then this month's events apply."""
    g = world.government
    g.performance = recover_performance(
        g.performance, g.baseline_performance, g.performance_recovery
    )
    for event in due_events(world):
        apply_event(world, event)
