r"""Submodel 3, council decisions and services: who receives what, and value for money.

Council :math:`c` has budget per head :math:`B_c = b_c\, m_c (1 - A\,g)\, \bar n_c` (budget as a
share of mean need :math:`\bar n_c`, event multiplier :math:`m_c`, austerity :math:`A` on the
grant share :math:`g`).  A share :math:`s_c = C_c(1 - Z) + s^{CB}_c` of it is co-produced; the
rest follows central priorities, which follow need only partly (targeting :math:`\kappa`):

.. math::  R^{\mathrm{central}}_i = B_c \left[(1-\kappa) + \kappa\, n_i / \bar n_c\right].

The co-produced share follows the needs voiced by participants.  The voice of group
:math:`(c, q)` (council, deprivation quintile) is :math:`V_{cq} = \sum_{j \in P_{cq}} w_j n_j`
(:math:`w_j` = influence; tenants weigh more under tenant voice), and

.. math::  R^{\mathrm{voice}}_i = B_c N_c S_{cq} \frac{n_i}{\sum_{j \in cq} n_j},
           \qquad S_{cq} \leftarrow (1 - \rho) S_{cq} + \rho \frac{V_{cq}}{V_c},

where the voice memory :math:`S` (starting from the central allocation's group shares) is
revised by :math:`\rho` each month in which anyone in the council took part (the budget cycle:
:math:`\rho = 1/12` revises it over a year).

Responsiveness :math:`r_c` sets how far voice changes the allocation (tokenism: :math:`r_c = 0`),
local knowledge adds output :math:`(1 + \eta r_c)`, and running participation costs a share
:math:`\omega`:

.. math::  R_i = e_c \left[(1 - s_c) R^{\mathrm{central}}_i + s_c (1-\omega)(1+\eta r_c)
           \left(r_c R^{\mathrm{voice}}_i + (1 - r_c) R^{\mathrm{central}}_i\right)\right].

Service quality is need met, :math:`Q_i = \min(1, R_i / n^{\mathrm{eff}}_i)` (a land trust meets
part of its members' need), and value for money is need met per unit spent,
:math:`\sum_i \min(R_i, n^{\mathrm{eff}}_i) / \sum_i B_{c(i)}`.

If the participants are unrepresentative (few deprived voices), the co-produced share flows
away from need: the model's channel for participation skewed toward the well-off.

References
----------
.. [1] Ostrom, E. (1996). Crossing the great divide: coproduction, synergy, and development.
   World Development 24(6), 1073-1087. doi:10.1016/0305-750X(95)00023-X
.. [2] Arnstein, S. (1969). A ladder of citizen participation. JAIP 35(4), 216-224.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from ..kernels import of_world, parallel_chunks
from ..schema_base import NonNeg, ProcessSpec, Unit

if TYPE_CHECKING:
    from ..schema import ProgrammesSpec
    from ..state import World

__all__ = [
    "NAME",
    "STREAM",
    "TITLE",
    "Spec",
    "allocate",
    "allocate_from",
    "central_shares",
    "init",
    "need",
    "static_parts",
    "step",
    "tenant_influence",
    "voice_shares",
]

NAME = "services"
TITLE = "Council decisions and services"
STREAM = 4


class Spec(ProcessSpec):
    """Council decisions and the services each citizen receives."""

    need_base: NonNeg = Field(0.5, le=100, description="Need of the least deprived citizen.")
    need_deprivation: NonNeg = Field(1.0, le=100, description="Added need per unit of deprivation.")
    central_targeting: Unit = Field(
        0.5, description="How far central priorities follow need (0 = equal per head)."
    )
    coproduction_bonus: NonNeg = Field(
        0.15, le=2, description="Extra output of co-produced spending per unit responsiveness."
    )
    participation_overhead: Unit = Field(
        0.05, description="Share of the co-produced budget spent running participation."
    )
    voice_memory: Unit = Field(
        1 / 12,
        description="Share of the co-produced allocation revised each month from what "
        "participants said (1/12: a yearly budget cycle).",
    )


def need(deprivation: np.ndarray, base: float, slope: float) -> np.ndarray:
    r"""Need for council services, :math:`n_i = n_0 + n_d\, d_i`."""
    return base + slope * deprivation


def voice_shares(
    voice_weight: np.ndarray, need: np.ndarray, groups: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    r"""This month's voiced need by group, :math:`V_{cq} / V_c`, and which councils heard any.

    >>> shares, heard = voice_shares(np.array([1.0, 0, 0]), np.ones(3), np.array([0, 4, 5]), 2)
    >>> shares.tolist(), heard.tolist()
    ([[1.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0]], [True, False])
    """
    voice_g = np.bincount(groups, weights=voice_weight * need, minlength=5 * k).reshape(k, 5)
    total = voice_g.sum(axis=1, keepdims=True)
    return np.divide(voice_g, total, out=np.zeros_like(voice_g), where=total > 0), total[:, 0] > 0


def allocate(
    need: np.ndarray,
    council: np.ndarray,
    quintile: np.ndarray,
    voice_share: np.ndarray,
    budget_per_head: np.ndarray,
    efficiency: np.ndarray,
    coproduced_share: np.ndarray,
    responsiveness: np.ndarray,
    central_targeting: float,
    bonus: float,
    overhead: float,
) -> np.ndarray:
    """Resources received by each citizen (the equations of this module).

    ``voice_share`` (councils x 5) is the share of each council's co-produced budget that the
    voiced needs direct to each deprivation quintile; ``budget_per_head`` is :math:`B_c`.

    >>> n = np.array([1.0, 1.0, 2.0, 2.0]); c = np.zeros(4, int); q = np.array([0, 0, 4, 4])
    >>> s = np.array([[1 / 3, 0, 0, 0, 2 / 3]])      # voices in proportion to need
    >>> r = allocate(n, c, q, s, np.array([1.5]), np.array([1.0]),
    ...              np.array([1.0]), np.array([1.0]), 0.0, 0.0, 0.0)
    >>> r.round(3).tolist()   # representative voices: resources follow need exactly
    [1.0, 1.0, 2.0, 2.0]
    """
    parts = static_parts(need, council, quintile, len(budget_per_head), central_targeting)
    return allocate_from(
        parts,
        need,
        voice_share,
        budget_per_head,
        efficiency,
        coproduced_share,
        responsiveness,
        bonus,
        overhead,
    )


def static_parts(
    need: np.ndarray, council: np.ndarray, quintile: np.ndarray, k: int, targeting: float
) -> dict[str, np.ndarray]:
    r"""What the allocation derives from need and council membership alone (kept between steps).

    Group codes :math:`5c + q`, residents :math:`N_c`, mean need :math:`\bar n_c`, the central
    priorities' factor :math:`(1-\kappa) + \kappa\, n_i / \bar n_c` and need by group.
    """
    council = council.astype(np.intp)
    groups = council * 5 + quintile
    n_c = np.bincount(council, minlength=k).astype(float)
    need_c = np.bincount(council, weights=need, minlength=k)
    mean_need = np.divide(need_c, n_c, out=np.ones(k), where=n_c > 0)
    return {
        "council": council,
        "groups": groups,
        "n_c": n_c,
        "mean_need": mean_need,
        "central_factor": (1 - targeting) + targeting * need / mean_need[council],
        "need_g": np.bincount(groups, weights=need, minlength=5 * k),
    }


def allocate_from(
    parts: dict[str, np.ndarray],
    need: np.ndarray,
    voice_share: np.ndarray,
    budget_per_head: np.ndarray,
    efficiency: np.ndarray,
    coproduced_share: np.ndarray,
    responsiveness: np.ndarray,
    bonus: float,
    overhead: float,
) -> np.ndarray:
    """:func:`allocate` from its :func:`static_parts` (the one implementation of the rule).

    Per-council factors are formed before they are spread over citizens (a scalar when there
    is one council: the same products, without a gather), and products are taken in place,
    left to right as the equation is written.
    """
    council, groups, n_c = parts["council"], parts["groups"], parts["n_c"]
    k = len(budget_per_head)
    r_c, e_c, s_c = responsiveness, efficiency, coproduced_share

    def spread(per_council: np.ndarray):
        return per_council[0] if k == 1 else per_council[council]

    central = spread(budget_per_head)
    central *= parts["central_factor"]
    need_g = parts["need_g"]
    per_need_g = np.divide(voice_share.ravel(), need_g, out=np.zeros(5 * k), where=need_g > 0)
    voice = spread(budget_per_head * n_c)
    voice *= per_need_g[groups]
    voice *= need
    co_factor = (1 - overhead) * (1 + bonus * r_c) * e_c
    mix = spread(r_c)
    mix *= voice
    rest = spread(1 - r_c)
    rest *= central
    mix += rest
    co = spread(co_factor)
    co *= mix
    received = spread(1 - s_c)
    received *= central
    received *= spread(e_c)
    co *= spread(s_c)
    received += co
    return received


def central_shares(
    need: np.ndarray, council: np.ndarray, quintile: np.ndarray, k: int, targeting: float
) -> np.ndarray:
    """Group shares of a council's budget under central priorities (the voice memory's start)."""
    groups = council.astype(np.int64) * 5 + quintile
    n_c = np.bincount(council, minlength=k).astype(float)
    mean_need = np.divide(
        np.bincount(council, weights=need, minlength=k), n_c, out=np.ones(k), where=n_c > 0
    )
    w = (1 - targeting) + targeting * need / mean_need[council]
    g = np.bincount(groups, weights=w, minlength=5 * k).reshape(k, 5)
    return g / np.maximum(g.sum(axis=1, keepdims=True), 1e-300)


def init(world: World, spec: Spec, rng: np.random.Generator) -> None:
    """Need from deprivation, the voice memory at the central allocation, the first allocation.

    Runs whether or not the process is switched on: service quality is observed from step 0.
    """
    pop = world.population
    pop.need = need(pop.deprivation, spec.need_base, spec.need_deprivation)
    world.voice_share = central_shares(
        pop.need, pop.council, pop.quintile, world.councils.count, spec.central_targeting
    )
    step(world, spec, rng)


def step(world: World, spec: Spec, rng: np.random.Generator) -> None:
    """Allocate this month's services and record quality and value for money.

    The allocation is :func:`allocate`'s (through :func:`allocate_from`), with its
    :func:`static_parts` kept between steps as a derived table.
    """
    pop, cs, g, prog = world.population, world.councils, world.government, world.programmes
    k = cs.count
    st = static_table(world, spec)
    groups, n_c, mean_need = st["groups"], st["n_c"], st["mean_need"]
    fused = of_world(world)
    if fused is not None:  # the whole month in one call, the same operations (sim.kernels)
        need_eff = need_left(world)
        n = pop.size
        received, quality = np.empty(n), np.empty(n)
        voice_share, budget = np.empty((k, 5)), np.empty(k)
        met_total = fused.services_step(
            cs.budget,
            world.budget_multiplier,
            float(1 - g.austerity * g.grant_share),
            mean_need,
            cs.cooperation,
            float(1 - g.centralisation),
            float(prog.community_budget_share),
            cs.has("community_budgeting"),
            pop.participating,
            tenant_influence(world, prog),
            pop.need,
            groups,
            world.voice_share,
            float(1 - spec.voice_memory),
            float(spec.voice_memory),
            st["need_g"],
            cs.responsiveness,
            cs.efficiency,
            float(1 - spec.participation_overhead),
            float(spec.coproduction_bonus),
            st["council"],
            st["central_factor"],
            need_eff,
            need_left_positive(world),
            n_c,
            received,
            quality,
            voice_share,
            budget,
            parallel_chunks(n),  # threads for a million citizens, same bits
        )
        world.voice_share = voice_share
        pop.received = received
        pop.service_quality = quality
        spent = float(np.dot(n_c, budget))
        world.value_for_money = float(met_total / spent) if spent > 0 else 0.0
        return
    budget = cs.budget * world.budget_multiplier * (1 - g.austerity * g.grant_share) * mean_need
    coop = cs.cooperation * (1 - g.centralisation)
    coop = np.clip(coop + prog.community_budget_share * cs.has("community_budgeting"), 0, 1)
    influence = tenant_influence(world, prog)
    # only participants carry voice: the zero weights of the others add nothing to the sums
    parts = np.flatnonzero(pop.participating)
    if len(parts):
        weight = influence[parts] * 1.0 * pop.need[parts]
        now, heard_any = voice_shares(weight, 1.0, groups[parts], k)
    else:
        now, heard_any = np.zeros((k, 5)), np.zeros(k, dtype=bool)
    rho = spec.voice_memory
    world.voice_share = np.where(
        heard_any[:, None], (1 - rho) * world.voice_share + rho * now, world.voice_share
    )
    need_eff = need_left(world)
    need_positive = need_left_positive(world)
    spent = float(np.dot(n_c, budget))
    received = allocate_from(
        st,
        pop.need,
        world.voice_share,
        budget,
        cs.efficiency,
        coop,
        cs.responsiveness,
        spec.coproduction_bonus,
        spec.participation_overhead,
    )
    met = np.minimum(received, need_eff)
    pop.received = received
    if need_positive:
        pop.service_quality = np.divide(met, need_eff)
    else:
        pop.service_quality = np.divide(met, need_eff, out=np.ones_like(met), where=need_eff > 0)
    world.value_for_money = float(met.sum() / spent) if spent > 0 else 0.0


def static_table(world: World, spec: Spec) -> dict[str, np.ndarray]:
    """:func:`static_parts` of this world, kept between steps as a derived table."""
    pop = world.population
    return world.derived(
        "services.static",
        lambda: static_parts(
            pop.need, pop.council, pop.quintile, world.councils.count, spec.central_targeting
        ),
    )


def need_left_positive(world: World) -> bool:
    """Whether every citizen's need left to the council (:func:`need_left`) is positive."""
    return world.derived("services.need_positive", lambda: bool(np.all(need_left(world) > 0)))


def need_left(world: World) -> np.ndarray:
    """Need left to the council once a land trust meets part of its members' need (derived)."""
    pop, cs, prog = world.population, world.councils, world.programmes
    return world.derived(
        "services.need_eff",
        lambda: (
            pop.need
            * (
                1
                - prog.land_trust_need_relief
                * (cs.has("community_land_trust")[pop.council] & pop.land_trust_eligible)
            )
        ),
    )


def tenant_influence(world: World, prog: ProgrammesSpec) -> np.ndarray:
    """Weight of each citizen's voice: tenant voice raises tenants' influence (derived)."""
    pop, cs = world.population, world.councils
    return world.derived(
        "influence",
        lambda: np.where(
            cs.has("tenant_voice")[pop.council] & pop.tenant, prog.tenant_voice_influence, 1.0
        ),
    )
