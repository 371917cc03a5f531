"""Graph generators: simple graphs, seeded, with their textbook properties."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

import sim
from sim.network import (
    barabasi_albert_edges,
    complete_edges,
    erdos_renyi_edges,
    read_graph_file,
    sbm_edges,
    to_networkx,
    watts_strogatz_edges,
)


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def assert_simple(u: np.ndarray, v: np.ndarray, n: int) -> None:
    assert (u < v).all(), "pairs ordered, no self-loops"
    assert len(np.unique(u.astype(np.int64) * n + v)) == len(u), "no repeated edges"
    assert u.min() >= 0 and v.max() < n


@pytest.mark.parametrize(
    "make",
    [
        lambda r: erdos_renyi_edges(2000, 8, r),
        lambda r: watts_strogatz_edges(2000, 8, 0.2, r),
        lambda r: barabasi_albert_edges(2000, 4, r),
        lambda r: sbm_edges(2000, 8, 0.8, np.repeat(np.arange(4), 500), r),
    ],
)
def test_generators_are_simple_seeded_and_seed_sensitive(make):
    u1, v1 = make(rng(1))
    u2, v2 = make(rng(1))
    u3, _ = make(rng(2))
    assert_simple(u1, v1, 2000)
    np.testing.assert_array_equal(u1, u2)
    np.testing.assert_array_equal(v1, v2)
    assert not np.array_equal(u1, u3) or len(u1) != len(u3)


def test_erdos_renyi_mean_degree():
    u, _ = erdos_renyi_edges(5000, 10, rng())
    assert 2 * len(u) / 5000 == pytest.approx(10, rel=0.03)


def test_watts_strogatz_lattice_clustering_formula():
    k = 10
    u, v = watts_strogatz_edges(1000, k, 0.0, rng())
    g = to_networkx(u, v, 1000)
    assert nx.average_clustering(g) == pytest.approx(3 * (k - 2) / (4 * (k - 1)))
    assert all(d == k for _, d in g.degree())


def test_watts_strogatz_matches_networkx_statistically():
    ours = to_networkx(*watts_strogatz_edges(2000, 10, 0.1, rng(3)), 2000)
    theirs = nx.watts_strogatz_graph(2000, 10, 0.1, seed=3)
    assert ours.number_of_edges() == theirs.number_of_edges()
    assert nx.average_clustering(ours) == pytest.approx(nx.average_clustering(theirs), abs=0.03)


def test_barabasi_albert_has_hubs_and_mean_degree_2m():
    u, v = barabasi_albert_edges(5000, 3, rng())
    deg = np.bincount(np.r_[u, v], minlength=5000)
    assert deg.mean() == pytest.approx(6, rel=0.05)
    assert deg.max() > 60  # a scale-free tail: an ER graph of this density tops out near 15
    theirs = nx.barabasi_albert_graph(5000, 3, seed=0)
    assert deg.max() > 0.4 * max(d for _, d in theirs.degree())


def test_sbm_homophily_share_of_ties_inside_councils():
    block = np.repeat(np.arange(5), 400)
    u, v = sbm_edges(2000, 10, 0.7, block, rng())
    inside = np.mean(block[u] == block[v])
    # within with prob h, plus chance meetings: h + (1 - h)/5
    assert inside == pytest.approx(0.7 + 0.3 / 5, abs=0.03)


def test_complete_graph():
    u, v = complete_edges(6)
    assert len(u) == 15


def test_edge_list_and_graphml_files(tmp_path):
    (tmp_path / "g.csv").write_text("# a triangle plus a tail\n1,2\n2,3\n3,1\n3,10\n")
    n, (u, v) = read_graph_file(tmp_path / "g.csv")
    assert n == 4 and len(u) == 4
    g = nx.path_graph(5)
    nx.write_graphml(g, tmp_path / "p.graphml")
    n, (u, v) = read_graph_file(tmp_path / "p.graphml")
    assert n == 5 and len(u) == 4


def test_model_on_a_users_graph_file(tmp_path):
    nx.write_edgelist(nx.karate_club_graph(), tmp_path / "karate.edgelist", data=False)
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        '[population]\nsize = 34\n[network]\nkind = "file"\npath = "karate.edgelist"\n'
    )
    model = sim.GovernanceModel(sim.load_scenario(scenario), rng=1)
    model.run(steps=3)
    assert model.graph.number_of_edges() == 78


def test_graph_file_size_mismatch_is_explained(tmp_path):
    nx.write_edgelist(nx.path_graph(10), tmp_path / "p.edgelist", data=False)
    scenario = tmp_path / "s.toml"
    scenario.write_text('[population]\nsize = 34\n[network]\nkind = "file"\npath = "p.edgelist"\n')
    with pytest.raises(sim.ScenarioError, match="has 10 nodes but population.size is 34"):
        sim.GovernanceModel(sim.load_scenario(scenario), rng=1)


def test_file_network_needs_a_path():
    with pytest.raises(sim.ScenarioError, match="needs network.path"):
        sim.GovernanceModel(rng=1, **{"network.kind": "file"})


def test_network_change_forms_ties_among_co_participants_that_decay():
    params = {
        "population.size": 400,
        "council.cooperation": 1.0,
        "government.centralisation": 0.0,
        "processes.network_change.enabled": True,
        "processes.network_change.form_rate": 0.5,
        "processes.network_change.decay_rate": 0.2,
    }
    model = sim.GovernanceModel(rng=2, **params)
    base_edges = model.world.graph.edge_count
    model.run(steps=20)
    g = model.world.graph
    assert g.formed.sum() > 0
    assert (~g.formed).sum() == base_edges  # initial ties never decay
    council = model.population.council
    assert (council[g.u[g.formed]] == council[g.v[g.formed]]).all()
    # switching tie formation off lets the formed ties die away
    model.spec.processes.network_change.form_rate = 0.0
    model.run(steps=60)
    assert model.world.graph.formed.sum() < 5


def test_missing_graph_file_is_refused_at_validation(tmp_path):
    scenario = tmp_path / "s.toml"
    scenario.write_text('[population]\nsize = 34\n[network]\nkind = "file"\npath = "gone.csv"\n')
    with pytest.raises(sim.ScenarioError, match="no such graph file"):
        sim.load_scenario(scenario)


@pytest.mark.parametrize("make", ["ws", "ba", "isolated"])
def test_row_normalised_is_scipys_product(make):
    """D^{-1} A built directly: the values and the column order of ``diags(1/k) @ A``."""
    import scipy.sparse as sp

    from sim.network import adjacency
    from sim.state import SocialGraph

    n = 500
    if make == "ws":
        u, v = watts_strogatz_edges(n, 10, 0.1, rng(3))
    elif make == "ba":
        u, v = barabasi_albert_edges(n, 3, rng(4))
    else:  # a graph with isolated citizens (the 1/k = 0 rows hold nothing)
        u, v = erdos_renyi_edges(n, 1.0, rng(5))
    g = SocialGraph(u, v, n)
    a = adjacency(g.u, g.v, n)
    want = sp.diags(g.inverse_degree, format="csr") @ a
    got = g.row_normalised
    assert got.indptr.tolist() == want.indptr.tolist()
    assert got.indices.tolist() == want.indices.tolist()
    assert got.data.tobytes() == want.data.tobytes()
    assert got.indices.dtype == want.indices.dtype and got.shape == want.shape
