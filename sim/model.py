"""GovernanceModel: the Mesa model that wires the processes in their ODD order.

One step is one month.  ``step()`` reads as the schedule of docs/ODD.md: events,
participation, services, trust from experience, trust from voice, social influence, elections,
network change, then observation.  Each process updates the world's arrays from the state the
previous process left (synchronously within a process: new arrays are computed from old ones,
then swapped in).
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import mesa
import networkx as nx
import numpy as np

from . import metrics
from .agents import Citizen, Council, Government, Party
from .network import build_edges, to_networkx
from .population import init_councils, init_government, init_parties, init_population
from .processes import (
    elections,
    events,
    network_change,
    participation,
    services,
    social_influence,
    trust_experience,
    trust_voice,
)
from .resources import HANDLE_LIMIT
from .rng import STREAMS, Streams, root_seed_sequence
from .scenario import ScenarioError, load_scenario, scenario_from_dict
from .schema import Event, Scenario
from .state import SocialGraph, World

__all__ = ["GovernanceModel"]


def _reported(model: GovernanceModel, name: str) -> float:
    return model.observation[name]


class GovernanceModel(mesa.Model):
    """Citizens, councils and parties on a social graph; trust and participation over time.

    Parameters
    ----------
    scenario : Scenario, str or Path, optional
        A validated scenario, or a scenario file to load.  Default: the schema's defaults.
    rng : int, numpy.random.SeedSequence, numpy.random.Generator or None
        Root of all randomness.  ``None`` draws fresh entropy (recorded in ``seed_entropy``).
    citizen_handles : bool, optional
        Create a :class:`~sim.Citizen` Mesa agent per citizen.  Default: only up to
        ``sim.resources.HANDLE_LIMIT`` citizens (results are identical either way).
    **params
        Dotted scenario parameters, e.g. ``**{"council.cooperation": 0.8}``.

    Examples
    --------
    >>> model = GovernanceModel(rng=42, **{"population.size": 200})
    >>> model.run(steps=3)
    >>> df = model.datacollector.get_model_vars_dataframe()
    >>> len(df), bool(0 <= df["trust_local"].iloc[-1] <= 1)
    (4, True)
    """

    def __init__(
        self,
        scenario: Scenario | str | Path | None = None,
        *,
        rng: Any = None,
        citizen_handles: bool | None = None,
        **params: Any,
    ):
        self.seed_sequence = root_seed_sequence(rng)
        self.streams = Streams(self.seed_sequence)
        super().__init__(rng=self.streams.seed_int("mesa"))
        self.spec = _resolve_scenario(scenario, params)
        sc = self.spec
        self.seed = rng if isinstance(rng, int | np.integer) else None
        self.seed_entropy = self.seed_sequence.entropy

        population = init_population(sc, self._sub_stream("population"))
        u, v = build_edges(
            sc.network, sc.population.size, population.council, self.streams["network"], None
        )
        self.world = World(
            population=population,
            councils=init_councils(sc),
            government=init_government(sc),
            parties=init_parties(sc),
            graph=SocialGraph(u, v, sc.population.size),
        )
        self._events_by_step: dict[int, list] = {}
        for event in sc.events:
            self._events_by_step.setdefault(event.step, []).append(event)
        self._pending: list = []
        self.event_log: list[tuple[int, str]] = []
        self._nx_graph: tuple[int, nx.Graph] | None = None

        # Mesa agents
        self.government = Government(self)
        self.councils = [Council(self, i, name) for i, name in enumerate(self.world.councils.names)]
        self.parties = [Party(self, i, name) for i, name in enumerate(self.world.parties.names)]
        if citizen_handles is None:
            citizen_handles = sc.population.size <= HANDLE_LIMIT
        if citizen_handles:
            Citizen.create_agents(self, sc.population.size, list(range(sc.population.size)))

        # Step 0: events dated 0, first allocation, expectations, pre-election poll
        P = sc.processes
        if P.events.enabled:
            events.step(self.world, self._events_by_step.get(0, []))
        services.step(self.world, P.services, sc.programmes)
        trust_experience.init_expectations(self.world, P.trust_experience)
        elections.init(self.world, P.elections)

        self.datacollector = mesa.DataCollector(
            model_reporters={
                name: functools.partial(_reported, name=name)
                for name in metrics.metric_names(self.world.parties.names)
            },
            agenttype_reporters={
                Council: {
                    "name": "name",
                    "cooperation": "cooperation",
                    "responsiveness": "responsiveness",
                    "budget": "budget",
                    "trust_local": "trust_local",
                    "participation": "participation",
                    "service_quality": "service_quality",
                }
            },
        )
        self._observe(election_held=False)

    # ------------------------------------------------------------------ schedule
    def step(self) -> None:
        """Advance one month: the ODD schedule, then observation."""
        w, sc = self.world, self.spec
        P = sc.processes
        w.month += 1
        called = False
        if P.events.enabled:
            due = self._events_by_step.get(w.month, []) + self._pending
            self._pending = []
            called = events.step(w, due)
            self.event_log += [(w.month, e.kind) for e in due]
        if P.participation.enabled:
            participation.step(w, P.participation, sc.programmes, self.streams["participation"])
        if P.services.enabled:
            services.step(w, P.services, sc.programmes)
        if P.trust_experience.enabled:
            trust_experience.step(w, P.trust_experience)
        if P.trust_voice.enabled:
            trust_voice.step(w, P.trust_voice, sc.programmes, self.streams["trust_voice"])
        if P.social_influence.enabled:
            social_influence.step(w, P.social_influence, self.streams["social_influence"])
        held = False
        if P.elections.enabled:
            held = elections.step(w, P.elections, self.streams["elections"], called=called)
        if P.network_change.enabled:
            network_change.step(w, P.network_change, self.streams["network_change"])
        self._observe(election_held=held)

    def run(self, steps: int | None = None, progress: Callable[[int], None] | None = None) -> None:
        """Run ``steps`` steps (default: the scenario's ``steps``); ``progress(i)`` after each."""
        steps = self.spec.steps if steps is None else steps
        for i in range(steps):
            self.step()
            if progress is not None:
                progress(i + 1)

    def trigger(self, event: Mapping[str, Any] | Any) -> None:
        """Queue an event (a dict like a scenario ``[[events]]`` entry) for the next step.

        Used by the dashboard's live event buttons; ``step`` defaults to the next step.
        """
        if isinstance(event, Mapping):
            from pydantic import TypeAdapter, ValidationError

            data = {"step": self.world.month + 1, **event}
            try:
                event = TypeAdapter(Event).validate_python(data)
            except ValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
                )
                raise ScenarioError(f"trigger({dict(event)!r}): {problems}.") from None
        self._pending.append(event)

    # ------------------------------------------------------------------ observation
    def _observe(self, *, election_held: bool) -> None:
        w = self.world
        self.observation = metrics.observe(w, election_held=election_held)
        pop = w.population
        k = w.councils.count
        council, count = w.cached(
            "model.council_size",
            (pop.council, k),
            lambda: (
                pop.council.astype(np.intp),
                np.maximum(np.bincount(pop.council, minlength=k), 1),
            ),
        )
        self.council_summary = {
            name: np.bincount(council, weights=getattr(pop, name), minlength=k) / count
            for name in ("trust_local", "service_quality")
        }
        # counts of participants: the same integers a weighted sum of 0/1 gives, without a
        # floating-point pass over everyone
        taking_part = np.bincount(council[pop.participating], minlength=k).astype(float)
        self.council_summary["participation"] = taking_part / count
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ accessors
    @property
    def population(self):
        """The citizens' state arrays (:class:`sim.population.Population`)."""
        return self.world.population

    @property
    def month(self) -> int:
        """Steps completed."""
        return self.world.month

    @property
    def graph(self) -> nx.Graph:
        """The social network as a networkx graph (built on first use, cached)."""
        g = self.world.graph
        if self._nx_graph is None or self._nx_graph[0] != g.version:
            self._nx_graph = (g.version, to_networkx(g.u, g.v, g.n))
        return self._nx_graph[1]

    def _sub_stream(self, process: str) -> Callable[[str], np.random.Generator]:
        """Per-variable generators under one process's stream (stable under additions)."""
        base = self.seed_sequence

        def draw(name: str) -> np.random.Generator:
            ss = np.random.SeedSequence(
                base.entropy,
                spawn_key=(*base.spawn_key, STREAMS[process], zlib.crc32(name.encode())),
            )
            return np.random.Generator(np.random.PCG64(ss))

        return draw


def _resolve_scenario(scenario: Scenario | str | Path | None, params: Mapping) -> Scenario:
    if isinstance(scenario, str | Path):
        return load_scenario(scenario, overrides=params or None)
    if scenario is None:
        return scenario_from_dict({}, params or None, source="GovernanceModel(**params)")
    if params:
        data = scenario.model_dump(mode="json", exclude_none=True)
        return scenario_from_dict(data, params, source="GovernanceModel(**params)")
    return scenario
