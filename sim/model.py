"""GovernanceModel: the Mesa model that runs the registered processes in their ODD order.

One step is one month.  ``step()`` loops over the process registry (:mod:`sim.processes`), whose
order is the schedule of docs/ODD.md: events, participation, services, trust from experience,
trust from voice, social influence, elections, network change; then observation.  Each process
updates the world's arrays from the state the previous process left (synchronously within a
process: new arrays are computed from old ones, then swapped in).
"""

from __future__ import annotations

import functools
import heapq
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import mesa
import networkx as nx
import numpy as np

from . import kernels, metrics, processes
from .agents import Citizen, Council, Government, Party
from .collector import ColumnRecords, MetricsCollector
from .errors import ScenarioError
from .month import QuietMonth
from .network import build_edges, to_networkx
from .population import init_councils, init_government, init_parties, init_population
from .resources import HANDLE_LIMIT
from .rng import Streams, root_seed_sequence
from .scenario import load_scenario, scenario_from_dict
from .schema import Event, Scenario
from .state import Signals, SocialGraph, World

__all__ = ["GovernanceModel"]

#: Mesa's own logger (``mesa.model``): when it logs steps, steps go through Mesa's code
_MESA_LOG = getattr(mesa.model, "_mesa_logger", logging.getLogger("MESA.mesa.model"))

#: Council agent-type reporters: DataCollector column -> Council attribute.  Prefixed, so that
#: tools that merge agent and model columns (Mesa's ``batch_run``) keep the model's metrics.
COUNCIL_REPORTERS = {
    "council": "name",
    "council_cooperation": "cooperation",
    "council_responsiveness": "responsiveness",
    "council_budget": "budget",
    "council_trust_local": "trust_local",
    "council_participation": "participation",
    "council_service_quality": "service_quality",
}


class GovernanceModel(mesa.Model):
    """Citizens, councils and parties on a social graph; trust and participation over time.

    Parameters
    ----------
    scenario : Scenario, str or Path, optional
        A validated scenario, or a scenario file to load.  Default: the schema's defaults.
        (Mesa's own ``mesa.experimental.scenarios.Scenario``, which Mesa's ``SolaraViz``
        passes on Reset, is accepted too and stands for the defaults.)
    rng : int, numpy.random.SeedSequence, numpy.random.Generator or None
        Root of all randomness.  ``None`` draws fresh entropy (recorded in ``seed_entropy``).
    citizen_handles : bool, optional
        Create a :class:`~sim.Citizen` Mesa agent per citizen.  Default: only up to
        ``sim.resources.HANDLE_LIMIT`` citizens (results are identical either way).
    fused_months : bool, optional
        Run quiet months as one compiled call (:mod:`sim.month`; numba path only).  Default
        True; False runs every month process by process (results are identical either way).
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
        fused_months: bool = True,
        **params: Any,
    ):
        if _is_mesa_scenario(scenario):  # SolaraViz's Reset: Mesa's scenario, not ours
            rng = scenario.rng if rng is None else rng
            scenario = None
        self.seed_sequence = root_seed_sequence(rng)
        self.processes = processes.schedule()
        self.streams = Streams(self.seed_sequence, processes.stream_keys())
        super().__init__(rng=self.streams.seed_int("mesa"))
        self.step = self._advance_one_month  # Mesa's step, with a short cut (below)
        self.spec = _resolve_scenario(scenario, params)
        sc = self.spec
        self.seed = rng if isinstance(rng, int | np.integer) else None
        self.seed_entropy = self.seed_sequence.entropy

        population = init_population(sc, functools.partial(self.streams.variable, "population"))
        u, v = build_edges(
            sc.network, sc.population.size, population.council, self.streams["network"], None
        )
        timeline: dict[int, list] = {}
        for event in sc.events:
            timeline.setdefault(event.step, []).append(event)
        self.world = World(
            population=population,
            councils=init_councils(sc),
            government=init_government(sc),
            parties=init_parties(sc),
            graph=SocialGraph(u, v, sc.population.size),
            programmes=sc.programmes,
            timeline=timeline,
            threshold_kind=sc.population.threshold_kind,
        )
        self._nx_graph: tuple[int, nx.Graph] | None = None
        # numba kernels or numpy, chosen once per model (the same bits either way)
        self.world.kernel_backend = kernels.choose()

        # Mesa agents
        self.government = Government(self)
        self.councils = [Council(self, i, name) for i, name in enumerate(self.world.councils.names)]
        self.parties = [Party(self, i, name) for i, name in enumerate(self.world.parties.names)]
        if citizen_handles is None:
            citizen_handles = sc.population.size <= HANDLE_LIMIT
        if citizen_handles:
            Citizen.create_agents(self, sc.population.size, list(range(sc.population.size)))

        # Step 0: every process sets up the state it owns (events dated 0, the first
        # allocation, expectations, the pre-election poll), in schedule order
        for process in self.processes:
            if process.init is not None:
                process.init(self.world, self._process_spec(process), self.streams[process.name])
        # what step 0's events signal for month 1 (a mobilised block); no election at step 0
        self.world.signals = Signals(mobilised=self.world.signals.mobilised)

        self._observer = metrics.Observer(self.world.parties.names)
        self.datacollector = MetricsCollector(
            self._observer.names,
            agenttype_reporters={Council: COUNCIL_REPORTERS},
            agenttype_rows={Council: GovernanceModel._council_records},
        )
        self._observe()
        #: Runs quiet months as one compiled call (:class:`sim.month.QuietMonth`), or None
        self.quiet_month = QuietMonth.of(self) if fused_months else None

    # ------------------------------------------------------------------ schedule
    def step(self) -> None:
        """Advance one month: every registered process in schedule order, then observation.

        A quiet month (no event due, no election: :mod:`sim.month`) runs, after the events
        process, as one compiled call of the same kernels in the same order, with the same
        results; ``fused_months=False`` at construction runs every month process by process.
        """
        w = self.world
        w.month += 1
        rest = self.processes
        if self.quiet_month is not None and rest is self.quiet_month.schedule:
            self._run_processes(rest[:1])  # events, which decide whether the month is quiet
            if self.quiet_month.advance(self):
                w.signals = Signals()
                return
            rest = rest[1:]
        self._run_processes(rest)
        self._observe()
        w.signals = Signals()  # signals last one month

    def fusable_months(self) -> bool:
        """Whether this model steps, observes and collects as :mod:`sim.month` does.

        False for a subclass with its own ``step`` or observation, and for a collector
        other than the model's own (with its council records).
        """
        cls, collector = type(self), self.datacollector
        if cls.step is not GovernanceModel.step or cls._observe is not GovernanceModel._observe:
            return False
        fast = getattr(collector, "fast_agenttype_rows", None)
        return fast is not None and fast() == {Council: GovernanceModel._council_records}

    def _run_processes(self, processes: tuple[processes.Process, ...]) -> None:
        """Run ``processes``, the enabled ones, in order."""
        w = self.world
        for process in processes:
            spec = self._process_spec(process)
            if spec.enabled:
                process.step(w, spec, self.streams[process.name])

    def _advance_one_month(self) -> None:
        """What Mesa's ``Model.step`` does (time + 1, every event due run in order), faster.

        Mesa 3.5 runs a model's ``step`` as a recurring event: each call pops it from the
        event heap, makes the next one (an ``Event``, a weak reference, a heap push) and
        formats a log line, ~15-20 us, a tenth of a 1,000-citizen step.  When that event is
        the only one queued and due now (no event a user scheduled, the generator running
        every 1.0 from the start, Mesa's log off), this does the same bookkeeping directly:
        ``time``, ``steps``, the generator's count and its event moved on one month.  Any
        other case goes through Mesa (``benchmarks/mesa_step.py`` times both;
        ``tests/test_mesa_compat.py`` checks they agree).
        """
        due = self._only_step_due()
        if due is None:
            self._wrapped_step()
            return
        gen, event, queue = due
        self.time = event.time
        self.steps += 1
        self._user_step()
        gen._execution_count += 1
        event.time = self.time + 1  # rescheduled, as the generator does after each run
        if len(queue) > 1:  # the step scheduled something: keep the heap ordered
            heapq.heapify(queue)

    def _only_step_due(self) -> tuple | None:
        """Mesa's step generator, its event and the event queue, if that event is all there is.

        None when anything else is queued or due (or this Mesa lacks 3.5's internals): then
        a step must go through Mesa's own ``Model.step``.
        """
        try:  # Mesa 3.5's internals; another Mesa without them takes Mesa's own path
            gen = self._default_schedule
            event = gen._current_event
            queue = self._event_list._events
            plan = gen.schedule
            only_step_due = (
                len(queue) == 1
                and queue[0] is event
                and event.time == self.time + 1
                and gen._active
                and not gen._paused
                and not event._canceled
                and plan.interval == 1.0
                and plan.count is None
                and plan.end is None
                and not _MESA_LOG.isEnabledFor(logging.INFO)
            )
        except AttributeError:
            return None
        return (gen, event, queue) if only_step_due else None

    def _advance_months(self, months: int) -> list[float]:
        """Mesa's bookkeeping of ``months`` steps at once (:meth:`_advance_one_month`'s, each).

        Only when :meth:`_only_step_due`; returns the model time of each month.
        """
        gen, event, _ = self._only_step_due()
        times = []
        for _ in range(months):
            self.time = event.time
            self.steps += 1
            gen._execution_count += 1
            event.time = self.time + 1
            times.append(self.time)
        return times

    def run(self, steps: int | None = None, progress: Callable[[int], None] | None = None) -> None:
        """Run ``steps`` steps (default: the scenario's ``steps``); ``progress(i)`` after each."""
        steps = self.spec.steps if steps is None else steps
        if progress is None and self.quiet_month is not None:
            # runs of quiet months in one call each (sim.month), the other months one by one
            done = 0
            while done < steps:
                months = self.quiet_month.run_months(self, steps - done)
                if months == 0:  # this month is not quiet
                    self.step()
                    months = 1
                done += months
            return
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
        self.world.pending.append(event)

    @property
    def event_log(self) -> list[tuple[int, str]]:
        """``(month, kind)`` of every event applied so far."""
        return self.world.event_log

    def _process_spec(self, process: processes.Process):
        """This scenario's parameters of ``process`` (its defaults if the scenario predates it)."""
        spec = getattr(self.spec.processes, process.name, None)
        return process.spec() if spec is None else spec

    # ------------------------------------------------------------------ observation
    def _observe(self) -> None:
        w = self.world
        obs = self._observer
        row = np.empty(len(obs.names))
        self.council_summary = obs.observe_into(w, row, election_held=w.signals.election_held)
        self.observation = metrics.Observation(obs.index, row)
        self.datacollector.collect(self)

    def _council_records(self) -> ColumnRecords:
        """The Council rows Mesa's reporters give (``COUNCIL_REPORTERS``), as columns.

        The council arrays are replaced, never written into (``CouncilState``), and the
        council means are this step's own arrays, so the records keep them as they are.
        """
        return self._council_records_at(self.time, self.council_summary, self._council_budget())

    def _council_budget(self) -> np.ndarray:
        """Each council's budget this month, as ``council_budget`` reports it."""
        w = self.world
        g = w.government
        return w.councils.budget * w.budget_multiplier * (1 - g.austerity * g.grant_share)

    def _council_records_at(
        self, time: float, summary: Mapping[str, np.ndarray], budget: np.ndarray
    ) -> ColumnRecords:
        """:meth:`_council_records` of a month at ``time`` with council means ``summary``."""
        cs = self.world.councils
        columns = (cs.cooperation, cs.responsiveness, budget)
        columns += (summary["trust_local"], summary["participation"])
        columns += (summary["service_quality"],)
        keys = [(c.unique_id, c.name) for c in self.councils]
        return ColumnRecords(time, keys, columns)

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


def _is_mesa_scenario(scenario: Any) -> bool:
    """Return True for Mesa's own ``mesa.experimental.scenarios.Scenario`` (not govsim's)."""
    try:
        from mesa.experimental.scenarios import Scenario as MesaScenario
    except ImportError:  # pragma: no cover - older Mesa
        return False
    return isinstance(scenario, MesaScenario)


def _resolve_scenario(scenario: Scenario | str | Path | None, params: Mapping) -> Scenario:
    if isinstance(scenario, str | Path):
        return load_scenario(scenario, overrides=params or None)
    if scenario is None:
        return scenario_from_dict({}, params or None, source="GovernanceModel(**params)")
    if params:
        data = scenario.model_dump(mode="json", exclude_none=True)
        return scenario_from_dict(data, params, source="GovernanceModel(**params)")
    return scenario
