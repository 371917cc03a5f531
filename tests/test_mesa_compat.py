"""The model under Mesa's own tools: keyword parameters, batch_run, DataCollector, agents."""

from __future__ import annotations

import multiprocessing

import mesa
import numpy as np
import pandas as pd
import pytest

import sim


def test_builds_with_no_arguments_and_steps():
    model = sim.GovernanceModel()
    model.step()
    assert isinstance(model, mesa.Model)
    assert len(model.datacollector.get_model_vars_dataframe()) == 2


def test_keyword_parameters_as_dotted_paths():
    model = sim.GovernanceModel(rng=1, **{"council.cooperation": 0.8, "population.size": 150})
    assert model.spec.council.cooperation == 0.8
    assert all(c.cooperation == 0.8 for c in model.agents_by_type[sim.Council])
    assert len(model.agents_by_type[sim.Citizen]) == 150


def test_mesa_batch_run_drives_the_model_with_keyword_parameters():
    # batch_run forces the "spawn" start method process-wide; put it back afterwards
    previous = multiprocessing.get_start_method(allow_none=True)
    try:
        results = _batch_run()
    finally:
        multiprocessing.set_start_method(previous, force=True)
    assert len(results) == 2
    coops = sorted(r["council.cooperation"] for r in results)
    assert coops == [0.0, 0.9]
    for row in results:
        assert 0 <= row["trust_local"] <= 1
        assert row["Step"] == 4


def _batch_run():
    return mesa.batch_run(
        sim.GovernanceModel,
        parameters={"council.cooperation": [0.0, 0.9], "population.size": 120},
        max_steps=4,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
        rng=[3],
    )


def test_agenttype_reporters_collect_councils():
    model = sim.GovernanceModel(rng=2, **{"population.size": 200, "council.count": 3})
    model.run(steps=3)
    df = model.datacollector.get_agenttype_vars_dataframe(sim.Council)
    assert len(df) == 3 * 4
    assert df["council_trust_local"].between(0, 1).all()


def test_council_records_keep_each_steps_values():
    """The Council records are kept as columns and made into Mesa's tuples when read: a
    council changed later does not change what was recorded before, and the records read
    as the list Mesa would hold."""
    from sim.collector import ColumnRecords

    model = sim.GovernanceModel(rng=2, **{"population.size": 200, "council.count": 2})
    model.run(steps=2)
    council = model.councils[0]
    council.cooperation = 0.75
    council.responsiveness = 0.2
    model.run(steps=1)
    df = model.datacollector.get_agenttype_vars_dataframe(sim.Council)
    first = df.xs(council.unique_id, level="AgentID")
    assert first["council_cooperation"].tolist()[-1] == 0.75
    assert 0.75 not in first["council_cooperation"].tolist()[:-1]
    assert first["council_responsiveness"].tolist()[-1] == 0.2
    records = model.datacollector._agenttype_records[model.time][sim.Council]
    assert isinstance(records, ColumnRecords) and len(records) == 2
    as_list = list(records)
    assert records == as_list and records[1] == as_list[1]
    assert as_list[0][:4] == (model.time, council.unique_id, council.name, 0.75)
    assert all(type(v) is float for v in as_list[0][3:])


def test_citizen_handles_read_and_write_the_arrays():
    model = sim.GovernanceModel(rng=2, **{"population.size": 50})
    citizen = next(iter(model.agents_by_type[sim.Citizen]))
    assert citizen.trust_local == model.population.trust_local[citizen.index]
    citizen.trust_local = 0.99
    assert model.population.trust_local[citizen.index] == 0.99
    assert citizen.council in model.councils
    assert set(citizen.trust_party) == {p.name for p in model.parties}
    assert 1 <= citizen.deprivation_quintile <= 5


def test_agentset_tools_work_on_citizens():
    model = sim.GovernanceModel(rng=2, **{"population.size": 100})
    citizens = model.agents_by_type[sim.Citizen]
    young = citizens.select(lambda a: a.youth)
    assert len(young) == int(model.population.youth.sum())
    values = np.array(citizens.get("trust_local"))
    np.testing.assert_allclose(values, model.population.trust_local)


def test_live_event_acts_on_next_step():
    model = sim.GovernanceModel(rng=2, **{"population.size": 200})
    before = model.population.trust_national.mean()
    model.trigger({"kind": "shock", "target": "trust_national", "size": -0.2})
    model.step()
    assert model.population.trust_national.mean() < before - 0.1
    assert model.event_log[-1] == (1, "shock")


def test_live_event_with_a_mistake_is_explained():
    model = sim.GovernanceModel(rng=2, **{"population.size": 50})
    with pytest.raises(sim.ScenarioError, match="trigger"):
        model.trigger({"kind": "shock", "target": "trust_national", "size": 5})


def test_metrics_collector_gives_what_mesa_reporters_would():
    """The array-backed collector's frame equals one built from Mesa's reporter protocol."""
    model = sim.GovernanceModel(rng=4, **{"population.size": 300})
    model.run(steps=5)
    dc = model.datacollector
    df = dc.get_model_vars_dataframe()
    assert list(df.columns) == list(dc.model_reporters)
    assert len(df) == 6
    rebuilt = pd.DataFrame(dc.model_vars)
    pd.testing.assert_frame_equal(df, rebuilt)
    # each reporter, called as Mesa would call it, gives the last row's value
    last = {name: reporter(model) for name, reporter in dc.model_reporters.items()}
    assert last == df.iloc[-1].to_dict() or all(
        (np.isnan(v) and np.isnan(df.iloc[-1][k])) or v == df.iloc[-1][k] for k, v in last.items()
    )


class _Log:
    """A callable Mesa can hold a weak reference to: records (model time, model month)."""

    def __init__(self, model):
        self.model, self.seen = model, []

    def __call__(self):
        self.seen.append((self.model.time, self.model.month))


def _mesa_path(model):
    """Make ``model.step`` Mesa's own ``Model.step`` (no short cut)."""
    model.step = model._wrapped_step
    return model


@pytest.mark.parametrize("short_cut", [True, False])
def test_step_keeps_mesas_clock_and_events(short_cut):
    """model.step agrees with Mesa's Model.step: time, steps, one-off events, run_for."""
    model = sim.GovernanceModel(rng=4, **{"population.size": 120})
    if not short_cut:
        _mesa_path(model)
    for _ in range(3):
        model.step()
    assert (model.time, model.steps, model.month) == (3, 3, 3)
    assert model._default_schedule.execution_count == 3
    assert model._default_schedule.next_scheduled_time == 4
    log = _Log(model)
    model.schedule_event(log, at=4.5)
    model.schedule_event(log, after=0.25)
    model.step()  # month 4; the event at 3.25 runs before it
    model.step()  # month 5; the event at 4.5 runs before it
    assert log.seen == [(3.25, 3), (4.5, 4)]
    model.run_for(2)  # Mesa's own loop over the same queue
    model.step()
    assert (model.time, model.steps, model.month) == (8, 8, 8)
    assert model._default_schedule.next_scheduled_time == 9
    assert len(model.datacollector.get_model_vars_dataframe()) == 9


def test_step_short_cut_gives_mesas_results():
    """The same data whether steps take the short cut or go through Mesa's event loop."""
    fast = sim.GovernanceModel(rng=9, **{"population.size": 300})
    slow = _mesa_path(sim.GovernanceModel(rng=9, **{"population.size": 300}))
    for _ in range(12):
        fast.step()
        slow.step()
    a = fast.datacollector.get_model_vars_dataframe()
    b = slow.datacollector.get_model_vars_dataframe()
    assert a.equals(b)
    c = fast.datacollector.get_agenttype_vars_dataframe(sim.Council)
    d = slow.datacollector.get_agenttype_vars_dataframe(sim.Council)
    assert c.equals(d)
