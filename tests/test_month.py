"""A quiet month in one compiled call gives the bits of the processes run one by one (issue 11).

``sim.month.QuietMonth`` replaces participation to observation, on months without events or
elections, by one call of the same kernels.  Every test runs a model both ways
(``fused_months=True``, the default, and ``False``) and asks for equal bytes, and checks that
the one-call path really ran (and, where it must not, that it did not).
"""

from __future__ import annotations

import numpy as np
import pytest
from _util import SCENARIOS

import sim
from sim.population import VARIABLES

pytest.importorskip("numba")

MONTHLY = [v.name for v in VARIABLES if not v.input]


@pytest.fixture(autouse=True)
def _numba(monkeypatch):
    monkeypatch.setenv("GOVSIM_KERNELS", "numba")


def _pair(scenario=None, steps: int = 36, rng: int = 11, how: str = "run", **params):
    """The same model fused (``how``: ``run``, runs of months in one call each; ``step``,
    one call a month) and process by process (``fused_months=False``)."""
    runs = []
    for fused in (True, False):
        m = sim.GovernanceModel(scenario, rng=rng, fused_months=fused, **params)
        if how == "run":
            m.run(steps)
        else:
            for _ in range(steps):
                m.step()
        runs.append(m)
    return runs


def _assert_same(a: sim.GovernanceModel, b: sim.GovernanceModel) -> None:
    fa = a.datacollector.get_model_vars_dataframe().to_numpy(float)
    fb = b.datacollector.get_model_vars_dataframe().to_numpy(float)
    assert fa.shape == fb.shape and fa.std(axis=0).max() > 0  # the runs move
    assert fa.tobytes() == fb.tobytes()
    ca = a.datacollector.get_agenttype_vars_dataframe(sim.Council)
    cb = b.datacollector.get_agenttype_vars_dataframe(sim.Council)
    assert ca.to_csv(float_format="%.17g") == cb.to_csv(float_format="%.17g")
    for name in MONTHLY:
        x, y = getattr(a.population, name), getattr(b.population, name)
        assert x.dtype == y.dtype and np.ascontiguousarray(x).tobytes() == y.tobytes(), name
    assert a.world.voice_share.tobytes() == b.world.voice_share.tobytes()
    assert a.world.value_for_money == b.world.value_for_money
    assert (a.time, a.steps, a.world.month) == (b.time, b.steps, b.world.month)
    assert a._default_schedule.execution_count == b._default_schedule.execution_count
    assert a.world.government.performance == b.world.government.performance
    assert a.observation.row.tobytes() == b.observation.row.tobytes()
    assert all(x.tobytes() == b.council_summary[k].tobytes() for k, x in a.council_summary.items())
    for p in a.processes:  # every process drew exactly what it draws
        state = a.streams[p.name].bit_generator.state
        assert state == b.streams[p.name].bit_generator.state, p.name


@pytest.mark.parametrize("how", ["run", "step"])
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_shipped_scenario_gives_the_same_bits(path, how):
    """Events (crash, programmes, a snap election), elections and quiet months, both ways."""
    a, b = _pair(path, steps=72, how=how, **{"population.size": 600})
    _assert_same(a, b)
    assert b.quiet_month is None
    assert a.quiet_month.months >= 40  # most months were quiet, and ran in one call
    assert (a.quiet_month.blocks > 0) == (how == "run" and not a.spec.processes.news.enabled)


@pytest.mark.parametrize(
    "params",
    [
        {"population.threshold_kind": "count", "population.threshold_mean": 0.2},
        {"council.count": 3, "council.cooperation": 0.8, "government.centralisation": 0.1},
        {"processes.news.enabled": True, "processes.news.volatility": 0.05},
        {"processes.social_influence.anchoring": 0.0, "processes.trust_voice.national_share": 0},
        {"network.kind": "sbm", "network.mean_degree": 1.5, "population.threshold_mean": 0.0},
        {"government.austerity": 0.4, "processes.services.voice_memory": 1.0},
    ],
    ids=["counts", "councils", "news", "unanchored", "isolated", "austerity"],
)
@pytest.mark.parametrize("how", ["run", "step"])
def test_the_kernels_options_give_the_same_bits(params, how):
    a, b = _pair(steps=30, how=how, **{"population.size": 500, **params})
    _assert_same(a, b)
    assert a.quiet_month.months >= 25


@pytest.mark.parametrize(
    "params",
    [
        {"processes.participation.rule": "logit"},
        {"processes.trust_experience.cynicism": 0.2},
        {"processes.social_influence.distrust_contagion": 0.1},
        {"processes.social_influence.rule": "deffuant"},
        {"processes.network_change.enabled": True},
        {"processes.cohort_replacement.enabled": True},
        {"processes.services.enabled": False},
    ],
    ids=["logit", "cynicism", "contagion", "deffuant", "network", "cohorts", "no-services"],
)
def test_months_it_does_not_know_go_process_by_process(params):
    """Other rules and the optional processes: never one call, and still the same bits."""
    a, b = _pair(steps=14, **{"population.size": 400, **params})
    _assert_same(a, b)
    assert a.quiet_month.months == 0


def test_election_and_campaign_months_go_process_by_process():
    """A month with an election or a mobilising campaign runs process by process; a month
    whose event only moves national performance stays quiet (events run first, as usual)."""
    steps, interval = 30, 7
    runs = []
    for fused in (True, False):
        m = sim.GovernanceModel(
            rng=3,
            fused_months=fused,
            **{"population.size": 400, "processes.elections.interval": interval},
        )
        m.trigger({"kind": "mobilise", "share": 0.2})  # month 1
        m.run(4)
        m.trigger({"kind": "performance", "size": -0.3})  # month 5: still quiet
        m.run(steps - 4)
        runs.append(m)
    _assert_same(*runs)
    a = runs[0]
    assert a.world.elections_held == steps // interval
    assert a.quiet_month.months == steps - steps // interval - 1
    assert [kind for _, kind in a.event_log] == ["mobilise", "performance"]


def test_a_coefficient_changed_mid_run_is_read_by_the_one_call():
    """Specs are read afresh every month, as the processes read them (no stale copy)."""
    runs = []
    for fused in (True, False):
        m = sim.GovernanceModel(rng=4, fused_months=fused, **{"population.size": 400})
        m.run(6)
        m.spec.processes.trust_voice.heard_trust_gain = 0.4
        m.spec.processes.trust_experience.up_rate = 0.3
        m.world.government.performance = 0.2
        m.run(6)
        runs.append(m)
    _assert_same(*runs)
    unchanged = sim.GovernanceModel(rng=4, **{"population.size": 400})
    unchanged.run(12)
    assert not np.array_equal(unchanged.population.trust_local, runs[0].population.trust_local)


def test_a_council_changed_mid_run_rebuilds_the_packed_tables():
    runs = []
    for fused in (True, False):
        m = sim.GovernanceModel(rng=4, fused_months=fused, **{"population.size": 400})
        m.run(5)
        m.world.councils.responsiveness = np.full(m.world.councils.count, 0.95)
        m.world.councils.cooperation = np.full(m.world.councils.count, 0.9)
        m.run(7)
        runs.append(m)
    _assert_same(*runs)
    assert runs[0].quiet_month.months == 12


def test_last_months_arrays_are_not_written_into():
    m = sim.GovernanceModel(rng=2, **{"population.size": 300})
    m.run(2)
    before = {name: getattr(m.population, name) for name in MONTHLY if name != "trust_party"}
    copies = {name: x.copy() for name, x in before.items()}
    m.step()
    assert m.quiet_month.months == 3
    for name, x in before.items():
        assert np.array_equal(x, copies[name]), name


def test_replaced_processes_run_one_by_one():
    """A model whose ``processes`` are replaced after it is built runs the replacements."""
    m = sim.GovernanceModel(rng=2, **{"population.size": 300})
    ran = []

    def wrap(p):
        import dataclasses

        def step(world, spec, rng):
            ran.append(p.name)
            p.step(world, spec, rng)

        return dataclasses.replace(p, step=step)

    m.processes = tuple(wrap(p) for p in m.processes)
    m.step()
    assert "participation" in ran and m.quiet_month.months == 0


def test_not_on_the_numpy_path_nor_for_a_subclass_that_observes_more(monkeypatch):
    class More(sim.GovernanceModel):
        def _observe(self):
            super()._observe()

    assert More(rng=1, **{"population.size": 100}).quiet_month is None
    monkeypatch.setenv("GOVSIM_KERNELS", "numpy")
    assert sim.GovernanceModel(rng=1, **{"population.size": 100}).quiet_month is None


def test_runs_of_months_split_where_the_draws_would_not_fit(monkeypatch):
    """At most ``_draw_budget`` months a call (memory for their draws): the same bits."""
    from sim import month

    monkeypatch.setattr(month, "_draw_budget", lambda n: 3)
    a, b = _pair(steps=40, **{"population.size": 300})
    _assert_same(a, b)
    assert a.quiet_month.months == 40 and a.quiet_month.blocks == 13  # 13 of 3; one alone


def test_someone_watching_between_steps_sees_every_month():
    """With ``progress`` (a progress bar, a dashboard), months go one call each."""
    seen = []
    m = sim.GovernanceModel(rng=6, **{"population.size": 300})
    m.run(10, progress=lambda i: seen.append((i, m.month, m.observation["trust_local"])))
    assert [s[:2] for s in seen] == [(i, i) for i in range(1, 11)]
    assert m.quiet_month.blocks == 0 and m.quiet_month.months == 10
    frame = m.datacollector.get_model_vars_dataframe()
    assert [s[2] for s in seen] == frame["trust_local"].iloc[1:].tolist()


def test_mesa_events_and_mesas_own_step_are_kept():
    """A callback scheduled on Mesa's clock runs at its time; Mesa's step path is honoured."""
    a, b = (sim.GovernanceModel(rng=8, **{"population.size": 300}) for _ in range(2))
    c = sim.GovernanceModel(rng=8, fused_months=False, **{"population.size": 300})
    seen = []

    class Log:  # Mesa holds a weak reference: a callable object, kept alive here
        def __call__(self):
            seen.append((a.time, a.month))

    log = Log()
    a.schedule_event(log, at=6.5)
    a.run(12)
    assert seen == [(6.5, 6)]
    b.step = b._wrapped_step  # Mesa's own Model.step
    b.run(12)
    c.run(12)
    _assert_same(a, c)
    _assert_same(b, c)
    assert b.quiet_month.blocks == 0


def test_from_fused_below_months_go_process_by_process(monkeypatch):
    from sim import month

    monkeypatch.setattr(month, "FUSED_BELOW", 300)
    assert sim.GovernanceModel(rng=1, **{"population.size": 300}).quiet_month is None
    assert sim.GovernanceModel(rng=1, **{"population.size": 299}).quiet_month is not None
