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

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from ..kernels import of_world, parallel_chunks
from ..schema_base import ProcessSpec, Unit
from .services import tenant_influence

if TYPE_CHECKING:
    from ..state import World

__all__ = ["NAME", "STREAM", "TITLE", "Spec", "bounded_gain", "step", "voice_record"]

NAME = "trust_voice"
TITLE = "Trust from voice"
STREAM = 6


class Spec(ProcessSpec):
    """Heard participants gain trust and efficacy; ignored ones lose both."""

    heard_trust_gain: Unit = Field(0.08, description="Trust gain of a heard participant.")
    heard_efficacy_gain: Unit = Field(0.1, description="Efficacy gain of a heard participant.")
    ignored_trust_loss: Unit = Field(0.1, description="Trust loss of an ignored participant.")
    national_share: Unit = Field(
        0.5,
        description="Share of a participant's change in council trust that also applies to "
        "trust in national government.",
    )
    ignored_efficacy_loss: Unit = Field(0.08, description="Efficacy loss of an ignored one.")
    legitimacy_spillover: Unit = Field(
        0.5,
        description="Effect on non-participants of the council's voice record, per unit of "
        "the share of residents taking part.",
    )


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


def voice_record(heard: np.ndarray, ignored: np.ndarray, residents: np.ndarray) -> np.ndarray:
    """Per council: :math:`a_c v_c = (H_c - I_c) / N_c`, the visible voice record in [-1, 1].

    ``heard`` and ``ignored`` count participants heard and ignored in each council this month,
    ``residents`` its residents (a council with none has record 0).

    >>> voice_record(np.array([1.0, 3.0]), np.array([1.0, 0.0]), np.array([4, 0]))
    array([0., 0.])
    >>> voice_record(np.array([3.0]), np.array([1.0]), np.array([4]))
    array([0.5])
    """
    return np.divide(heard - ignored, residents, out=np.zeros(len(residents)), where=residents > 0)


def step(world: World, spec: Spec, rng: np.random.Generator) -> None:
    """Apply the voice outcome of this month's participation.

    Computed for participants only where non-participants' values are zero, with the same
    arithmetic as the rule above (identical results).
    """
    pop, cs, prog = world.population, world.councils, world.programmes
    k = cs.count
    council, size = council_table(world)
    draw = rng.random(out=world.scratch("trust_voice.draw", pop.size))  # read this month only
    influence = tenant_influence(world, prog)
    fused = of_world(world)
    if fused is not None:  # the same arithmetic in one pass (sim.kernels)
        n = pop.size
        tl, tn, eff = np.empty(n), np.empty(n), np.empty(n)
        heard, ignored = np.empty(n, dtype=np.bool_), np.empty(n, dtype=np.bool_)
        chunks = parallel_chunks(n)  # threads for a million citizens, same bits
        kernel = fused.trust_voice_full_parallel if chunks else fused.trust_voice_full
        kernel(  # the same arguments, and the ranges to split into when threaded
            pop.participating,
            draw,
            council,
            cs.responsiveness,
            influence,
            size,
            float(spec.legitimacy_spillover),
            float(spec.heard_trust_gain),
            float(spec.ignored_trust_loss),
            float(spec.heard_efficacy_gain),
            float(spec.ignored_efficacy_loss),
            float(prog.youth_efficacy),
            float(prog.land_trust_efficacy),
            cs.has("youth_trust"),
            pop.youth,
            cs.has("community_land_trust"),
            pop.land_trust_eligible,
            float(spec.national_share),
            pop.trust_local,
            pop.trust_national,
            pop.efficacy,
            tl,
            tn,
            eff,
            heard,
            ignored,
            *((chunks,) if chunks else ()),
        )
        pop.trust_local, pop.trust_national, pop.efficacy = tl, tn, eff
        pop.heard, pop.ignored = heard, ignored
        return
    parts = np.flatnonzero(pop.participating)
    c_p = council[parts]
    p_heard = np.minimum(1.0, cs.responsiveness[c_p] * influence[parts])
    heard_p = draw[parts] < p_heard
    heard = np.zeros(pop.size, dtype=bool)
    heard[parts[heard_p]] = True
    ignored = pop.participating & ~heard
    # voice record per council from counts (the same integers the masks would add up to)
    h = np.bincount(c_p[heard_p], minlength=k).astype(float)
    i = np.bincount(c_p[~heard_p], minlength=k).astype(float)
    record = voice_record(h, i, size)
    trust_change = (spec.legitimacy_spillover * record)[council]
    trust_change[parts] = np.where(heard_p, spec.heard_trust_gain, 0.0) - np.where(
        ~heard_p, spec.ignored_trust_loss, 0.0
    )
    eff_change = world.derived(
        "trust_voice.land",
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


def council_table(world: World) -> tuple[np.ndarray, np.ndarray]:
    """Council codes (intp) and residents per council, kept between steps (derived)."""
    pop = world.population
    return world.derived(
        "trust_voice.council",
        lambda: (
            pop.council.astype(np.intp),
            np.bincount(pop.council, minlength=world.councils.count),
        ),
    )
