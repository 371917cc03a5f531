"""Same scenario and seed give identical results; processes draw from their own streams."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _util import ROOT, only

import sim


def frame(model: sim.GovernanceModel) -> pd.DataFrame:
    return model.datacollector.get_model_vars_dataframe()


def test_same_seed_identical_results():
    sc = sim.load_scenario(ROOT / "scenarios/cooperative_council.toml", {"population.size": 400})
    a = sim.GovernanceModel(sc, rng=7)
    b = sim.GovernanceModel(sc, rng=7)
    a.run(steps=30)
    b.run(steps=30)
    pd.testing.assert_frame_equal(frame(a), frame(b), check_exact=True)
    np.testing.assert_array_equal(a.population.trust_local, b.population.trust_local)


def test_different_seed_different_results():
    a = sim.GovernanceModel(rng=1, **{"population.size": 300})
    b = sim.GovernanceModel(rng=2, **{"population.size": 300})
    a.run(steps=10)
    b.run(steps=10)
    assert not frame(a)["trust_local"].equals(frame(b)["trust_local"])


def test_rng_none_records_entropy_that_reproduces_the_run():
    a = sim.GovernanceModel(**{"population.size": 200})
    b = sim.GovernanceModel(rng=np.random.SeedSequence(a.seed_entropy), **{"population.size": 200})
    a.run(steps=5)
    b.run(steps=5)
    pd.testing.assert_frame_equal(frame(a), frame(b), check_exact=True)


@pytest.mark.parametrize("off", ["trust_voice", "elections", "social_influence", "network_change"])
def test_switching_a_process_off_keeps_other_streams(off):
    on = {"processes.network_change.enabled": True, "processes.elections.interval": 3}
    a = sim.GovernanceModel(rng=5, **{"population.size": 300}, **on)
    b = sim.GovernanceModel(
        rng=5, **{"population.size": 300}, **{**on, f"processes.{off}.enabled": False}
    )
    a.run(steps=8)
    b.run(steps=8)
    for name in ("participation", "trust_voice", "elections", "social_influence", "network_change"):
        if name == off:
            continue
        sa = a.streams[name].bit_generator.state
        sb = b.streams[name].bit_generator.state
        assert sa == sb, f"switching off {off} shifted the draws of {name}"


def test_initial_population_shared_across_scenarios_of_same_size():
    """Common random numbers: a different network or council setting does not move citizens."""
    a = sim.GovernanceModel(rng=9, **{"population.size": 500})
    b = sim.GovernanceModel(
        rng=9,
        **{"population.size": 500, "network.kind": "sbm", "council.cooperation": 0.9},
    )
    for name in ("deprivation", "trust_local", "trust_national", "efficacy", "threshold"):
        np.testing.assert_array_equal(getattr(a.population, name), getattr(b.population, name))


def test_citizen_handles_do_not_change_results():
    a = sim.GovernanceModel(rng=4, citizen_handles=True, **{"population.size": 300})
    b = sim.GovernanceModel(rng=4, citizen_handles=False, **{"population.size": 300})
    a.run(steps=10)
    b.run(steps=10)
    assert len(a.agents_by_type[sim.Citizen]) == 300
    assert sim.Citizen not in b.agents_by_type
    pd.testing.assert_frame_equal(frame(a), frame(b), check_exact=True)


def test_networkx_graph_matches_arrays_and_does_not_change_results():
    a = sim.GovernanceModel(rng=4, **{"population.size": 300})
    b = sim.GovernanceModel(rng=4, **{"population.size": 300})
    g = a.graph  # built on request
    assert g.number_of_nodes() == 300
    assert g.number_of_edges() == a.world.graph.edge_count
    a.run(steps=5)
    b.run(steps=5)
    pd.testing.assert_frame_equal(frame(a), frame(b), check_exact=True)


def test_only_helper_switches_everything_else_off():
    o = only("participation")
    assert o["processes.participation.enabled"] is True
    assert o["processes.elections.enabled"] is False
