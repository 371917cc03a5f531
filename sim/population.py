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

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .schema import Scenario
from .schema_base import PROGRAMME_NAMES

__all__ = [
    "CITIZEN_BOUNDS",
    "INPUTS",
    "VARIABLES",
    "CouncilState",
    "GovernmentState",
    "PartyState",
    "Population",
    "Variable",
    "beta_from_mean_sd",
    "init_population",
]


@dataclass(frozen=True)
class Variable:
    """One citizen variable: a column of the population's structure of arrays.

    Attributes
    ----------
    name : str
        Attribute name on :class:`Population` (and on :class:`sim.Citizen` when ``handle``).
    dtype : str
        numpy dtype of the array.
    description : str
        What it is, in words (shown in docs and ``help(sim.Citizen)``).
    init : str
        How it starts: ``"drawn"`` (by :func:`init_population`, from its own random
        sub-stream), ``"zeros"``, ``"fill:<value>"``, ``"copy:<variable>"`` (a copy of another
        variable's initial values) or ``"process:<name>"`` (set by that process's ``init``).
    bounds : tuple of float or None
        Allowed range, checked by the invariant tests.
    input : bool
        Fixed after set-up.  Stored read-only: an in-place write raises, and assigning a new
        array rebuilds every derived table (``World.derived``).
    per_party : bool
        One column per party (shape ``(n, parties)``).
    metric : str or None
        Observed by group under this metric name (``<metric>_q1`` ... ``_tenants``).
    handle : bool
        Exposed as an attribute of the :class:`sim.Citizen` Mesa agents.
    """

    name: str
    dtype: str
    description: str
    init: str = "drawn"
    bounds: tuple[float, float] | None = None
    input: bool = False
    per_party: bool = False
    metric: str | None = None
    handle: bool = True


_U = (0.0, 1.0)

#: Every citizen variable, one declaration each: the population arrays, the ``Citizen``
#: attributes, the memory estimate, the bounds checks and the by-group metrics derive from it.
VARIABLES: tuple[Variable, ...] = (
    Variable(
        "council",
        "int32",
        "Index of the council the citizen lives under.",
        input=True,
        handle=False,
    ),
    Variable(
        "deprivation", "float64", "Deprivation in [0, 1] (Beta distributed).", bounds=_U, input=True
    ),
    Variable(
        "quintile",
        "int8",
        "Deprivation quintile 0-4 by rank (0 = least deprived).",
        input=True,
        handle=False,
    ),
    Variable("youth", "bool", "Aged 16-24.", input=True),
    Variable("tenant", "bool", "Rents social housing.", input=True),
    Variable(
        "ideology", "float64", "Left-right position in [-1, 1].", bounds=(-1.0, 1.0), input=True
    ),
    Variable(
        "threshold",
        "float64",
        "Participation threshold: the share (or count, see population.threshold_kind) "
        "of neighbours taking part that moves the citizen to take part.",
        input=True,
    ),
    Variable(
        "land_trust_eligible",
        "bool",
        "Would join a community land trust if one ran.",
        input=True,
        handle=False,
    ),
    Variable(
        "need",
        "float64",
        "Need for council services (from deprivation).",
        init="process:services",
        input=True,
        handle=False,
    ),
    Variable("trust_local", "float64", "Trust in the council.", bounds=_U, metric="trust_local"),
    Variable(
        "trust_national",
        "float64",
        "Trust in national government.",
        bounds=_U,
        metric="trust_national",
    ),
    Variable(
        "trust_party", "float64", "Trust in each party.", bounds=_U, per_party=True, handle=False
    ),
    Variable(
        "participating",
        "bool",
        "Takes part in council decisions this month.",
        init="zeros",
        metric="participation",
    ),
    Variable(
        "efficacy",
        "float64",
        "Political efficacy: the sense that taking part matters.",
        bounds=_U,
        metric="efficacy",
    ),
    Variable(
        "disposition_local",
        "float64",
        "Own disposition to trust the council (the anchor of social influence).",
        init="copy:trust_local",
        bounds=_U,
        handle=False,
    ),
    Variable(
        "disposition_national",
        "float64",
        "Own disposition to trust national government (anchor).",
        init="copy:trust_national",
        bounds=_U,
        handle=False,
    ),
    Variable("heard", "bool", "Took part and was heard this month.", init="zeros"),
    Variable(
        "ignored", "bool", "Took part and was ignored this month.", init="zeros", handle=False
    ),
    Variable(
        "received",
        "float64",
        "Resources received this month.",
        init="process:services",
        handle=False,
    ),
    Variable(
        "service_quality",
        "float64",
        "Share of need met this month.",
        init="process:services",
        bounds=_U,
        metric="service_quality",
    ),
    Variable(
        "expectation_local",
        "float64",
        "Expected service quality.",
        init="process:trust_experience",
        bounds=_U,
        handle=False,
    ),
    Variable(
        "expectation_national",
        "float64",
        "Expected national performance.",
        init="process:trust_experience",
        bounds=_U,
        handle=False,
    ),
    Variable(
        "voted",
        "bool",
        "Voted at the last election.",
    ),
    Variable(
        "vote",
        "int16",
        "Party voted for at the last election (-1 = did not vote).",
        init="fill:-1",
        handle=False,
    ),
)

_BY_NAME = {v.name: v for v in VARIABLES}
#: Names of the variables fixed after set-up (read-only arrays).
INPUTS = frozenset(v.name for v in VARIABLES if v.input)
#: The variables that are not inputs (replaced by the processes every month).
_MONTHLY = frozenset(v.name for v in VARIABLES if not v.input)
#: Bounds of every bounded citizen variable (checked by the invariant tests).
CITIZEN_BOUNDS = {v.name: v.bounds for v in VARIABLES if v.bounds is not None}


def bytes_per_citizen(parties: int) -> int:
    """Bytes of array state per citizen with ``parties`` parties (from :data:`VARIABLES`)."""
    return sum(np.dtype(v.dtype).itemsize * (parties if v.per_party else 1) for v in VARIABLES)


class Population:
    """Citizens' state: one array per :data:`VARIABLES` entry, one element per citizen.

    Inputs (``council``, ``deprivation``, ``threshold``...) are read-only arrays: writing into
    one raises ``ValueError: assignment destination is read-only``; assigning a whole new array
    (``pop.threshold = values``) is honoured and rebuilds the tables derived from it.  The
    other variables are replaced by the processes every month and read fresh each time, so
    writing into them in place takes effect at the next step.
    """

    def __init__(self, parties: int, **drawn: np.ndarray):
        object.__setattr__(self, "_on_input", None)
        n = len(drawn["council"])
        object.__setattr__(self, "size", n)
        for var in VARIABLES:
            shape = (n, parties) if var.per_party else n
            if var.name in drawn:
                value = drawn[var.name]
            elif var.init.startswith("copy:"):
                value = drawn[var.init[5:]].copy()
            elif var.init.startswith("fill:"):
                value = np.full(shape, float(var.init[5:]), dtype=var.dtype)
            else:  # "zeros", or set by a process's init (zeros until then)
                value = np.zeros(shape, dtype=var.dtype)
            self._store(var.name, value)

    def _store(self, name: str, value: np.ndarray) -> None:
        var = _BY_NAME[name]
        if var.input:
            value = np.array(value, dtype=var.dtype, copy=True)
            value.setflags(write=False)
        object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: np.ndarray) -> None:
        if name in _MONTHLY:  # the processes' monthly writes: stored as given
            object.__setattr__(self, name, value)
            return
        if name not in _BY_NAME:
            raise AttributeError(
                f"Population has no variable {name!r}; the variables are listed in "
                "sim.population.VARIABLES (add one there: docs/extending.md)"
            )
        self._store(name, value)
        if name in INPUTS and self._on_input is not None:
            self._on_input()

    def __setstate__(self, state: dict) -> None:
        """Restore a copied or unpickled population with its inputs read-only again.

        ``copy.deepcopy`` and ``pickle`` rebuild arrays writeable; without this a copied
        model would take in-place writes to inputs that its derived tables never see.
        """
        self.__dict__.update(state)
        for name in INPUTS:
            if name in state:
                self._store(name, state[name])

    def set_monthly(self, names: tuple[str, ...], arrays) -> None:
        """Store ``arrays`` as the monthly variables ``names``, as assigning each one does.

        One call for the month's new state (:mod:`sim.month`); an input among ``names``
        raises, as inputs are replaced one at a time, through assignment.
        """
        if not _MONTHLY.issuperset(names):
            raise AttributeError(f"not monthly variables: {sorted(set(names) - _MONTHLY)}")
        self.__dict__.update(zip(names, arrays, strict=True))

    def watch_inputs(self, callback: Callable[[], None] | None) -> None:
        """Call ``callback()`` after any input variable is replaced (the world's derived tables)."""
        object.__setattr__(self, "_on_input", callback)

    def __repr__(self) -> str:
        return f"Population(size={self.size}, variables={len(VARIABLES)})"


class _Watched:
    """Arrays whose replacement clears the world's derived tables; stored read-only."""

    _watched: tuple[str, ...] = ()

    def watch(self, callback: Callable[[], None] | None) -> None:
        """Call ``callback()`` after a watched field is replaced."""
        object.__setattr__(self, "_on_change", callback)

    def __setstate__(self, state: dict) -> None:
        """Restore a copied or unpickled state with its watched arrays read-only again."""
        self.__dict__.update(state)
        for name in self._watched:
            value = state.get(name)
            if isinstance(value, np.ndarray):
                value.setflags(write=False)

    def __setattr__(self, name: str, value) -> None:
        if name in self._watched:
            if isinstance(value, np.ndarray):
                value = value.copy()
                value.setflags(write=False)
            object.__setattr__(self, name, value)
            callback = getattr(self, "_on_change", None)
            if callback is not None:
                callback()
        else:
            object.__setattr__(self, name, value)


@dataclass
class CouncilState(_Watched):
    """Councils' parameters as arrays over councils.

    Read-only arrays: events and :class:`sim.Council` handles replace them (which rebuilds the
    derived tables); writing into one in place raises.
    """

    _watched = ("cooperation", "responsiveness", "budget", "efficiency", "programmes")

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
class GovernmentState(_Watched):
    """National government: a model-level actor (policy changes rebuild derived tables)."""

    _watched = ("centralisation", "austerity", "grant_share")

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
    if p.thresholds is not None:  # as listed (the draw above still happens: stable streams)
        threshold = np.asarray(p.thresholds, dtype=np.float64)
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
        len(sc.parties),
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
