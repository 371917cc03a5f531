"""An ``election`` event's ``winner`` imposes the national result; the citizens still vote."""

from __future__ import annotations

import numpy as np

import sim

SCENARIO = """
name = "imposed"
[population]
size = 600
[processes.elections]
interval = 1000
winner_bounce = 0.05
loser_penalty = 0.05
[[parties]]
name = "A"
position = -0.3
in_government = true
[[parties]]
name = "B"
position = 0.35
[[events]]
step = 3
kind = "election"
{winner}
"""


def _run(tmp_path, winner: str | None) -> sim.GovernanceModel:
    text = SCENARIO.format(winner=f'winner = "{winner}"' if winner else "")
    path = tmp_path / f"imposed_{winner}.toml"
    path.write_text(text, encoding="utf-8")
    model = sim.GovernanceModel(sim.load_scenario(path), rng=5)
    for _ in range(4):
        model.step()
    return model


def test_imposed_winner_forms_government_and_losers_lose_trust(tmp_path):
    free = _run(tmp_path, None)
    names = free.world.parties.names
    voted_winner = names[free.world.parties.government]
    loser = next(n for n in names if n != voted_winner)
    imposed = _run(tmp_path, loser)
    pop_f, pop_i = free.world.population, imposed.world.population
    # the same votes are cast (the winner is applied after the vote) ...
    np.testing.assert_array_equal(pop_f.vote, pop_i.vote)
    np.testing.assert_array_equal(imposed.world.parties.vote_share, free.world.parties.vote_share)
    # ... but the outvoted party governs, and its voters, not the majority's, gain trust
    assert names[imposed.world.parties.government] == loser
    assert free.world.parties.vote_share[names.index(loser)] < 0.5
    for_loser = pop_i.vote == names.index(loser)
    for_winner = pop_i.vote == names.index(voted_winner)
    assert for_loser.any() and for_winner.any()
    assert (pop_i.trust_national[for_loser] > pop_f.trust_national[for_loser]).all()
    assert (pop_i.trust_national[for_winner] < pop_f.trust_national[for_winner]).all()


def test_winner_that_already_won_changes_nothing(tmp_path):
    free = _run(tmp_path, None)
    same = _run(tmp_path, free.world.parties.names[free.world.parties.government])
    np.testing.assert_array_equal(
        free.world.population.trust_national, same.world.population.trust_national
    )
