"""Each process alone against its textbook result (all other processes switched off)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from _util import small_model

from sim.processes.participation import threshold_rule
from sim.processes.social_influence import degroot, random_matching
from sim.processes.trust_experience import asymmetric_update
from sim.state import SocialGraph


# --------------------------------------------------------------------------- DeGroot
def _degroot_only(**params):
    return dict(
        **{
            "processes.social_influence.rule": "degroot",
            "processes.social_influence.anchoring": 0.0,
            "processes.social_influence.local_to_national": 0.0,
            "processes.social_influence.national_to_local": 0.0,
        },
        **params,
    )


@pytest.mark.parametrize(
    ("kind", "extra"),
    [
        ("barabasi_albert", {"network.mean_degree": 4}),  # very unequal degrees
        ("erdos_renyi", {"network.mean_degree": 8}),
        ("watts_strogatz", {"network.mean_degree": 6, "network.rewire": 0.3}),
    ],
)
def test_degroot_reaches_degree_weighted_mean(kind, extra):
    params = _degroot_only(
        **{"population.size": 300, "network.kind": kind, "processes.social_influence.weight": 0.7},
        **extra,
    )
    model = small_model("social_influence", rng=3, **params)
    g = model.graph
    assert nx.is_connected(g), "textbook result needs a connected graph"
    k = model.world.graph.degree
    x0 = model.population.trust_local.copy()
    expected = float(np.dot(k, x0) / k.sum())
    plain_mean = float(x0.mean())
    model.run(steps=600)
    x = model.population.trust_local
    np.testing.assert_allclose(x, expected, atol=1e-9)
    # and it is the degree-weighted mean, not the plain mean, on an unequal graph
    if kind == "barabasi_albert":
        assert abs(expected - plain_mean) > 1e-4


def test_degroot_on_karate_club_matches_stationary_distribution():
    g = nx.karate_club_graph()
    u, v = (np.array(a) for a in zip(*g.edges(), strict=True))
    graph = SocialGraph(np.minimum(u, v), np.maximum(u, v), g.number_of_nodes())
    x = np.linspace(0, 1, g.number_of_nodes())
    deg = np.array([d for _, d in sorted(g.degree())], dtype=float)
    for _ in range(2000):
        x = degroot(x, graph, 0.5)
    np.testing.assert_allclose(x, np.dot(deg, np.linspace(0, 1, len(deg))) / deg.sum(), atol=1e-10)


def test_degroot_weight_zero_moves_nothing():
    model = small_model(
        "social_influence", **_degroot_only(**{"processes.social_influence.weight": 0.0})
    )
    x0 = model.population.trust_local.copy()
    model.run(steps=5)
    np.testing.assert_array_equal(model.population.trust_local, x0)


# --------------------------------------------------------------------------- Deffuant
def _deffuant_model(epsilon: float, seed: int, n: int = 200):
    params = {
        "population.size": n,
        "network.kind": "complete",
        "processes.social_influence.rule": "deffuant",
        "processes.social_influence.epsilon": epsilon,
        "processes.social_influence.mu": 0.5,
        "processes.social_influence.anchoring": 0.0,
        "processes.social_influence.local_to_national": 0.0,
        "processes.social_influence.national_to_local": 0.0,
    }
    model = small_model("social_influence", rng=seed, **params)
    # Deffuant et al. (2000) start from uniform opinions
    model.population.trust_local = np.random.default_rng(seed).uniform(0, 1, n)
    return model


def _clusters(x: np.ndarray, min_share: float = 0.02) -> int:
    xs = np.sort(x)
    breaks = np.flatnonzero(np.diff(xs) > 1e-3)
    sizes = np.diff(np.r_[0, breaks + 1, len(xs)])
    return int((sizes >= min_share * len(xs)).sum())


@pytest.mark.parametrize("epsilon", [0.1, 0.15, 0.25, 0.5])
def test_deffuant_cluster_count_about_one_over_two_epsilon(epsilon):
    counts = []
    for seed in (1, 2, 3):
        model = _deffuant_model(epsilon, seed)
        model.run(steps=300)
        counts.append(_clusters(model.population.trust_local))
    expected = max(1, int(1 / (2 * epsilon)))
    assert abs(float(np.median(counts)) - expected) <= 1, (counts, expected)


def test_deffuant_conserves_the_mean():
    model = _deffuant_model(0.2, seed=5)
    before = model.population.trust_local.mean()
    model.run(steps=50)
    after = model.population.trust_local.mean()
    assert after == pytest.approx(before, abs=1e-12)
    assert model.population.trust_local.std() < 0.29  # and something did happen


def test_random_matching_is_a_matching_of_existing_ties():
    g = nx.gnm_random_graph(100, 400, seed=1)
    u, v = (np.array(a) for a in zip(*g.edges(), strict=True))
    a, b = random_matching(u, v, 100, np.random.default_rng(0))
    ends = np.r_[a, b]
    assert len(np.unique(ends)) == len(ends)
    assert all(g.has_edge(i, j) for i, j in zip(a, b, strict=True))
    assert len(a) > 20  # maximal: a greedy matching of 400 random ties is large


# --------------------------------------------------------------------------- Granovetter
def _riot_model(thresholds: np.ndarray):
    n = len(thresholds)
    params = {
        "population.size": n,
        "network.kind": "complete",
        "processes.participation.rule": "threshold",
        "processes.participation.base_opportunity": 1.0,
        "processes.participation.cooperation_opportunity": 0.0,
        "processes.participation.cost_deprivation": 0.0,
        "processes.participation.motivation_efficacy": 0.0,
        "processes.participation.motivation_trust": 0.0,
    }
    model = small_model("participation", **params)
    model.population.threshold = thresholds / (n - 1)  # as a share of the others
    return model


@pytest.mark.parametrize("n", [10, 100])
def test_granovetter_riot_everyone_joins(n):
    model = _riot_model(np.arange(n, dtype=float))
    counts = []
    for _ in range(n + 2):
        model.step()
        counts.append(int(model.population.participating.sum()))
    assert counts[:n] == list(range(1, n + 1))  # one more each month
    assert counts[-1] == n


@pytest.mark.parametrize("n", [10, 100])
def test_granovetter_riot_one_changed_threshold_stops_it(n):
    thresholds = np.arange(n, dtype=float)
    thresholds[1] = 2  # Granovetter: the person with threshold 1 now needs 2
    model = _riot_model(thresholds)
    model.run(steps=n + 2)
    assert int(model.population.participating.sum()) == 1


def test_threshold_rule_is_a_step_function():
    share = np.array([0.0, 0.2, 0.2, 0.5])
    thr = np.array([0.0, 0.2, 0.3, 0.6])
    assert threshold_rule(share, thr).tolist() == [True, True, False, False]


# --------------------------------------------------------------------------- trust asymmetry
def test_asymmetric_update_minus_d_then_plus_d_ends_below_start():
    t0 = np.linspace(0.2, 0.8, 7)
    e = np.full(7, 0.5)
    t1 = asymmetric_update(t0, e - 0.1, e, up=0.05, down=0.15)
    t2 = asymmetric_update(t1, e + 0.1, e, up=0.05, down=0.15)
    np.testing.assert_allclose(t2, t0 - (0.15 - 0.05) * 0.1)
    # symmetric rates: back exactly where it started
    s = asymmetric_update(asymmetric_update(t0, e - 0.1, e, 0.1, 0.1), e + 0.1, e, 0.1, 0.1)
    np.testing.assert_allclose(s, t0)


def test_performance_shock_down_then_up_leaves_national_trust_lower():
    d, up, down = 0.1, 0.05, 0.15
    params = {
        "processes.trust_experience.up_rate": up,
        "processes.trust_experience.down_rate": down,
        "processes.trust_experience.expectation_rate": 0.0,
        "processes.trust_experience.national_blame": 0.0,
        "government.performance_recovery": 0.0,
        "events": [
            {"step": 1, "kind": "performance", "size": -d},
            {"step": 2, "kind": "performance", "size": 2 * d},
            {"step": 3, "kind": "performance", "size": -d},
        ],
    }
    model = small_model("events", "trust_experience", **params)
    t0 = model.population.trust_national.copy()
    model.run(steps=4)
    t = model.population.trust_national
    free = t0 > down * d + 1e-9  # not clipped at 0 on the way down
    np.testing.assert_allclose(t[free], t0[free] - (down - up) * d, atol=1e-12)
    assert t.mean() < t0.mean()


# --------------------------------------------------------------------------- Centola
def _contagion_model(rewire: float, seed: int):
    params = {
        "population.size": 1000,
        "network.kind": "watts_strogatz",
        "network.mean_degree": 8,
        "network.rewire": rewire,
        "council.cooperation": 0.0,
        "processes.participation.base_opportunity": 0.3,
        "processes.participation.cooperation_opportunity": 0.0,
        "processes.participation.persistence": 1.0,
        "processes.participation.cost_deprivation": 0.0,
        "processes.participation.motivation_efficacy": 0.0,
        "processes.participation.motivation_trust": 0.0,
        "population.threshold_mean": 0.3,  # complex contagion: needs 3 of 8 neighbours
        "population.threshold_sd": 0.05,
        "events": [{"step": 1, "kind": "mobilise", "share": 0.03}],
    }
    return small_model("events", "participation", rng=seed, **params)


def test_complex_contagion_spreads_on_clustered_not_random_graphs():
    """Centola (2010): a behaviour needing several contacts spreads on a clustered lattice."""
    for seed in (1, 2):
        lattice, random = _contagion_model(0.0, seed), _contagion_model(1.0, seed)
        lattice.run(steps=40)
        random.run(steps=40)
        assert lattice.population.participating.mean() > 0.04  # grew from the 3% seed
        assert random.population.participating.mean() < 0.01  # died out
