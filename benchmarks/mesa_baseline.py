"""The default govsim rules written the way a Mesa user would: one object per citizen.

This is the yardstick for the array model (:class:`sim.GovernanceModel`): the same rules, with

* one :class:`Citizen` agent per citizen, holding its own state as attributes;
* neighbours found through Mesa's network space (``mesa.discrete_space.Network``, each citizen
  a ``CellAgent`` on its own node: ``self.cell.neighborhood.agents``);
* per-agent methods for each process, run with ``AgentSet.do``;
* synchronous updates: a citizen computes its next value from its neighbours' current ones
  (``listen``), and all citizens adopt them afterwards (``advance``);
* a ``DataCollector`` whose model reporters loop over the agents.

It covers the default rule set: threshold participation, services with voice memory, trust
from experience and from voice, DeGroot influence with anchoring and spill-over, and
elections (no events, programmes or network change; the constructor refuses scenarios that
use them).  Its initial state is the array model's state at step 0 (the same draws), and it
takes its random numbers from the same per-process streams, drawn a step at a time as
arrays (each citizen reads its own entry): fed the same numbers, both models must agree
(``tests/test_baseline_equivalence.py``).

Example
-------
>>> base = MesaBaseline(rng=3, **{"population.size": 300})   # doctest: +SKIP
>>> base.run(5)                                               # doctest: +SKIP
"""

from __future__ import annotations

import math
from typing import Any

import mesa
from mesa.discrete_space import CellAgent, Network

import sim
from sim.processes import stream_keys
from sim.rng import Streams, root_seed_sequence

__all__ = ["Citizen", "Council", "MesaBaseline"]

TOLERANCE = 1e-9  # as sim.processes.participation.TOLERANCE


def clip01(x: float) -> float:
    """Clip to [0, 1]."""
    return 0.0 if x < 0.0 else 1.0 if x > 1.0 else x


def bounded_gain(x: float, g: float) -> float:
    """Move toward 1 by a share of the room left (g >= 0), else toward 0."""
    return x + g * (1 - x) if g >= 0 else x + g * x


class Citizen(CellAgent):
    """One citizen: its state as attributes, its rules as methods."""

    def __init__(self, model: MesaBaseline, index: int, council: Council, **state: Any):
        super().__init__(model)
        self.index = index
        self.council = council
        for name, value in state.items():
            setattr(self, name, value)

    # 2. participation (Granovetter threshold rule), synchronous
    def decide_participation(self) -> None:
        """Take part if enough neighbours took part last month and the chance arises."""
        m = self.model
        neighbours = list(self.cell.neighborhood.agents)
        share = 0.0
        if neighbours:
            share = sum(n.participating for n in neighbours) / len(neighbours)
        p = m.spec.processes.participation
        theta = (
            self.threshold
            + p.cost_deprivation * self.deprivation
            - p.motivation_efficacy * self.efficacy
            - p.motivation_trust * self.trust_local
            - 0.0
        )
        chance = m.draws["chance"][self.index] < self.council.opportunity
        if "stay" in m.draws:  # last month's participants may stay involved (persistence)
            chance = chance or (self.participating and m.draws["stay"][self.index] < p.persistence)
        self.next_participating = bool(chance and share + TOLERANCE >= theta)

    def advance_participation(self) -> None:
        """Adopt this month's decision."""
        self.participating = self.next_participating

    # 3. services
    def receive_services(self) -> None:
        """Resources from the council's central and co-produced budget; need met."""
        c, m = self.council, self.model
        k = m.spec.processes.services.central_targeting
        central = c.budget_per_head * ((1 - k) + k * self.need / c.mean_need)
        voice = c.budget_per_head * c.size * c.per_need[self.quintile] * self.need
        r, e, s = c.responsiveness, c.efficiency, c.coproduced_share
        sp = m.spec.processes.services
        co = (
            (1 - sp.participation_overhead)
            * (1 + sp.coproduction_bonus * r)
            * e
            * (r * voice + (1 - r) * central)
        )
        self.received = (1 - s) * central * e + s * co
        self.met = min(self.received, self.need)
        self.service_quality = self.met / self.need if self.need > 0 else 1.0

    # 4. trust from experience
    def update_trust_from_experience(self) -> None:
        """Asymmetric trust update toward performance minus expectation."""
        m = self.model
        te = m.spec.processes.trust_experience
        national = (1 - te.national_blame) * m.performance + te.national_blame * (
            self.service_quality
        )
        old_national = self.trust_national
        gap = self.service_quality - self.expectation_local
        self.trust_local = clip01(
            self.trust_local + (te.up_rate if gap > 0 else te.down_rate) * gap
        )
        gap = national - self.expectation_national
        self.trust_national = clip01(
            self.trust_national + (te.up_rate if gap > 0 else te.down_rate) * gap
        )
        if m.government >= 0:
            tp = self.trust_party[m.government]
            self.trust_party[m.government] = clip01(tp + (self.trust_national - old_national))
        self.expectation_local += te.expectation_rate * (
            self.service_quality - self.expectation_local
        )
        self.expectation_national += te.expectation_rate * (national - self.expectation_national)

    # 5. trust from voice
    def speak(self) -> None:
        """A participant is heard with probability equal to the council's responsiveness."""
        p_heard = min(1.0, self.council.responsiveness * 1.0)
        self.heard = self.participating and self.model.draws["heard"][self.index] < p_heard
        self.ignored = self.participating and not self.heard

    def react_to_voice(self) -> None:
        """Heard participants gain trust and efficacy, ignored ones lose; others see the record."""
        tv = self.model.spec.processes.trust_voice
        if self.participating:
            trust_change = tv.heard_trust_gain if self.heard else -tv.ignored_trust_loss
            eff_change = tv.heard_efficacy_gain if self.heard else -tv.ignored_efficacy_loss
        else:
            trust_change = tv.legitimacy_spillover * self.council.voice_record
            eff_change = 0.0
        if self.participating and tv.national_share > 0:
            national_change = tv.national_share * trust_change
            self.trust_national = clip01(bounded_gain(self.trust_national, national_change))
        self.trust_local = clip01(bounded_gain(self.trust_local, trust_change))
        eff_change = max(-1.0, min(1.0, eff_change))
        self.efficacy = clip01(bounded_gain(self.efficacy, eff_change))

    # 6. social influence (DeGroot, anchoring, spill-over), synchronous
    def listen(self) -> None:
        """Next trust: own view, neighbours' mean, own disposition, the other kind of trust."""
        si = self.model.spec.processes.social_influence
        local, national = self.trust_local, self.trust_national
        neighbours = list(self.cell.neighborhood.agents)
        if si.rule == "degroot" and si.weight > 0 and neighbours:
            k = len(neighbours)
            mean_local = sum(n.trust_local for n in neighbours) / k
            mean_national = sum(n.trust_national for n in neighbours) / k
            local = (1 - si.weight) * local + si.weight * mean_local
            national = (1 - si.weight) * national + si.weight * mean_national
        a = si.anchoring
        if a > 0:
            local = (1 - a) * local + a * self.disposition_local
            national = (1 - a) * national + a * self.disposition_national
        self.next_local = clip01(local + si.national_to_local * (national - local))
        self.next_national = clip01(national + si.local_to_national * (local - national))

    def advance_trust(self) -> None:
        """Adopt the views computed by :meth:`listen`."""
        self.trust_local, self.trust_national = self.next_local, self.next_national

    # 7. elections
    def vote_in_election(self) -> None:
        """Turn out with the calculus-of-voting probability; choose a party by random utility."""
        m = self.model
        el = m.spec.processes.elections
        z = (
            el.turnout_intercept
            + el.turnout_habit * self.voted
            + el.turnout_efficacy * self.efficacy
            + el.turnout_trust * self.trust_national
            + el.turnout_deprivation * self.deprivation
        )
        self.voted = bool(m.draws["turnout"][self.index] < 0.5 * (1.0 + math.tanh(0.5 * z)))
        best, choice = -math.inf, 0
        for j, party in enumerate(m.party_specs):
            u = (
                -el.vote_distance * abs(self.ideology - party.position)
                + el.vote_party_trust * self.trust_party[j]
                + el.vote_cooperative * party.cooperative_platform * self.efficacy
            ) + m.draws["gumbel"][self.index, j]
            if u > best:
                best, choice = u, j
        self.vote = choice if self.voted else -1

    def react_to_result(self) -> None:
        """Winners' voters gain trust in national government, losers' voters lose some."""
        if not self.voted:
            return
        el = self.model.spec.processes.elections
        gain = el.winner_bounce if self.vote == self.model.government else -el.loser_penalty
        self.trust_national = clip01(bounded_gain(self.trust_national, gain))


class Council(mesa.Agent):
    """A council: its residents, budget and voice memory."""

    def __init__(self, model: MesaBaseline, index: int, params: dict, voice_share: list[float]):
        super().__init__(model)
        self.index = index
        self.cooperation = params["cooperation"]
        self.responsiveness = params["responsiveness"]
        self.budget = params["budget"]
        self.efficiency = params["efficiency"]
        self.voice_share = voice_share
        self.residents: list[Citizen] = []

    def set_up(self) -> None:
        """Sizes and needs that do not change."""
        self.size = len(self.residents)
        self.need_total = sum(c.need for c in self.residents)
        self.mean_need = self.need_total / self.size if self.size else 1.0
        self.need_by_quintile = [0.0] * 5
        for c in self.residents:
            self.need_by_quintile[c.quintile] += c.need

    def offer_opportunity(self) -> None:
        """Chance to take part this month."""
        p = self.model.spec.processes.participation
        coop = self.cooperation * (1.0 - self.model.centralisation)
        self.opportunity = clip01(p.base_opportunity + p.cooperation_opportunity * coop)

    def plan_services(self) -> None:
        """Budget, co-produced share, and the voice memory updated from participants' needs."""
        m = self.model
        sp = m.spec.processes.services
        self.budget_per_head = (
            self.budget * 1.0 * (1 - m.austerity * m.grant_share) * self.mean_need
        )
        self.coproduced_share = clip01(self.cooperation * (1 - m.centralisation) + 0.0)
        voiced = [0.0] * 5
        for c in self.residents:
            if c.participating:
                voiced[c.quintile] += 1.0 * c.need
        total = sum(voiced)
        if total > 0:
            rho = sp.voice_memory
            self.voice_share = [
                (1 - rho) * s + rho * (v / total)
                for s, v in zip(self.voice_share, voiced, strict=True)
            ]
        self.per_need = [
            s / n if n > 0 else 0.0
            for s, n in zip(self.voice_share, self.need_by_quintile, strict=True)
        ]

    def tally_voice(self) -> None:
        """Visible voice record: heard minus ignored, per resident."""
        heard = sum(1 for c in self.residents if c.heard)
        ignored = sum(1 for c in self.residents if c.ignored)
        self.voice_record = (heard - ignored) / self.size if self.size else 0.0


def _mean(model: MesaBaseline, attribute: str) -> float:
    citizens = model.citizens
    return sum(float(getattr(c, attribute)) for c in citizens) / len(citizens)


def _gini(model: MesaBaseline) -> float:
    xs = sorted(c.trust_local for c in model.citizens)
    n, total = len(xs), sum(xs)
    if total <= 0:
        return 0.0
    return sum((2 * i - n - 1) * x for i, x in enumerate(xs, start=1)) / (n * total)


def _gap(model: MesaBaseline) -> float:
    part = [[0, 0], [0, 0]]
    for c in model.citizens:
        if c.quintile in (0, 4):
            row = part[c.quintile // 4]
            row[0] += c.participating
            row[1] += 1
    return part[0][0] / part[0][1] - part[1][0] / part[1][1]


class MesaBaseline(mesa.Model):
    """The default rules as one Mesa agent per citizen on a Mesa network space.

    Parameters
    ----------
    scenario, rng, **params
        As for :class:`sim.GovernanceModel`; the initial state is that model's step 0.
    """

    def __init__(self, scenario: Any = None, *, rng: int = 0, **params: Any):
        start = sim.GovernanceModel(scenario, rng=rng, citizen_handles=False, **params)
        sc = start.spec
        _check_supported(sc)
        super().__init__(rng=rng)
        self.spec = sc
        self.streams = Streams(root_seed_sequence(rng), stream_keys())  # the array model's streams
        w, pop = start.world, start.world.population
        g = w.government
        self.performance, self.baseline_performance = g.performance, g.baseline_performance
        self.performance_recovery = g.performance_recovery
        self.centralisation, self.austerity, self.grant_share = (
            g.centralisation,
            g.austerity,
            g.grant_share,
        )
        self.party_specs = sc.parties
        self.government = w.parties.government
        self.vote_share = list(w.parties.vote_share)
        self.month, self.last_election, self.elections_held = 0, None, 0
        self.turnout, self.value_for_money = w.turnout, w.value_for_money
        self.councils = [
            Council(self, i, params, list(w.voice_share[i]))
            for i, params in enumerate(sc.resolved_councils())
        ]
        self.grid = Network(start.graph, random=self.random, layout=None)
        rows = {name: getattr(pop, name).tolist() for name in _STATE}
        parties = pop.trust_party.tolist()
        for i in range(pop.size):
            council = self.councils[int(pop.council[i])]
            state = {name: rows[name][i] for name in _STATE}
            state["quintile"] = int(state["quintile"])
            citizen = Citizen(self, i, council, trust_party=parties[i], **state)
            citizen.cell = self.grid[i]
            council.residents.append(citizen)
        self.citizens = self.agents_by_type[Citizen]
        self.council_set = self.agents_by_type[Council]
        self.council_set.do("set_up")
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "trust_local": lambda m: _mean(m, "trust_local"),
                "trust_national": lambda m: _mean(m, "trust_national"),
                "participation": lambda m: _mean(m, "participating"),
                "turnout": lambda m: m.turnout,
                "efficacy": lambda m: _mean(m, "efficacy"),
                "service_quality": lambda m: _mean(m, "service_quality"),
                "value_for_money": lambda m: m.value_for_money,
                "participation_gap": _gap,
                "trust_gini": _gini,
            }
        )
        self.datacollector.collect(self)

    def _draw(self) -> None:
        """This month's random numbers, from the same streams in the same order as the model."""
        n = len(self.citizens)
        part = self.streams["participation"]
        self.draws = {"chance": part.random(n), "decide": part.random(n)}
        if hasattr(self.spec.processes.participation, "persistence"):
            self.draws["stay"] = part.random(n)
        self.draws["heard"] = self.streams["trust_voice"].random(n)

    def step(self) -> None:
        """One month: the same schedule as the array model."""
        self.month += 1
        self._draw()
        # 1. events: national performance recovers toward its baseline
        self.performance += self.performance_recovery * (
            self.baseline_performance - self.performance
        )
        # 2. participation
        self.council_set.do("offer_opportunity")
        self.citizens.do("decide_participation")
        self.citizens.do("advance_participation")
        # 3. services
        self.council_set.do("plan_services")
        self.citizens.do("receive_services")
        spent = sum(c.size * c.budget_per_head for c in self.councils)
        met = sum(c.met for c in self.citizens)
        self.value_for_money = met / spent if spent > 0 else 0.0
        # 4. trust from experience
        self.citizens.do("update_trust_from_experience")
        # 5. trust from voice
        self.citizens.do("speak")
        self.council_set.do("tally_voice")
        self.citizens.do("react_to_voice")
        # 6. social influence
        self.citizens.do("listen")
        self.citizens.do("advance_trust")
        # 7. elections
        if self._election_due():
            self._hold_election()
        self.datacollector.collect(self)

    def run(self, steps: int) -> None:
        """Run ``steps`` months."""
        for _ in range(steps):
            self.step()

    def _election_due(self) -> bool:
        el = self.spec.processes.elections
        first = el.first if el.first is not None else el.interval
        if self.last_election is None:
            return self.month >= first and (self.month - first) % el.interval == 0
        due = self.month - self.last_election >= el.interval
        return due and (self.month - first) % el.interval == 0

    def _hold_election(self) -> None:
        n, k = len(self.citizens), len(self.party_specs)
        rng = self.streams["elections"]
        self.draws["turnout"] = rng.random(n)
        self.draws["gumbel"] = rng.gumbel(size=(n, k))
        self.citizens.do("vote_in_election")
        counts = [0] * k
        for c in self.citizens:
            if c.voted:
                counts[c.vote] += 1
        total = sum(counts)
        shares = [x / total for x in counts] if total else [1.0 / k] * k
        self.government = max(range(k), key=lambda j: (shares[j], -j))
        self.vote_share = shares
        self.turnout = sum(c.voted for c in self.citizens) / n
        self.citizens.do("react_to_result")
        self.last_election = self.month
        self.elections_held += 1


#: Citizen state copied from the array model's step 0.
_STATE = (
    "deprivation",
    "quintile",
    "ideology",
    "trust_local",
    "trust_national",
    "efficacy",
    "threshold",
    "voted",
    "participating",
    "heard",
    "ignored",
    "vote",
    "need",
    "received",
    "service_quality",
    "expectation_local",
    "expectation_national",
    "disposition_local",
    "disposition_national",
)


#: Registered processes (sim.processes) this baseline restates per agent; any other process
#: switched on is refused, so a new process cannot silently go missing from the comparison.
IMPLEMENTED = (
    "events",
    "participation",
    "services",
    "trust_experience",
    "trust_voice",
    "social_influence",
    "elections",
)


def _check_supported(sc: Any) -> None:
    from sim.processes import schedule

    P = sc.processes
    problems = []
    if sc.events:
        problems.append("events")
    if any(c["programmes"] for c in sc.resolved_councils()):
        problems.append("programmes")
    problems += [
        f"process {p.name}"
        for p in schedule()
        if getattr(P, p.name, p.spec()).enabled and p.name not in IMPLEMENTED
    ]
    if P.participation.rule != "threshold" or P.social_influence.rule == "deffuant":
        problems.append("rules other than threshold participation and DeGroot")
    if not all(
        getattr(P, p).enabled
        for p in ("participation", "services", "trust_experience", "trust_voice")
    ):
        problems.append("switched-off processes")
    if problems:
        raise ValueError(
            "the Mesa baseline implements the default rules only, not: " + ", ".join(problems)
        )
