"""The plain Mesa baseline (benchmarks/mesa_baseline.py) follows the same rules as the model.

Both start from the same step-0 state and take the same pre-drawn random numbers (each
citizen of the baseline reads its own entry of the arrays the model draws), so after several
steps every citizen's state must agree.  Discrete outcomes (who took part, who was heard, who
voted and for whom) must agree exactly; continuous ones to 1e-12, since the baseline adds
neighbours' values in the network space's order and in plain Python, not in the sparse
matrix's order.
"""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import sim

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "mesa_baseline", ROOT / "benchmarks" / "mesa_baseline.py"
)
mesa_baseline = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mesa_baseline)

FLOATS = (
    "trust_local",
    "trust_national",
    "efficacy",
    "service_quality",
    "received",
    "expectation_local",
    "expectation_national",
)
EXACT = ("participating", "heard", "voted", "vote")
CASES = {
    "cooperative": (
        ROOT / "scenarios" / "cooperative_council.toml",
        {"population.size": 600, "council.cooperation": 0.9, "processes.elections.interval": 4},
    ),
    "isolated_ties": (
        None,
        {
            "population.size": 500,
            "network.kind": "sbm",
            "network.mean_degree": 1.5,
            "council.count": 3,
            "council.cooperation": 0.7,
            "population.threshold_mean": 0.0,
            "processes.elections.interval": 5,
        },
    ),
}


def _state(citizens, name):
    ordered = sorted(citizens, key=lambda c: c.index)
    return np.array([getattr(c, name) for c in ordered])


@pytest.mark.parametrize("case", sorted(CASES))
def test_baseline_matches_model(case):
    scenario, params = CASES[case]
    steps = 9
    model = sim.GovernanceModel(scenario, rng=5, **params)
    base = mesa_baseline.MesaBaseline(scenario, rng=5, **params)
    start = model.world.population.trust_local.copy()
    participants = 0
    for _ in range(steps):
        model.step()
        base.step()
        pop = model.world.population
        participants += int(pop.participating.sum())
        for name in EXACT:
            np.testing.assert_array_equal(
                _state(base.citizens, name), getattr(pop, name), err_msg=name
            )
        for name in FLOATS:
            np.testing.assert_allclose(
                _state(base.citizens, name), getattr(pop, name), rtol=0, atol=1e-12, err_msg=name
            )
        np.testing.assert_allclose(
            _state(base.citizens, "trust_party"), pop.trust_party, rtol=0, atol=1e-12
        )
    # the comparison is not vacuous: people took part, were heard, voted, and trust moved
    assert participants > 20
    assert model.world.elections_held == base.elections_held >= 1
    assert np.abs(model.world.population.trust_local - start).max() > 0.01
    ours = model.datacollector.get_model_vars_dataframe()
    theirs = base.datacollector.get_model_vars_dataframe()
    for column in theirs:
        np.testing.assert_allclose(theirs[column], ours[column], rtol=0, atol=1e-12, err_msg=column)


def test_baseline_refuses_rules_it_does_not_implement():
    with pytest.raises(ValueError, match="default rules only"):
        mesa_baseline.MesaBaseline(
            rng=1, **{"population.size": 50, "council.programmes": ["youth_trust"]}
        )


# The array model's shortcuts change nothing ---------------------------------------------


def test_networkx_graph_is_built_only_on_request_and_changes_nothing():
    params = {"population.size": 400, "processes.network_change.enabled": True}
    asked = sim.GovernanceModel(rng=8, **params)
    never = sim.GovernanceModel(rng=8, **params)
    for _ in range(6):
        assert asked.graph.number_of_edges() == asked.world.graph.edge_count
        asked.step()
        never.step()
    assert never._nx_graph is None
    assert asked.datacollector.get_model_vars_dataframe().equals(
        never.datacollector.get_model_vars_dataframe()
    )


@pytest.mark.parametrize("kind", ["watts_strogatz", "barabasi_albert", "sbm"])
def test_neighbour_share_is_bit_for_bit_the_sparse_product(kind):
    model = sim.GovernanceModel(
        rng=2, **{"population.size": 3000, "network.kind": kind, "network.mean_degree": 3}
    )
    g = model.world.graph
    rng = np.random.default_rng(0)
    for share in (0.0, 0.01, 0.3, 1.0):  # both counting paths (gather and product)
        mask = rng.random(g.n) < share
        np.testing.assert_array_equal(g.neighbour_share(mask), g.neighbour_mean(mask * 1.0))


def test_writing_through_a_citizen_handle_refreshes_cached_groups():
    model = sim.GovernanceModel(rng=3, **{"population.size": 300})
    model.step()
    citizen = next(c for c in model.agents_by_type[sim.Citizen] if not c.tenant)
    citizen.tenant = True
    model.step()
    pop = model.world.population
    expected = pop.trust_local[pop.tenant].sum() / pop.tenant.sum()
    assert model.observation["trust_local_tenants"] == expected
