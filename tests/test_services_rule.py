"""The services process applies the documented rule, on random worlds.

``sim.processes.services.allocate`` is the rule as documented (its module docstring and
docs/ODD.md); ``services.step`` must give what ``allocate`` gives for the world's councils,
budgets, programmes, participants and voice memory.  ``allocate`` itself is checked against the
equations restated here term by term, written for reading rather than speed.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.processes import services
from sim.schema_base import PROGRAMME_NAMES

TOL = 1e-12
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def rule(
    need, council, quintile, voice_share, budget, efficiency, coproduced, responsiveness,
    targeting, bonus, overhead,
):  # fmt: skip
    r"""The module docstring's equations, citizen by citizen.

    :math:`R_i = e_c[(1 - s_c) R^{central}_i + s_c (1-\omega)(1+\eta r_c)(r_c R^{voice}_i +
    (1 - r_c) R^{central}_i)]`.
    """
    out = np.empty(len(need))
    for i in range(len(need)):
        c, q = council[i], quintile[i]
        members = council == c
        mean_need = need[members].mean()
        central = budget[c] * ((1 - targeting) + targeting * need[i] / mean_need)
        group_need = need[members & (quintile == q)].sum()
        voice = budget[c] * members.sum() * voice_share[c, q] * need[i] / group_need
        r, s, e = responsiveness[c], coproduced[c], efficiency[c]
        co = (1 - overhead) * (1 + bonus * r) * (r * voice + (1 - r) * central)
        out[i] = e * ((1 - s) * central + s * co)
    return out


def close(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal to ``TOL`` relative to the values' scale."""
    scale = max(1.0, float(np.max(np.abs(b), initial=0.0)))
    return bool(np.all(np.abs(a - b) <= TOL * scale))


@st.composite
def allocation_inputs(draw):
    """Random councils (some possibly empty), quintiles, needs and council parameters."""
    k = draw(st.integers(1, 6))
    n = draw(st.integers(1, 300))
    seed = draw(st.integers(0, 2**32 - 1))
    g = np.random.default_rng(seed)
    council = g.integers(0, k, n).astype(np.int32)
    quintile = g.integers(0, 5, n).astype(np.int8)
    need = g.uniform(0.05, 2.0, n)
    raw = g.random((k, 5)) * (g.random((k, 5)) < 0.7)
    total = raw.sum(axis=1, keepdims=True)
    voice_share = np.divide(raw, total, out=np.zeros_like(raw), where=total > 0)

    def per_council(lo, hi):
        return np.array(draw(st.lists(st.floats(lo, hi), min_size=k, max_size=k)))

    return dict(
        need=need,
        council=council,
        quintile=quintile,
        voice_share=voice_share,
        budget_per_head=per_council(0.0, 3.0),
        efficiency=per_council(0.0, 2.0),
        coproduced_share=per_council(0.0, 1.0),
        responsiveness=per_council(0.0, 1.0),
        central_targeting=draw(st.floats(0.0, 1.0)),
        bonus=draw(st.floats(0.0, 2.0)),
        overhead=draw(st.floats(0.0, 1.0)),
    )


@SETTINGS
@given(allocation_inputs())
def test_allocate_is_the_documented_rule(inputs):
    got = services.allocate(**inputs)
    want = rule(*inputs.values())
    assert close(got, want)


@st.composite
def worlds(draw):
    """A random scenario (councils, programmes, policy) and a random month's participants."""
    k = draw(st.integers(1, 5))
    councils = [
        {
            "name": f"c{i}",
            "share": draw(st.floats(0.2, 3.0)),
            "cooperation": draw(st.floats(0.0, 1.0)),
            "responsiveness": draw(st.floats(0.0, 1.0)),
            "budget": draw(st.floats(0.0, 2.0)),
            "efficiency": draw(st.floats(0.1, 2.0)),
            "programmes": draw(st.lists(st.sampled_from(PROGRAMME_NAMES), unique=True)),
        }
        for i in range(k)
    ]
    data = {
        "population": {"size": draw(st.integers(20, 400))},
        "network": {"mean_degree": 4},
        "councils": councils,
        "government": {
            "centralisation": draw(st.floats(0.0, 1.0)),
            "austerity": draw(st.floats(0.0, 1.0)),
            "grant_share": draw(st.floats(0.0, 1.0)),
        },
        "programmes": {
            "tenant_voice_influence": draw(st.floats(1.0, 10.0)),
            "community_budget_share": draw(st.floats(0.0, 1.0)),
            "land_trust_need_relief": draw(st.floats(0.0, 1.0)),
        },
        "processes": {
            "services": {
                "central_targeting": draw(st.floats(0.0, 1.0)),
                "coproduction_bonus": draw(st.floats(0.0, 2.0)),
                "participation_overhead": draw(st.floats(0.0, 1.0)),
                "voice_memory": draw(st.floats(0.0, 1.0)),
            }
        },
    }
    return (
        sim.scenario_from_dict(data),
        draw(st.integers(0, 2**32 - 1)),
        draw(st.floats(0.0, 1.0)),  # share taking part
        draw(st.floats(0.0, 3.0)),  # budget multiplier scale (events)
    )


@SETTINGS
@given(worlds())
def test_step_gives_what_allocate_gives(world_spec):
    scenario, seed, share, multiplier = world_spec
    model = sim.GovernanceModel(scenario, rng=seed % 1000, citizen_handles=False)
    w, pop, cs, gov, prog = (
        model.world,
        model.population,
        model.world.councils,
        model.world.government,
        scenario.programmes,
    )
    g = np.random.default_rng(seed)
    pop.participating = g.random(pop.size) < share
    w.budget_multiplier = g.uniform(0.0, multiplier, cs.count)
    raw = g.random((cs.count, 5))
    memory = raw / raw.sum(axis=1, keepdims=True)
    w.voice_share = memory.copy()
    spec = scenario.processes.services

    services.step(w, spec, model.streams["services"])

    # the documented inputs of allocate(), from the world as the ODD describes them
    mean_need = np.array(
        [
            pop.need[pop.council == c].mean() if np.any(pop.council == c) else 1.0
            for c in range(cs.count)
        ]
    )
    budget = cs.budget * w.budget_multiplier * (1 - gov.austerity * gov.grant_share) * mean_need
    has = {p: cs.programmes[:, i] for i, p in enumerate(PROGRAMME_NAMES)}
    coproduced = np.clip(
        cs.cooperation * (1 - gov.centralisation)
        + prog.community_budget_share * has["community_budgeting"],
        0,
        1,
    )
    influence = np.where(
        has["tenant_voice"][pop.council] & pop.tenant, prog.tenant_voice_influence, 1.0
    )
    groups = pop.council.astype(np.int64) * 5 + pop.quintile
    now, heard = services.voice_shares(
        influence * pop.participating * pop.need, 1.0, groups, cs.count
    )
    rho = spec.voice_memory
    expected_memory = np.where(heard[:, None], (1 - rho) * memory + rho * now, memory)
    assert close(w.voice_share, expected_memory)
    received = services.allocate(
        pop.need,
        pop.council,
        pop.quintile,
        expected_memory,
        budget,
        cs.efficiency,
        coproduced,
        cs.responsiveness,
        spec.central_targeting,
        spec.coproduction_bonus,
        spec.participation_overhead,
    )
    assert close(pop.received, received)
    relief = has["community_land_trust"][pop.council] & pop.land_trust_eligible
    need_eff = pop.need * (1 - prog.land_trust_need_relief * relief)
    met = np.minimum(received, need_eff)
    quality = np.divide(met, need_eff, out=np.ones_like(met), where=need_eff > 0)
    assert close(pop.service_quality, quality)
    spent = float(np.bincount(pop.council, minlength=cs.count) @ budget)
    vfm = met.sum() / spent if spent > 0 else 0.0
    assert abs(w.value_for_money - vfm) <= TOL * max(1.0, abs(vfm))
