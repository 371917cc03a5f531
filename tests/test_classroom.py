"""Class mode's library (sim.classroom) and the dashboard's folder roots (load_scenario roots=)."""

from __future__ import annotations

import numpy as np
import pytest
from _util import ROOT

from sim.classroom import ClassRoom, JoinError
from sim.errors import ScenarioError
from sim.scenario import load_scenario

SCEN = ROOT / "scenarios"
PAIR = (SCEN / "cooperative_council.toml", SCEN / "centralised_baseline.toml")


@pytest.fixture(autouse=True, scope="module")
def _unregister_afterwards():
    """Class rooms register their choices process; the other test files must not see it."""
    yield
    from sim import processes
    from sim.classroom import choices

    if choices.NAME in processes.REGISTRY:
        processes.unregister(choices.NAME)


def _room(**kw) -> ClassRoom:
    return ClassRoom(PAIR, code="ABC123", **kw)


def test_join_needs_the_code_and_the_class_has_a_cap():
    room = _room(max_students=3)
    with pytest.raises(JoinError, match="not the code"):
        room.join("ABC124")
    seated = [room.join(c) for c in ("abc123", " ABC123 ", "AbC123")]
    assert len({s.resident for s in seated}) == 3
    with pytest.raises(JoinError, match="full"):
        room.join("ABC123")
    room.leave(seated[0].token)
    assert room.join("ABC123").resident == seated[0].resident  # the seat is free again
    with pytest.raises(JoinError, match="Too many wrong codes"):
        room.join("ABC123", attempts=8)


def test_students_are_residents_of_the_first_council_in_both_runs():
    room = _room()
    s = room.join("ABC123")
    for model in room.models.values():
        assert model.population.council[s.resident] == 0


def test_choices_are_honoured_every_month_in_both_runs():
    room = _room()
    yes, no = room.join("ABC123"), room.join("ABC123")
    room.choose(yes.token, take_part=True)
    room.choose(no.token, take_part=False)
    for _ in range(6):
        room.next_round(1)
        for run in room.models:
            assert room.resident(yes.token, run)["took_part"]
            assert not room.resident(no.token, run)["took_part"]
    assert [h["took_part"] for h in yes.history] == [True] * 6
    room.choose(yes.token, take_part=False)
    room.next_round(1)
    assert not room.resident(yes.token)["took_part"]


def test_the_choices_process_leaves_other_models_alone():
    from sim import GovernanceModel
    from sim.classroom import choices

    choices.ensure_registered()
    sc = load_scenario(SCEN / "cooperative_council.toml", {"population.size": 300})
    a, b = GovernanceModel(sc, rng=3), GovernanceModel(sc, rng=3)
    choices.pin(a.world, np.array([0, 1]), np.array([True, True]))
    a.run(3)
    b.run(3)
    assert a.population.participating[[0, 1]].all()
    untouched = b.datacollector.get_model_vars_dataframe()
    c = GovernanceModel(sc, rng=3)
    c.run(3)
    assert untouched.equals(c.datacollector.get_model_vars_dataframe())


def test_same_seed_same_class_same_results():
    def play() -> tuple[list[int], np.ndarray]:
        room = _room(seed=5)
        students = [room.join("ABC123") for _ in range(4)]
        for i, s in enumerate(students):
            room.choose(s.token, take_part=i % 2 == 0)
        room.next_round(4)
        trust = room.models["cooperative"].population.trust_local.copy()
        return [s.resident for s in students], trust

    (seats_a, trust_a), (seats_b, trust_b) = play(), play()
    assert seats_a == seats_b
    np.testing.assert_array_equal(trust_a, trust_b)


def test_votes_go_into_the_record_and_the_class_tally():
    room = _room()
    a, b = room.join("ABC123"), room.join("ABC123")
    party = room.parties[1]
    room.choose(a.token, vote=party)
    room.choose(b.token, vote=None)
    with pytest.raises(JoinError, match="not a party"):
        room.choose(b.token, vote="Nobody")
    room.call_election()
    room.next_round(1)
    pop = room.models["cooperative"].population
    assert pop.vote[a.resident] == 1 and bool(pop.voted[a.resident])
    assert pop.vote[b.resident] == -1 and not pop.voted[b.resident]
    held = [e for e in room.elections if e["run"] == "cooperative"]
    assert held and held[-1]["class_votes"][party] == 1
    assert sum(held[-1]["shares"].values()) == pytest.approx(1)


def test_end_forgets_everyone():
    room = _room()
    s = room.join("ABC123")
    room.end()
    assert room.students == {} and room.models == {} and room.resident(s.token) is None
    with pytest.raises(JoinError, match="ended"):
        room.join("ABC123")


def test_roots_hold_extends_and_network_path(tmp_path):
    inside, outside = tmp_path / "in", tmp_path / "out"
    inside.mkdir()
    outside.mkdir()
    (outside / "base.toml").write_text('name = "base"\n')
    (outside / "edges.txt").write_text("0 1\n")
    (inside / "up.toml").write_text('extends = "../out/base.toml"\nname = "up"\n')
    (inside / "net.toml").write_text('[network]\nkind = "file"\npath = "../out/edges.txt"\n')
    (inside / "link.toml").symlink_to(outside / "base.toml")
    roots = [inside]
    for name, what in (("up", "extends"), ("net", "network.path"), ("link", "scenario")):
        with pytest.raises(ScenarioError, match=f"{what} .*outside the folders"):
            load_scenario(inside / f"{name}.toml", roots=roots)
    assert load_scenario(inside / "up.toml").name == "up"  # no roots: the command line reads on
    baseline = f'extends = "{SCEN / "centralised_baseline.toml"}"\nname = "ok"\n'
    (inside / "ok.toml").write_text(baseline)
    assert load_scenario(inside / "ok.toml", roots=[inside, SCEN]).name == "ok"
