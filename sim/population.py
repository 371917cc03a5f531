r"""Array-backed model state: citizens as a structure of arrays, plus councils, parties, nation.

Citizens' state lives in numpy arrays (one row per citizen) so every process is array code.
Mesa agents (:mod:`sim.agents`) are thin handles onto rows of these arrays.

Initial draws (ODD "Initialisation"): each citizen variable is drawn from its own random
sub-stream, so changing one distribution's parameters does not move any other variable's draws
(common random numbers between scenarios of the same population size).

* council: by population shares; deprivation :math:`d \sim \mathrm{Beta}(\alpha, \beta)`;
  deprivation quintile by rank (1 = least deprived, 5 = most);
* youth with probability ``youth_share``; social tenants with probability proportional to
  :math:`e^{3 \lambda (d - \bar d)}` scaled to ``tenant_share`` (:math:`\lambda` = link);
* ideology :math:`\sim N(\lambda_I (d - 0.5), \sigma_I)` truncated to [-1, 1];
* trust, efficacy and party trust from Beta distributions with the given mean and sd;
* participation thresholds :math:`\sim N(\mu_\theta, \sigma_\theta)` clipped to [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .schema import PROGRAMME_NAMES, Scenario

__all__ = [
    "CITIZEN_BOUNDS",
    "CouncilState",
    "GovernmentState",
    "PartyState",
    "Population",
    "beta_from_mean_sd",
    "init_population",
]

#: Bounds of every citizen state variable (checked by the invariant tests).
CITIZEN_BOUNDS = {
    "deprivation": (0.0, 1.0),
    "ideology": (-1.0, 1.0),
    "trust_local": (0.0, 1.0),
    "trust_national": (0.0, 1.0),
    "trust_party": (0.0, 1.0),
    "efficacy": (0.0, 1.0),
    "threshold": (0.0, 1.0),
    "service_quality": (0.0, 1.0),
    "expectation_local": (0.0, 1.0),
    "expectation_national": (0.0, 1.0),
}


@dataclass
class Population:
    """Citizens' state, one array element per citizen (structure of arrays)."""

    council: np.ndarray  # int32 council index
    deprivation: np.ndarray  # [0,1]
    quintile: np.ndarray  # int8 0..4, 0 = least deprived
    youth: np.ndarray  # bool
    tenant: np.ndarray  # bool
    ideology: np.ndarray  # [-1,1]
    trust_local: np.ndarray
    trust_national: np.ndarray
    trust_party: np.ndarray  # (n, parties)
    efficacy: np.ndarray
    threshold: np.ndarray
    voted: np.ndarray  # bool: voted at the last election
    land_trust_eligible: np.ndarray  # bool: would join a land trust if one ran
    participating: np.ndarray = field(default=None)  # bool
    heard: np.ndarray = field(default=None)  # bool: participated and was heard this month
    ignored: np.ndarray = field(default=None)  # bool: participated and was ignored
    need: np.ndarray = field(default=None)
    received: np.ndarray = field(default=None)
    service_quality: np.ndarray = field(default=None)
    expectation_local: np.ndarray = field(default=None)
    expectation_national: np.ndarray = field(default=None)
    vote: np.ndarray = field(default=None)  # int16 party index, -1 = did not vote
    disposition_local: np.ndarray = field(default=None)  # initial trust (anchoring)
    disposition_national: np.ndarray = field(default=None)

    def __post_init__(self) -> None:
        n = len(self.council)
        if self.participating is None:
            self.participating = np.zeros(n, dtype=bool)
        if self.heard is None:
            self.heard = np.zeros(n, dtype=bool)
        if self.ignored is None:
            self.ignored = np.zeros(n, dtype=bool)
        if self.disposition_local is None:
            self.disposition_local = self.trust_local.copy()
        if self.disposition_national is None:
            self.disposition_national = self.trust_national.copy()
        if self.vote is None:
            self.vote = np.full(n, -1, dtype=np.int16)

    @property
    def size(self) -> int:
        """Number of citizens."""
        return len(self.council)


@dataclass
class CouncilState:
    """Councils' parameters as arrays over councils (mutable by events)."""

    names: list[str]
    cooperation: np.ndarray
    responsiveness: np.ndarray
    budget: np.ndarray
    efficiency: np.ndarray
    programmes: np.ndarray  # (councils, 4) bool, columns in PROGRAMME_NAMES order

    @property
    def count(self) -> int:
        """Number of councils."""
        return len(self.names)

    def has(self, programme: str) -> np.ndarray:
        """Bool per council: is ``programme`` running."""
        return self.programmes[:, PROGRAMME_NAMES.index(programme)]


@dataclass
class GovernmentState:
    """National government: a model-level actor."""

    centralisation: float
    austerity: float
    grant_share: float
    performance: float
    baseline_performance: float
    performance_recovery: float


@dataclass
class PartyState:
    """Parties as arrays over parties."""

    names: list[str]
    position: np.ndarray
    cooperative: np.ndarray  # bool
    government: int  # index of the governing party, -1 if none
    vote_share: np.ndarray  # shares at the last election (initially equal)


def beta_from_mean_sd(mean: float, sd: float) -> tuple[float, float]:
    r"""Beta(a, b) parameters with the given mean and standard deviation.

    :math:`\kappa = m(1-m)/s^2 - 1`, :math:`a = m\kappa`, :math:`b = (1-m)\kappa`; the sd is
    capped just below its largest possible value :math:`\sqrt{m(1-m)}`.

    >>> a, b = beta_from_mean_sd(0.5, 0.1)
    >>> round(a / (a + b), 6)
    0.5
    """
    m = min(max(mean, 1e-4), 1 - 1e-4)
    s = min(max(sd, 1e-4), 0.99 * np.sqrt(m * (1 - m)))
    kappa = m * (1 - m) / s**2 - 1
    return m * kappa, (1 - m) * kappa


def init_population(sc: Scenario, draw: callable) -> Population:
    """Draw the initial citizens; ``draw(name)`` returns the generator of one variable."""
    p = sc.population
    n = p.size
    councils = sc.resolved_councils()
    shares = np.array([c["share"] for c in councils], dtype=float)
    cum = np.cumsum(shares / shares.sum())
    cum[-1] = 1.0
    council = np.searchsorted(cum, draw("council").random(n), side="right").astype(np.int32)
    council = np.minimum(council, len(councils) - 1)

    dep = draw("deprivation").beta(p.deprivation_alpha, p.deprivation_beta, size=n)
    rank = np.empty(n, dtype=np.int64)
    rank[np.argsort(dep, kind="stable")] = np.arange(n)
    quintile = (rank * 5 // n).astype(np.int8)

    youth = draw("youth").random(n) < p.youth_share
    w = np.exp(3.0 * p.tenant_deprivation_link * (dep - dep.mean()))
    tenant = draw("tenant").random(n) < np.clip(p.tenant_share * w / w.mean(), 0, 1)
    ideology = np.clip(
        draw("ideology").normal(p.ideology_deprivation_link * (dep - 0.5), p.ideology_sd, n),
        -1,
        1,
    )

    def beta(name: str, mean: float, sd: float, size: int | tuple = n) -> np.ndarray:
        a, b = beta_from_mean_sd(mean, sd)
        return draw(name).beta(a, b, size=size)

    trust_local = beta("trust_local", p.trust_local_mean, p.trust_sd)
    trust_national = beta("trust_national", p.trust_national_mean, p.trust_sd)
    efficacy = beta("efficacy", p.efficacy_mean, p.trust_sd)
    threshold = np.clip(draw("threshold").normal(p.threshold_mean, p.threshold_sd, n), 0, 1)
    voted = draw("voted").random(n) < p.turnout_habit
    land = draw("land_trust").random(n) < sc.programmes.land_trust_membership
    land &= quintile >= sc.programmes.land_trust_target_quintile - 1
    gen = draw("trust_party")
    trust_party = np.column_stack(
        [
            gen.beta(*beta_from_mean_sd(party.initial_trust, p.trust_sd), size=n)
            for party in sc.parties
        ]
    )
    return Population(
        council=council,
        deprivation=dep,
        quintile=quintile,
        youth=youth,
        tenant=tenant,
        ideology=ideology,
        trust_local=trust_local,
        trust_national=trust_national,
        trust_party=trust_party,
        efficacy=efficacy,
        threshold=threshold,
        voted=voted,
        land_trust_eligible=land,
    )


def init_councils(sc: Scenario) -> CouncilState:
    """Council arrays from the scenario (per-council values over ``[council]`` defaults)."""
    cs = sc.resolved_councils()
    progs = np.array([[p in c["programmes"] for p in PROGRAMME_NAMES] for c in cs], dtype=bool)
    return CouncilState(
        names=[c["name"] for c in cs],
        cooperation=np.array([c["cooperation"] for c in cs], dtype=float),
        responsiveness=np.array([c["responsiveness"] for c in cs], dtype=float),
        budget=np.array([c["budget"] for c in cs], dtype=float),
        efficiency=np.array([c["efficiency"] for c in cs], dtype=float),
        programmes=progs.reshape(len(cs), len(PROGRAMME_NAMES)),
    )


def init_government(sc: Scenario) -> GovernmentState:
    """National government from the scenario."""
    g = sc.government
    return GovernmentState(
        centralisation=g.centralisation,
        austerity=g.austerity,
        grant_share=g.grant_share,
        performance=g.performance,
        baseline_performance=g.performance,
        performance_recovery=g.performance_recovery,
    )


def init_parties(sc: Scenario) -> PartyState:
    """Parties from the scenario."""
    gov = [i for i, p in enumerate(sc.parties) if p.in_government]
    k = len(sc.parties)
    return PartyState(
        names=[p.name for p in sc.parties],
        position=np.array([p.position for p in sc.parties], dtype=float),
        cooperative=np.array([p.cooperative_platform for p in sc.parties], dtype=bool),
        government=gov[0] if gov else -1,
        vote_share=np.full(k, 1.0 / k),
    )
