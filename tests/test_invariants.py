"""Invariants over random valid scenarios: every state variable in bounds, no NaN."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.metrics import BOUNDED, HEADLINE
from sim.population import CITIZEN_BOUNDS
from sim.schema import PROGRAMME_NAMES

unit = st.floats(0, 1, allow_nan=False)

overrides = st.fixed_dictionaries(
    {
        "population.size": st.integers(20, 250),
        "population.youth_share": unit,
        "population.tenant_share": unit,
        "population.trust_sd": st.floats(0.01, 0.5),
        "population.threshold_sd": unit,
        "network.kind": st.sampled_from(
            ["watts_strogatz", "barabasi_albert", "erdos_renyi", "sbm", "complete"]
        ),
        "network.mean_degree": st.floats(1, 12),
        "network.rewire": unit,
        "network.homophily": unit,
        "council.count": st.integers(1, 5),
        "council.cooperation": unit,
        "council.responsiveness": unit,
        "council.budget": st.floats(0, 3),
        "council.efficiency": st.floats(0, 2),
        "council.programmes": st.lists(st.sampled_from(PROGRAMME_NAMES), unique=True),
        "government.centralisation": unit,
        "government.austerity": unit,
        "government.performance": unit,
        "processes.participation.rule": st.sampled_from(["threshold", "logit"]),
        "processes.participation.base_opportunity": unit,
        "processes.social_influence.rule": st.sampled_from(["degroot", "deffuant", "none"]),
        "processes.social_influence.weight": unit,
        "processes.trust_voice.heard_trust_gain": unit,
        "processes.trust_voice.ignored_trust_loss": unit,
        "processes.trust_voice.legitimacy_spillover": unit,
        "processes.trust_experience.up_rate": unit,
        "processes.trust_experience.down_rate": unit,
        "processes.elections.interval": st.integers(1, 12),
        "processes.network_change.enabled": st.booleans(),
        "processes.network_change.form_rate": unit,
        "processes.network_change.decay_rate": unit,
    }
)

events = st.lists(
    st.one_of(
        st.fixed_dictionaries(
            {
                "step": st.integers(0, 10),
                "kind": st.just("shock"),
                "target": st.sampled_from(
                    ["trust_local", "trust_national", "efficacy", "trust_parties"]
                ),
                "size": st.floats(-1, 1),
                "group": st.sampled_from(["all", "youth", "tenants", "deprived"]),
            }
        ),
        st.fixed_dictionaries(
            {"step": st.integers(0, 10), "kind": st.just("budget_cut"), "size": st.floats(-1, 1)}
        ),
        st.fixed_dictionaries(
            {"step": st.integers(0, 10), "kind": st.just("performance"), "size": st.floats(-1, 1)}
        ),
        st.fixed_dictionaries(
            {
                "step": st.integers(0, 10),
                "kind": st.sampled_from(["programme_start", "programme_stop"]),
                "programme": st.sampled_from(PROGRAMME_NAMES),
            }
        ),
        st.fixed_dictionaries({"step": st.integers(1, 10), "kind": st.just("election")}),
        st.fixed_dictionaries(
            {
                "step": st.integers(0, 10),
                "kind": st.just("mobilise"),
                "share": unit,
                "group": st.sampled_from(["all", "youth", "tenants", "deprived"]),
            }
        ),
    ),
    max_size=4,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=overrides, timeline=events, seed=st.integers(0, 2**32 - 1))
def test_state_and_metrics_stay_in_bounds(params, timeline, seed):
    model = sim.GovernanceModel(rng=seed, **params, events=timeline)
    model.run(steps=12)
    pop = model.population
    for name, (lo, hi) in CITIZEN_BOUNDS.items():
        x = getattr(pop, name)
        assert not np.isnan(x).any(), name
        assert x.min() >= lo and x.max() <= hi, (name, x.min(), x.max())
    df = model.datacollector.get_model_vars_dataframe()
    for m in HEADLINE:
        assert not df[m].isna().any(), m
    for m in BOUNDED:
        assert df[m].between(0, 1).all(), (m, df[m].min(), df[m].max())
    assert df["participation_gap"].between(-1, 1).all()
    assert (df["value_for_money"] >= 0).all() and np.isfinite(df["value_for_money"]).all()
    shares = df[[c for c in df.columns if c.startswith("vote_share_")]].sum(axis=1)
    np.testing.assert_allclose(shares, 1.0)
