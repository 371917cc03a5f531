r"""Submodel 7, elections: turnout, vote choice, shares, swing and change of government.

Turnout follows the calculus of voting with habit (Riker and Ordeshook 1968; Plutzer 2002):

.. math::  \Pr(\text{vote}_i) = \sigma(\beta_0 + \beta_h h_i + \beta_E E_i + \beta_T T^{nat}_i
           + \beta_d d_i),

where :math:`h_i` is 1 if the citizen voted last time.  Voters choose a party by a
multinomial logit over proximity, party trust and, for parties with a co-operative platform,
their own efficacy (drawn with the Gumbel-max trick):

.. math::  U_{ip} = -\beta_x |x_i - x_p| + \beta_P T_{ip} + \beta_C\, C_p E_i + \epsilon_{ip},
           \quad \epsilon_{ip} \sim \mathrm{Gumbel}(0, 1).

The party with most votes forms the government, unless an ``election`` event names the
``winner`` (the national result, for a population that does not decide it alone: Scots under
a UK government).  Swing is Butler swing between the two leading parties of the previous
election (at the first election, of the step-0 poll: the shares expected from the initial
population).  Winners' voters gain trust in national government and losers' voters lose
some (Anderson et al. 2005, "Losers' Consent").

References
----------
.. [1] Riker, W. H., Ordeshook, P. C. (1968). A theory of the calculus of voting. APSR 62(1).
.. [2] Plutzer, E. (2002). Becoming a habitual voter. APSR 96(1), 41-56.
.. [3] McFadden, D. (1974). Conditional logit analysis of qualitative choice behavior.
.. [4] Anderson, C. J., Blais, A., Bowler, S., Donovan, T., Listhaug, O. (2005). Losers'
   Consent: Elections and Democratic Legitimacy. Oxford UP.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from ..kernels import of_world
from ..schema_base import NonNeg, ProcessSpec, Real, Unit
from .participation import logit_probability
from .trust_voice import bounded_gain

if TYPE_CHECKING:
    from ..state import World

__all__ = [
    "NAME",
    "STREAM",
    "TITLE",
    "Spec",
    "butler_swing",
    "choice_utility",
    "init",
    "is_election_month",
    "step",
    "turnout_probability",
]

NAME = "elections"
TITLE = "Elections"
STREAM = 8


class Spec(ProcessSpec):
    """Turnout and vote choice every ``interval`` steps."""

    interval: int = Field(60, ge=1, le=10_000, description="Steps between general elections.")
    first: int | None = Field(None, ge=1, description="Step of the first election (= interval).")
    turnout_intercept: Real = Field(-0.6, ge=-100, le=100, description="Turnout logit: intercept.")
    turnout_habit: Real = Field(
        1.8, ge=-100, le=100, description="Weight of having voted last time (habit)."
    )
    turnout_efficacy: Real = Field(
        1.5, ge=-100, le=100, description="Turnout logit: weight of efficacy."
    )
    turnout_trust: Real = Field(
        1.0, ge=-100, le=100, description="Turnout logit: weight of trust in national government."
    )
    turnout_deprivation: Real = Field(
        -1.0, ge=-100, le=100, description="Turnout logit: weight of deprivation."
    )
    vote_distance: NonNeg = Field(4.0, le=100, description="Weight of ideological distance.")
    vote_party_trust: NonNeg = Field(3.0, le=100, description="Weight of trust in the party.")
    vote_cooperative: NonNeg = Field(
        1.0, le=100, description="Weight of efficacy on support for co-operative platforms."
    )
    winner_bounce: Unit = Field(0.05, description="Trust gain of winners' voters (Anderson 2005).")
    loser_penalty: Unit = Field(0.02, description="Trust loss of losers' voters.")


def turnout_probability(world: World, spec: Spec) -> np.ndarray:
    """Each citizen's probability of voting."""
    pop = world.population
    z = (
        spec.turnout_intercept
        + spec.turnout_habit * pop.voted
        + spec.turnout_efficacy * pop.efficacy
        + spec.turnout_trust * pop.trust_national
        + spec.turnout_deprivation * pop.deprivation
    )
    return logit_probability(z)


def choice_utility(world: World, spec: Spec) -> np.ndarray:
    """Deterministic part of the utility of each party for each citizen, shape (n, parties)."""
    pop, parties = world.population, world.parties
    distance = np.abs(pop.ideology[:, None] - parties.position[None, :])
    return (
        -spec.vote_distance * distance
        + spec.vote_party_trust * pop.trust_party
        + spec.vote_cooperative * parties.cooperative[None, :] * pop.efficacy[:, None]
    )


def expected_shares(utility: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Vote shares expected from the logit probabilities, weighted by turnout probability."""
    z = utility - utility.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    total = weights.sum()
    # a plain numpy sum rather than BLAS, whose threads would make the last digits machine-dependent
    return (weights[:, None] * p).sum(axis=0) / total if total > 0 else p.mean(axis=0)


def butler_swing(before: np.ndarray, after: np.ndarray) -> float:
    """Butler swing from the previous leader to the previous runner-up, in share points.

    >>> butler_swing(np.array([0.45, 0.35, 0.2]), np.array([0.42, 0.38, 0.2]))
    0.03
    """
    first, second = np.argsort(before)[::-1][:2]
    return round(float(((after[second] - before[second]) - (after[first] - before[first])) / 2), 12)


def is_election_month(month: int, spec: Spec, last: int | None) -> bool:
    """Scheduled elections: at ``first`` (default ``interval``), then every ``interval``."""
    first = spec.first if spec.first is not None else spec.interval
    if last is None:
        return month >= first and (month - first) % spec.interval == 0
    return month - last >= spec.interval and (month - first) % spec.interval == 0


def init(world: World, spec: Spec, rng: np.random.Generator) -> None:
    """Pre-election expectations: turnout and shares as if a poll were taken at step 0."""
    p = turnout_probability(world, spec)
    world.turnout = float(p.mean())
    world.parties.vote_share = expected_shares(choice_utility(world, spec), p)


def step(world: World, spec: Spec, rng: np.random.Generator) -> None:
    """Hold an election if one is due or was called (``world.signals``), and signal it."""
    called = world.signals.election_called
    if not (called or is_election_month(world.month, spec, world.last_election)):
        world.government_changed = False
        return
    pop, parties = world.population, world.parties
    n, k = pop.size, len(parties.names)
    draw = rng.random(n)
    p = turnout_probability(world, spec)
    gumbel = rng.gumbel(size=(n, k))
    fused = of_world(world)
    if fused is not None:  # the same arithmetic in one pass (sim.kernels)
        votes, choice, counts = fused.election_votes(
            draw,
            p,
            pop.ideology,
            parties.position.astype(np.float64),
            pop.trust_party,
            parties.cooperative.astype(np.float64),
            pop.efficacy,
            gumbel,
            float(spec.vote_distance),
            float(spec.vote_party_trust),
            float(spec.vote_cooperative),
        )
    else:
        votes = draw < p
        choice = np.argmax(choice_utility(world, spec) + gumbel, axis=1).astype(np.int16)
        counts = np.bincount(choice[votes], minlength=k)
    counts = counts.astype(float)
    shares = counts / counts.sum() if counts.sum() > 0 else np.full(k, 1.0 / k)
    # against the previous election, or at the first one against the step-0 poll
    world.swing = butler_swing(parties.vote_share, shares)
    imposed = world.signals.election_winner
    winner = parties.names.index(imposed) if imposed is not None else int(np.argmax(shares))
    world.government_changed = winner != parties.government
    parties.government = winner
    parties.vote_share = shares
    world.turnout = float(votes.mean())
    if fused is not None:
        pop.trust_national, pop.vote = fused.election_trust(
            pop.trust_national,
            votes,
            choice,
            winner,
            float(spec.winner_bounce),
            float(spec.loser_penalty),
        )
    else:
        gain = np.where(votes & (choice == winner), spec.winner_bounce, 0.0) - np.where(
            votes & (choice != winner), spec.loser_penalty, 0.0
        )
        pop.trust_national = np.clip(bounded_gain(pop.trust_national, gain), 0, 1)
        pop.vote = np.where(votes, choice, -1).astype(np.int16)
    pop.voted = votes
    world.last_election = world.month
    world.elections_held += 1
    world.signals.election_held = True
