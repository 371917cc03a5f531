"""The textbook set-ups of scenarios/textbook/, each run as a user would, against its result.

Each file's header states the published result it must give; these tests hold the files to
it (Granovetter 1978, DeGroot 1974, Deffuant et al. 2000, Centola 2010).
"""

from __future__ import annotations

import numpy as np
import pytest

import sim
from tests._util import ROOT

TEXTBOOK = ROOT / "scenarios" / "textbook"


def _run(name: str, seed: int = 1, **overrides) -> sim.GovernanceModel:
    model = sim.GovernanceModel(
        sim.load_scenario(TEXTBOOK / name, overrides=overrides or None), rng=seed
    )
    return model


@pytest.mark.parametrize("seed", [1, 2])
def test_granovetter_riot_everyone_joins_one_a_month(seed):
    model = _run("granovetter_riot.toml", seed)
    joined = []
    for _ in range(100):
        model.step()
        joined.append(int(model.population.participating.sum()))
    assert joined[:5] == [1, 2, 3, 4, 5]
    assert joined[98] == 99 and joined[99] == 100


def test_granovetter_riot_with_one_threshold_changed_stops_at_one():
    model = _run("granovetter_riot_stalled.toml")
    model.run(100)
    df = model.datacollector.get_model_vars_dataframe()
    assert (df.participation.iloc[1:] == 0.01).all()


def test_granovetter_thresholds_as_shares_cannot_say_it_on_uneven_degree():
    """The same file as shares is refused when a threshold is above 1 (it would be a count)."""
    with pytest.raises(sim.ScenarioError, match="threshold_kind"):
        _run("granovetter_riot.toml", **{"population.threshold_kind": "share"})


def test_degroot_consensus_at_degree_weighted_mean():
    model = _run("degroot_consensus.toml")
    x0 = model.population.trust_local.copy()
    k = model.world.graph.degree
    model.run()
    expected = float((k * x0).sum() / k.sum())
    np.testing.assert_allclose(model.population.trust_local, expected, atol=1e-6)


def test_deffuant_about_one_over_two_epsilon_clusters():
    counts = []
    for seed in (1, 2, 3):
        model = _run("deffuant_clusters.toml", seed)
        mean0 = model.population.trust_local.mean()
        model.run()
        x = np.sort(model.population.trust_local)
        breaks = np.flatnonzero(np.diff(x) > 1e-3)
        sizes = np.diff(np.r_[0, breaks + 1, len(x)])
        counts.append(int((sizes >= 0.02 * len(x)).sum()))
        assert abs(model.population.trust_local.mean() - mean0) < 1e-9  # conserved
    assert all(abs(c - 3) <= 1 for c in counts), counts


def test_centola_spreads_on_lattice_dies_on_random_graph():
    lattice = _run("centola_lattice.toml")
    random = _run("centola_lattice.toml", **{"network.rewire": 1.0})
    lattice.run()
    random.run()
    assert lattice.population.participating.mean() > 0.04
    assert random.population.participating.mean() < 0.01
