r"""Submodel 2, participation: who takes part in council decision-making this month.

Opportunity comes from the council's effective cooperation and programmes; motivation from
efficacy, trust and neighbours taking part; cost from deprivation.  A citizen first gets the
chance to take part with probability :math:`o_i` (opportunity), then decides by one of two rules:

Threshold rule (Granovetter 1978): take part when the share of one's neighbours who took part
last month reaches one's effective threshold,

.. math::  p_i = \mathbb{1}[\, s_i \ge \theta_i + c\,d_i - m_E E_i - m_T T_i \,],
           \qquad s_i = (D^{-1} A\, p)_i .

Logit rule: :math:`\Pr(p_i) = \sigma(\beta_0 + \beta_E E_i + \beta_T T_i + \beta_s s_i +
\beta_d d_i)`.

Those who took part last month keep the chance with probability :math:`\pi` (persistence:
standing panels and groups) without a fresh opportunity; they still decide by the rule, so a
group of participants stays together only while its members' thresholds are met (the
mechanism of complex contagion: Centola and Macy 2007; Centola 2010).

References
----------
.. [1] Granovetter, M. (1978). Threshold models of collective behavior. American Journal of
   Sociology 83(6), 1420-1443. doi:10.1086/226707
.. [2] Verba, S., Schlozman, K. L., Brady, H. (1995). Voice and Equality. Harvard UP.
.. [3] Centola, D. (2010). The spread of behavior in an online social network experiment.
   Science 329(5996), 1194-1197. doi:10.1126/science.1185231
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from ..kernels import of_world, parallel_chunks
from ..schema_base import NonNeg, ProcessSpec, Real, Unit

if TYPE_CHECKING:
    from ..schema import ProgrammesSpec
    from ..state import World

__all__ = [
    "NAME",
    "STREAM",
    "TITLE",
    "Spec",
    "effective_cooperation",
    "logit_probability",
    "opportunity",
    "step",
    "threshold_rule",
]

NAME = "participation"
TITLE = "Participation"
STREAM = 3

#: Float tolerance when comparing a neighbour share with a threshold.
TOLERANCE = 1e-9


class Spec(ProcessSpec):
    """Who takes part each month (Granovetter 1978 threshold or logit)."""

    rule: Literal["threshold", "logit"] = Field(
        "threshold", description="Decision rule: Granovetter threshold or logit."
    )
    base_opportunity: Unit = Field(0.1, description="Monthly chance to take part anywhere.")
    cooperation_opportunity: Unit = Field(
        0.5, description="Added chance per unit of effective council cooperation."
    )
    persistence: Unit = Field(
        0.3,
        description="Chance that last month's participants stay involved without a fresh "
        "opportunity (panels, groups).",
    )
    cost_deprivation: NonNeg = Field(
        0.25, le=10, description="Threshold raise per unit deprivation."
    )
    motivation_efficacy: NonNeg = Field(0.3, le=10, description="Threshold cut per unit efficacy.")
    motivation_trust: NonNeg = Field(
        0.1, le=10, description="Threshold cut per unit trust in council."
    )
    logit_intercept: Real = Field(-2.5, ge=-100, le=100, description="Logit rule: intercept.")
    logit_efficacy: Real = Field(
        2.0, ge=-100, le=100, description="Logit rule: weight of efficacy."
    )
    logit_trust: Real = Field(
        1.0, ge=-100, le=100, description="Logit rule: weight of trust in council."
    )
    logit_social: Real = Field(
        3.0, ge=-100, le=100, description="Logit rule: weight of neighbours taking part."
    )
    logit_deprivation: Real = Field(
        -1.5, ge=-100, le=100, description="Logit rule: weight of deprivation."
    )


def threshold_rule(share: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    r"""Granovetter's rule :math:`p_i = \mathbb{1}[s_i \ge \theta_i]`.

    Granovetter's riot: 10 people with thresholds 0, 1, ..., 9 (as counts of others) all join
    one after another.

    >>> n = 10; thr = np.arange(n) / (n - 1); p = np.zeros(n, bool)
    >>> for _ in range(n):
    ...     p = threshold_rule(p.sum() / (n - 1) - p / (n - 1), thr)
    >>> int(p.sum())
    10
    """
    return share + TOLERANCE >= threshold


def logit_probability(x: np.ndarray) -> np.ndarray:
    r"""Logistic function :math:`\sigma(x) = 1 / (1 + e^{-x})`.

    >>> float(logit_probability(np.array([0.0]))[0])
    0.5
    """
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def effective_cooperation(cooperation: np.ndarray, centralisation: float) -> np.ndarray:
    r"""Cooperation left to a council once national rules are set: :math:`C_c (1 - Z)`."""
    return cooperation * (1.0 - centralisation)


def opportunity(world: World, spec: Spec, prog: ProgrammesSpec) -> np.ndarray:
    r"""Monthly chance to take part, :math:`o_i = o_0 + o_C\, C^{\mathrm{eff}}_{c(i)} + \ldots`.

    Programmes add: tenant voice (tenants), community budgeting (everyone in the council),
    youth trust (young people).  Clipped to [0, 1].
    """
    pop, cs = world.population, world.councils
    coop = effective_cooperation(cs.cooperation, world.government.centralisation)
    per_council = spec.base_opportunity + spec.cooperation_opportunity * coop
    per_council = per_council + prog.community_budget_opportunity * cs.has("community_budgeting")
    o = per_council[pop.council]
    o = o + prog.tenant_voice_opportunity * (cs.has("tenant_voice")[pop.council] & pop.tenant)
    o = o + prog.youth_opportunity * (cs.has("youth_trust")[pop.council] & pop.youth)
    return np.clip(o, 0.0, 1.0)


def logit_utility(pop, spec: Spec, share: np.ndarray) -> np.ndarray:
    r"""The logit rule's index :math:`z_i = b_0 + b_E E_i + b_T T_i + b_s s_i + b_d d_i`."""
    return (
        spec.logit_intercept
        + spec.logit_efficacy * pop.efficacy
        + spec.logit_trust * pop.trust_local
        + spec.logit_social * share
        + spec.logit_deprivation * pop.deprivation
    )


def step(world: World, spec: Spec, rng: np.random.Generator) -> None:
    """Decide this month's participants from last month's state."""
    pop, prog = world.population, world.programmes
    n = pop.size
    fused = of_world(world)
    if fused is not None:  # the same arithmetic in one pass (sim.kernels)
        _step_fused(world, spec, rng, fused)
        return
    if world.threshold_kind == "count":  # Granovetter's form: how many others take part
        share = world.graph.neighbour_count(pop.participating).astype(np.float64)
    else:
        share = world.graph.neighbour_share(pop.participating)
    o = opportunity_table(world, spec)
    chance_draw = rng.random(n)
    decide = rng.random(n)  # drawn under both rules, so switching rule keeps later draws
    stay_draw = rng.random(n)
    chance = chance_draw < o
    # last month's participants stay involved without a fresh opportunity (a panel, a group)
    chance |= pop.participating & (stay_draw < spec.persistence)
    if spec.rule == "threshold":
        # theta = threshold + cost d - m_E E - m_T T - youth cut, left to right as written
        theta = world.derived(
            "participation.theta0", lambda: pop.threshold + spec.cost_deprivation * pop.deprivation
        ).copy()
        theta -= spec.motivation_efficacy * pop.efficacy
        theta -= spec.motivation_trust * pop.trust_local
        youth_cut = world.derived(
            "participation.youth_cut",
            lambda: (
                prog.youth_threshold_cut
                * (world.councils.has("youth_trust")[pop.council] & pop.youth)
            ),
        )
        theta -= youth_cut
        willing = threshold_rule(share, theta)
    else:
        z = logit_utility(pop, spec, share)
        willing = decide < logit_probability(z)
    willing &= chance
    mobilised = world.signals.mobilised
    if mobilised is not None:  # a campaign brought these in this month, willing or not
        willing |= mobilised
    pop.participating = willing


def _step_fused(world: World, spec: Spec, rng: np.random.Generator, fused) -> None:
    """:func:`step` through the kernels: neighbour share, chance and rule in one pass."""
    pop, graph = world.population, world.graph
    n = pop.size
    o = opportunity_table(world, spec)
    count_kind = world.threshold_kind == "count"
    start, table = graph.share_table()
    indptr, indices = graph.kernel_csr  # the adjacency's pattern (counts need no order)
    if spec.rule == "threshold":
        chance_draw = rng.random(out=world.scratch("participation.chance", n))
        skip_doubles(rng, n)  # ``decide``, which the threshold rule does not read
        stay_draw = rng.random(out=world.scratch("participation.stay", n))
        theta0, youth_cut = theta_parts(world, spec)
        willing = np.empty(n, dtype=np.bool_)
        fused.participation_graph(
            indptr,
            indices,
            start,
            table,
            count_kind,
            theta0,
            pop.efficacy,
            pop.trust_local,
            youth_cut,
            float(spec.motivation_efficacy),
            float(spec.motivation_trust),
            chance_draw,
            o,
            pop.participating,
            stay_draw,
            float(spec.persistence),
            willing,
            parallel_chunks(n),  # threads for a million citizens, same bits
        )
    else:
        chance_draw, decide, stay_draw = rng.random((3, n))  # = three draws of n, in turn
        share = fused.neighbour_share(indptr, indices, start, table, pop.participating, count_kind)
        chance = chance_draw < o
        chance |= pop.participating & (stay_draw < spec.persistence)
        z = logit_utility(pop, spec, share)
        willing = decide < logit_probability(z)
        willing &= chance
    mobilised = world.signals.mobilised
    if mobilised is not None:  # a campaign brought these in this month, willing or not
        willing |= mobilised
    pop.participating = willing


def opportunity_table(world: World, spec: Spec) -> np.ndarray:
    """:func:`opportunity` per citizen, kept between steps as a derived table."""
    return world.derived(
        "participation.opportunity", lambda: opportunity(world, spec, world.programmes)
    )


def skip_doubles(rng: np.random.Generator, n: int) -> None:
    """Move ``rng`` on as ``rng.random(n)`` would, without making the numbers.

    PCG64 makes each double from one 64-bit output, so ``advance(n)`` leaves the stream where
    the draw would (it also drops a buffered 32-bit half, which ``random`` never leaves).
    """
    if isinstance(rng.bit_generator, np.random.PCG64):
        rng.bit_generator.advance(n)
    else:
        rng.random(n)


def theta_parts(world: World, spec: Spec) -> tuple[np.ndarray, np.ndarray]:
    """Cached parts of the effective threshold: ``threshold + c d`` and the youth cut."""
    pop, prog = world.population, world.programmes
    theta0 = world.derived(
        "participation.theta0", lambda: pop.threshold + spec.cost_deprivation * pop.deprivation
    )
    youth_cut = world.derived(
        "participation.youth_cut_full",
        lambda: np.broadcast_to(
            np.asarray(
                prog.youth_threshold_cut
                * (world.councils.has("youth_trust")[pop.council] & pop.youth),
                dtype=np.float64,
            ),
            theta0.shape,
        ),
    )
    return theta0, youth_cut
