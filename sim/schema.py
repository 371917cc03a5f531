"""Scenario schema: every parameter of the model, with its default, unit and range.

The schema is the single source of parameters. Scenario files, ``--set`` overrides,
keyword parameters of :class:`sim.GovernanceModel`, sweep designs and the parameter tables in
``docs/ODD.md`` are all read from these pydantic models.  Every model forbids unknown keys,
so a misspelt key is an error, never silently ignored.

Conventions: trust, efficacy, shares and probabilities are in [0, 1]; rates are per step
(one step is one month by default); ideology positions are in [-1, 1] (left to right).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, create_model, field_validator, model_validator

from . import processes as _processes
from .schema_base import (
    PROGRAMME_NAMES,
    NonNeg,
    Position,
    ProcessSpec,
    Programme,
    Real,
    Unit,
    _Base,
    _no_booleans_for_numbers,
    _Strict,
)

__all__ = [
    "PROGRAMME_NAMES",
    "CouncilDefaults",
    "CouncilSpec",
    "Event",
    "GovernmentSpec",
    "NetworkSpec",
    "PartySpec",
    "PopulationSpec",
    "ProcessSpec",
    "ProcessesSpec",
    "ProgrammesSpec",
    "Scenario",
]

#: Largest population the schema accepts; memory is checked separately at build time.
MAX_POPULATION = 50_000_000


# --------------------------------------------------------------------------- population
class PopulationSpec(_Strict):
    """Who lives in the simulated area and how they start."""

    size: int = Field(2000, ge=2, le=MAX_POPULATION, description="Number of citizens.")
    youth_share: Unit = Field(0.14, description="Share aged 16-24 (ONS mid-year estimates).")
    tenant_share: Unit = Field(
        0.17, description="Share renting social housing (English Housing Survey 2022-23: 16-17%)."
    )
    tenant_deprivation_link: Unit = Field(
        0.6,
        description="How strongly social tenancy concentrates among the deprived "
        "(0 = independent).",
    )
    deprivation_alpha: NonNeg = Field(
        2.0, gt=0, le=1000, description="Beta(alpha, beta) shape of deprivation in [0,1]."
    )
    deprivation_beta: NonNeg = Field(2.0, gt=0, le=1000, description="Beta(alpha, beta) shape.")
    ideology_sd: NonNeg = Field(
        0.45, le=10, description="Spread of ideology (truncated to [-1, 1])."
    )
    ideology_deprivation_link: Real = Field(
        -0.3, ge=-1, le=1, description="Mean ideology shift per unit deprivation (negative: left)."
    )
    trust_local_mean: Unit = Field(0.38, description="Initial mean trust in the council.")
    trust_national_mean: Unit = Field(
        0.30, description="Initial mean trust in national government."
    )
    trust_sd: NonNeg = Field(
        0.15, le=0.5, description="Initial spread of trust (Beta with this sd)."
    )
    efficacy_mean: Unit = Field(0.35, description="Initial mean political efficacy.")
    threshold_mean: Unit = Field(
        0.35, description="Mean participation threshold (share of neighbours taking part)."
    )
    threshold_sd: NonNeg = Field(0.2, le=1, description="Spread of participation thresholds.")
    threshold_kind: Literal["share", "count"] = Field(
        "share",
        description="Participation thresholds as a share of one's neighbours taking part, or "
        "as a count of them (Granovetter 1978 states them as counts of others).",
    )
    thresholds: list[Annotated[float, Field(ge=0, allow_inf_nan=False)]] | None = Field(
        None,
        description="Per-citizen thresholds, one per citizen in citizen order (overrides "
        "threshold_mean/threshold_sd; shares in [0, 1] or counts, per threshold_kind).",
    )
    turnout_habit: Unit = Field(
        0.67, description="Share who voted at the last election before the run (habit)."
    )

    @model_validator(mode="after")
    def _thresholds_fit(self) -> PopulationSpec:
        if self.thresholds is not None:
            if len(self.thresholds) != self.size:
                raise ValueError(
                    f"population.thresholds lists {len(self.thresholds)} values but "
                    f"population.size is {self.size}; give one threshold per citizen"
                )
            if self.threshold_kind == "share" and max(self.thresholds) > 1:
                raise ValueError(
                    "population.thresholds holds values above 1 but threshold_kind is 'share' "
                    "(a share of neighbours, 0 to 1); set threshold_kind = 'count' for counts"
                )
        return self


# --------------------------------------------------------------------------- network
class NetworkSpec(_Strict):
    """The social graph citizens influence each other over."""

    kind: Literal["watts_strogatz", "barabasi_albert", "erdos_renyi", "sbm", "complete", "file"] = (
        Field("watts_strogatz", description="Graph generator.")
    )
    mean_degree: float = Field(
        10.0, ge=1, le=1000, allow_inf_nan=False, description="Average number of ties."
    )
    rewire: Unit = Field(0.1, description="Watts-Strogatz rewiring probability.")
    homophily: Unit = Field(
        0.8, description="SBM: share of ties inside one's own council (stochastic block model)."
    )
    path: str | None = Field(
        None, description="kind='file': edge list (.csv, .txt, .edgelist) or GraphML (.graphml)."
    )

    @model_validator(mode="after")
    def _file_needs_path(self) -> NetworkSpec:
        if self.kind == "file" and not self.path:
            raise ValueError("network.kind = 'file' needs network.path (an edge list or GraphML)")
        return self


# --------------------------------------------------------------------------- councils
class _CouncilParams(_Strict):
    cooperation: Unit | None = Field(
        None,
        description="Share of decisions and budget co-produced with residents (0 = centralised).",
    )
    responsiveness: Unit | None = Field(
        None,
        description="How far residents' input changes decisions (low + cooperation = tokenism).",
    )
    budget: NonNeg | None = Field(
        None,
        le=100,
        description="Budget per resident as a share of average need (1 = could meet all need).",
    )
    efficiency: NonNeg | None = Field(
        None, le=100, description="Service output per unit of budget."
    )
    programmes: list[Programme] | None = Field(None, description="Programmes running from step 0.")


class CouncilDefaults(_CouncilParams):
    """Defaults for every council (``[council]``); per-council entries may override them."""

    count: int = Field(1, ge=1, le=10_000, description="Number of councils when none are listed.")
    cooperation: Unit = Field(
        0.1,
        description="Share of decisions and budget co-produced with residents (0 = centralised).",
    )
    responsiveness: Unit = Field(
        0.5,
        description="How far residents' input changes decisions (low + cooperation = tokenism).",
    )
    budget: NonNeg = Field(
        0.65,
        le=100,
        description="Budget per resident as a share of average need (1 = could meet all need).",
    )
    efficiency: NonNeg = Field(1.0, le=100, description="Service output per unit of budget.")
    programmes: list[Programme] = Field(
        default_factory=list, description="Programmes running from step 0."
    )


class CouncilSpec(_CouncilParams):
    """One named council (``[[councils]]``); unset fields take ``[council]``'s value."""

    name: str = Field(..., min_length=1, max_length=200)
    share: NonNeg = Field(1.0, gt=0, le=1e6, description="Relative population share (normalised).")


# --------------------------------------------------------------------------- parties
class PartySpec(_Strict):
    """A political party."""

    name: str = Field(..., min_length=1, max_length=200)
    position: Position = Field(0.0, description="Ideological position in [-1, 1].")
    cooperative_platform: bool = Field(False, description="Campaigns for co-operative councils.")
    in_government: bool = Field(False, description="Forms the national government at step 0.")
    initial_trust: Unit = Field(0.25, description="Initial mean trust in the party.")


def _default_parties() -> list[PartySpec]:
    return [
        PartySpec(name="Left", position=-0.35, cooperative_platform=True, initial_trust=0.25),
        PartySpec(name="Right", position=0.35, in_government=True, initial_trust=0.25),
    ]


class GovernmentSpec(_Strict):
    """National government policy."""

    centralisation: Unit = Field(
        0.3, description="Share of council decisions fixed by national rules."
    )
    austerity: Unit = Field(0.0, description="Cut to council grants (share of budget).")
    grant_share: Unit = Field(0.6, description="Share of council budgets that is national grant.")
    performance: Unit = Field(
        0.5, description="Perceived national performance (economy, services)."
    )
    performance_recovery: Unit = Field(
        0.02, description="Monthly return of performance toward its baseline after a shock."
    )


# --------------------------------------------------------------------------- programmes
class ProgrammesSpec(_Strict):
    """Parameters of the four council programmes; each acts on its own group."""

    land_trust_target_quintile: int = Field(
        4, ge=1, le=5, description="Land trust: deprivation quintile from which households qualify."
    )
    land_trust_membership: Unit = Field(
        0.3, description="Land trust: share of qualifying households who become members."
    )
    land_trust_need_relief: Unit = Field(
        0.25, description="Land trust: share of members' housing-related need met by the trust."
    )
    land_trust_efficacy: Unit = Field(
        0.02, description="Land trust: monthly efficacy gain of members (community ownership)."
    )
    tenant_voice_opportunity: Unit = Field(
        0.15, description="Tenant voice: added monthly opportunity to take part for tenants."
    )
    tenant_voice_influence: float = Field(
        2.0,
        ge=1,
        le=10,
        allow_inf_nan=False,
        description="Tenant voice: weight of tenants' input in decisions.",
    )
    community_budget_share: Unit = Field(
        0.1, description="Community budgeting: budget share allocated by residents."
    )
    community_budget_opportunity: Unit = Field(
        0.05, description="Community budgeting: added monthly opportunity for all residents."
    )
    youth_opportunity: Unit = Field(
        0.15, description="Youth trust: added monthly opportunity for young people."
    )
    youth_threshold_cut: Unit = Field(
        0.1, description="Youth trust: reduction of young people's participation thresholds."
    )
    youth_efficacy: Unit = Field(
        0.03, description="Youth trust: monthly efficacy gain of participating young people."
    )


# --------------------------------------------------------------------------- processes
#: ``ProcessesSpec`` built for each registry seen, so that unregistering a process brings back
#: the very class scenarios were validated with (equality and pickling of those keep working).
_PROCESSES_SPECS: dict[tuple, type[_Strict]] = {}


def _processes_spec() -> type[_Strict]:
    """The ``[processes]`` table: one field per registered process, in schedule order."""
    key = tuple((p.name, p.spec, p.title) for p in _processes.schedule())
    if key in _PROCESSES_SPECS:
        return _PROCESSES_SPECS[key]
    fields = {
        p.name: (p.spec, Field(default_factory=p.spec, description=p.title))
        for p in _processes.schedule()
    }
    model = create_model("ProcessesSpec", __base__=_Strict, **fields)
    model.__doc__ = "Switches and coefficients of each process; see docs/ODD.md."
    _PROCESSES_SPECS[key] = model
    return model


ProcessesSpec = _processes_spec()

# The process specs under their historical names (each now lives in its process module).
ParticipationSpec = _processes.participation.Spec
ServicesSpec = _processes.services.Spec
TrustExperienceSpec = _processes.trust_experience.Spec
TrustVoiceSpec = _processes.trust_voice.Spec
SocialInfluenceSpec = _processes.social_influence.Spec
ElectionsSpec = _processes.elections.Spec
NetworkChangeSpec = _processes.network_change.Spec


# --------------------------------------------------------------------------- events
Group = Literal["all", "youth", "tenants", "deprived", "least_deprived"]


class _EventBase(_Base):  # no "*" validator: pydantic forbids one on the discriminator
    step: int = Field(..., ge=0, description="Step at which the event happens.")
    councils: list[str] | None = Field(None, description="Council names (default: all).")
    note: str = Field("", description="Free text shown in logs and reports.")

    _numbers = field_validator(
        "step",
        "size",
        "value",
        "share",
        "centralisation",
        "austerity",
        mode="before",
        check_fields=False,
    )(_no_booleans_for_numbers)


class ShockEvent(_EventBase):
    """A one-off change of trust or efficacy (a scandal, a crash)."""

    kind: Literal["shock"] = Field(description="Event kind.")
    target: Literal["trust_local", "trust_national", "efficacy", "trust_parties"] = Field(
        description="What the shock changes."
    )
    size: Annotated[float, Field(ge=-1, le=1, allow_inf_nan=False)] = Field(
        description="Change added to the target (clipped to [0, 1])."
    )
    group: Group = Field("all", description="Who is hit.")
    party: str | None = Field(
        None, description="trust_parties only: the one party hit (default: every party)."
    )


class PerformanceEvent(_EventBase):
    """National performance falls or rises (then recovers at performance_recovery)."""

    kind: Literal["performance"]
    size: Annotated[float, Field(ge=-1, le=1, allow_inf_nan=False)]


class BudgetCutEvent(_EventBase):
    """Councils' budgets are multiplied by (1 - size)."""

    kind: Literal["budget_cut"]
    size: Annotated[float, Field(ge=-1, le=1, allow_inf_nan=False)]


class ProgrammeEvent(_EventBase):
    """A programme starts or stops in the named councils."""

    kind: Literal["programme_start", "programme_stop"]
    programme: Programme


class SetCouncilEvent(_EventBase):
    """A council changes how it governs."""

    kind: Literal["set_cooperation", "set_responsiveness"]
    value: Unit


class NationalPolicyEvent(_EventBase):
    """National government changes centralisation or austerity."""

    kind: Literal["national_policy"]
    centralisation: Unit | None = None
    austerity: Unit | None = None


class MobiliseEvent(_EventBase):
    """A campaign brings part of a group into taking part this month.

    The first ``share`` of the group's members in citizen order take part this month whatever
    their thresholds; from the next month on they decide by the participation rule like anyone
    else. On a ring lattice (Watts-Strogatz with little rewiring) citizen order is position, so
    this seeds one cluster.
    """

    kind: Literal["mobilise"] = Field(description="Event kind.")
    group: Group = Field("all", description="Who is mobilised.")
    share: Unit = Field(
        0.05, le=1e6, description="Share of the group mobilised (a block in citizen order)."
    )


class ElectionEvent(_EventBase):
    """A general election is held this month (a snap election, or a dated one in a timeline).

    ``winner`` imposes who forms the government: the national result, for a population that
    does not decide it alone (Scots under a UK government). The citizens still vote, and
    turnout, shares and the winners' and losers' trust follow their votes against that winner.
    """

    kind: Literal["election"]
    winner: str | None = Field(
        None,
        max_length=200,
        description="Party that forms the government (default: the party with most votes).",
    )


Event = Annotated[
    ShockEvent
    | PerformanceEvent
    | BudgetCutEvent
    | ProgrammeEvent
    | SetCouncilEvent
    | NationalPolicyEvent
    | MobiliseEvent
    | ElectionEvent,
    Field(discriminator="kind"),
]


# --------------------------------------------------------------------------- scenario
class Scenario(_Strict):
    """A whole simulated world: population, network, councils, parties, policy, events."""

    name: str = Field("unnamed", max_length=200, description="Short name of the scenario.")
    description: str = Field(
        "", max_length=20_000, description="What the scenario represents and why."
    )
    extends: str | None = Field(None, description="File this one inherits from (resolved).")
    steps: int = Field(120, ge=0, le=100_000, description="Default run length (months).")
    seed: int = Field(1, ge=0, le=2**63 - 1, description="Default seed for `govsim run`.")
    population: PopulationSpec = Field(default_factory=PopulationSpec)
    network: NetworkSpec = Field(default_factory=NetworkSpec)
    council: CouncilDefaults = Field(default_factory=CouncilDefaults)
    councils: list[CouncilSpec] = Field(default_factory=list)
    parties: list[PartySpec] = Field(default_factory=_default_parties, min_length=2, max_length=6)
    government: GovernmentSpec = Field(default_factory=GovernmentSpec)
    programmes: ProgrammesSpec = Field(default_factory=ProgrammesSpec)
    processes: ProcessesSpec = Field(default_factory=ProcessesSpec)
    events: list[Event] = Field(default_factory=list)

    @field_validator("councils")
    @classmethod
    def _unique_council_names(cls, v: list[CouncilSpec]) -> list[CouncilSpec]:
        names = [c.name for c in v]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"council names must be unique; repeated: {', '.join(dupes)}")
        return v

    @field_validator("parties")
    @classmethod
    def _parties_ok(cls, v: list[PartySpec]) -> list[PartySpec]:
        names = [p.name for p in v]
        if len(set(names)) != len(names):
            raise ValueError("party names must be unique")
        if sum(p.in_government for p in v) > 1:
            raise ValueError("at most one party can be in_government at step 0")
        return v

    @model_validator(mode="after")
    def _events_name_known_councils(self) -> Scenario:
        known = set(self.council_names())
        parties = [p.name for p in self.parties]
        for i, ev in enumerate(self.events):
            for field in ("party", "winner"):
                party = getattr(ev, field, None)
                if party is not None and party not in parties:
                    raise ValueError(
                        f"events[{i}].{field} names {party!r}, which is not a party of this "
                        f"scenario (parties: {', '.join(parties)})"
                    )
            for name in ev.councils or []:
                if name not in known:
                    raise ValueError(
                        f"events[{i}].councils names {name!r}, which is not a council of this "
                        f"scenario (known: {', '.join(sorted(known))})"
                    )
        return self

    # ------------------------------------------------------------------ helpers
    def council_names(self) -> list[str]:
        """Names of the councils, generated (``council_1``...) when none are listed."""
        if self.councils:
            return [c.name for c in self.councils]
        return [f"council_{i + 1}" for i in range(self.council.count)]

    def resolved_councils(self) -> list[dict]:
        """Every council's full parameter set, per-council values over ``[council]`` defaults."""
        d = self.council
        specs = self.councils or [CouncilSpec(name=n) for n in self.council_names()]
        out = []
        for c in specs:
            out.append(
                {
                    "name": c.name,
                    "share": c.share,
                    "cooperation": d.cooperation if c.cooperation is None else c.cooperation,
                    "responsiveness": d.responsiveness
                    if c.responsiveness is None
                    else c.responsiveness,
                    "budget": d.budget if c.budget is None else c.budget,
                    "efficiency": d.efficiency if c.efficiency is None else c.efficiency,
                    "programmes": list(d.programmes if c.programmes is None else c.programmes),
                }
            )
        return out


def _rebuild_processes() -> None:
    """Rebuild ``ProcessesSpec`` and ``Scenario`` after the process registry changed."""
    global ProcessesSpec
    ProcessesSpec = _processes_spec()
    field = Scenario.model_fields["processes"]
    field.annotation = ProcessesSpec
    field.default_factory = ProcessesSpec
    Scenario.model_rebuild(force=True)


_processes.on_change(_rebuild_processes)
