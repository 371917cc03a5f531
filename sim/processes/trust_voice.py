r"""Submodel 5, trust from voice: being heard builds trust and efficacy; being ignored erodes them.

A participant is heard with probability :math:`\min(1, r_c w_i)` (responsiveness times
influence).  Heard participants gain, ignored ones lose, in proportion to the room left:

.. math::  T \leftarrow T + g_T (1 - T) \ \text{(heard)}, \qquad T \leftarrow T - l_T T
           \ \text{(ignored)},

and likewise for efficacy :math:`E` with :math:`g_E, l_E`.  Participation without
responsiveness (tokenism) therefore lowers trust below not asking at all (Arnstein 1969).
Non-participants see their council's voice record :math:`v_c = (H_c - I_c)/P_c`, as visible
as participation is common (:math:`a_c = P_c / N_c`):
:math:`T \leftarrow T + \gamma a_c v_c (1 - T)` if :math:`v_c > 0`, else
:math:`T + \gamma a_c v_c T` (a wider legitimacy effect; Olken 2010 found satisfaction rose
with participation itself).
Heard and ignored participants' trust in national government moves too, by a share
:math:`\nu` of their change in council trust (those who feel they have a say trust
government more: OECD 2024).  Youth trust and land trust programmes add efficacy to their members.

References
----------
.. [1] Arnstein, S. R. (1969). A ladder of citizen participation. JAIP 35(4), 216-224.
.. [2] Olken, B. A. (2010). Direct democracy and local public goods: evidence from a field
   experiment in Indonesia. APSR 104(2), 243-267. doi:10.1017/S0003055410000079
.. [3] OECD (2024). Drivers of Trust in Public Institutions 2024. doi:10.1787/9a20554b-en
"""

from __future__ import annotations

import numpy as np

from ..schema import ProgrammesSpec, TrustVoiceSpec
from ..state import World
from .services import tenant_influence

__all__ = ["bounded_gain", "step", "voice_record"]


def bounded_gain(x: np.ndarray, gain: np.ndarray | float) -> np.ndarray:
    r"""Move toward 1 (gain > 0) or 0 (gain < 0) by a share of the room left.

    :math:`x + g(1-x)` for :math:`g \ge 0`, :math:`x + g x` for :math:`g < 0`.

    >>> bounded_gain(np.array([0.5, 0.5]), np.array([0.5, -0.5])).tolist()
    [0.75, 0.25]
    """
    room = np.asarray(
        1 - x, dtype=float
    )  # room left toward 1 where gain >= 0, toward 0 (x itself) elsewhere
    np.copyto(room, x, where=np.asarray(gain) < 0)
    room *= gain
    room += x
    return room


def voice_record(heard: np.ndarray, ignored: np.ndarray, council: np.ndarray, k: int) -> np.ndarray:
    """Per council: :math:`a_c v_c = (H_c - I_c) / N_c`, the visible voice record in [-1, 1].

    >>> voice_record(np.array([1, 0, 0, 0]), np.array([0, 1, 0, 0]), np.zeros(4, int), 1)
    array([0.])
    """
    h = np.bincount(council, weights=heard, minlength=k)
    i = np.bincount(council, weights=ignored, minlength=k)
    n = np.bincount(council, minlength=k)
    return np.divide(h - i, n, out=np.zeros(k), where=n > 0)


def step(
    world: World, spec: TrustVoiceSpec, prog: ProgrammesSpec, rng: np.random.Generator
) -> None:
    """Apply the voice outcome of this month's participation.

    Computed for participants only where non-participants' values are zero, with the same
    arithmetic as the rule above (identical results).
    """
    pop, cs = world.population, world.councils
    k = cs.count
    council, size = world.cached(
        "trust_voice.council",
        (pop.council, k),
        lambda: (pop.council.astype(np.intp), np.bincount(pop.council, minlength=k)),
    )
    draw = rng.random(pop.size)
    parts = np.flatnonzero(pop.participating)
    c_p = council[parts]
    influence = tenant_influence(world, prog)
    p_heard = np.minimum(1.0, cs.responsiveness[c_p] * influence[parts])
    heard_p = draw[parts] < p_heard
    heard = np.zeros(pop.size, dtype=bool)
    heard[parts[heard_p]] = True
    ignored = pop.participating & ~heard
    # voice record per council from counts (the same integers the masks would add up to)
    h = np.bincount(c_p[heard_p], minlength=k).astype(float)
    i = np.bincount(c_p[~heard_p], minlength=k).astype(float)
    record = np.divide(h - i, size, out=np.zeros(k), where=size > 0)
    trust_change = (spec.legitimacy_spillover * record)[council]
    trust_change[parts] = np.where(heard_p, spec.heard_trust_gain, 0.0) - np.where(
        ~heard_p, spec.ignored_trust_loss, 0.0
    )
    eff_change = world.cached(
        "trust_voice.land",
        (cs.programmes, pop.council, pop.land_trust_eligible, prog.land_trust_efficacy),
        lambda: (
            0.0
            + prog.land_trust_efficacy
            * (cs.has("community_land_trust")[pop.council] & pop.land_trust_eligible)
        ),
    ).copy()
    youth_p = cs.has("youth_trust")[c_p] & pop.youth[parts]
    land_p = cs.has("community_land_trust")[c_p] & pop.land_trust_eligible[parts]
    eff_p = np.where(heard_p, spec.heard_efficacy_gain, 0.0) - np.where(
        ~heard_p, spec.ignored_efficacy_loss, 0.0
    )
    eff_change[parts] = eff_p + prog.youth_efficacy * youth_p + prog.land_trust_efficacy * land_p
    if spec.national_share > 0 and len(parts):
        # having a say also colours trust in government as a whole (OECD 2024)
        national = pop.trust_national.copy()
        change_p = spec.national_share * trust_change[parts]
        national[parts] = np.clip(bounded_gain(national[parts], change_p), 0, 1)
        pop.trust_national = national
    trust = bounded_gain(pop.trust_local, trust_change)
    pop.trust_local = np.clip(trust, 0, 1, out=trust)
    efficacy = bounded_gain(pop.efficacy, np.clip(eff_change, -1, 1, out=eff_change))
    pop.efficacy = np.clip(efficacy, 0, 1, out=efficacy)
    pop.heard, pop.ignored = heard, ignored
