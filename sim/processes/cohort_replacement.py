r"""Submodel 8b, cohort replacement: newcomers take on the trust climate of their coming of age.

Each month a share :math:`\rho` of citizens, chosen at random, leave and are replaced in the
same place in society (same council, deprivation, household and ties) by a young adult.
People form their political trust in their impressionable years and keep much of it
(Krosnick and Alwin 1989; for trust, Dalton 2005): a newcomer's disposition, and so their
trust, mixes the trust climate of the month they come of age, the mean trust of the whole
population :math:`\bar T_t`, with what their upbringing alone would give (the disposition of
the person they replace), by the imprint :math:`\iota`:

.. math::  x^0_i \leftarrow \iota\, \bar T_t + (1 - \iota)\, x^0_i, \qquad T_i \leftarrow x^0_i .

After a shock, the cohorts that come of age in low-trust years carry the low trust on, while
older cohorts relax back to their dispositions: a third explanation of persistent distrust,
beside the cynicism ratchet and the contagion of distrust.  Off by default.

References
----------
.. [1] Krosnick, J. A., Alwin, D. F. (1989). Aging and susceptibility to attitude change.
   JPSP 57(3), 416-425. doi:10.1037/0022-3514.57.3.416
.. [2] Dalton, R. J. (2005). The social transformation of trust in government. International
   Review of Sociology 15(1), 133-154. doi:10.1080/03906700500038819
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from ..schema_base import ProcessSpec, Unit

if TYPE_CHECKING:
    from ..state import World

__all__ = ["NAME", "STREAM", "TITLE", "Spec", "imprint", "step"]

NAME = "cohort_replacement"
STREAM = 13
TITLE = "Cohort replacement"


class Spec(ProcessSpec):
    """Newcomers replace leavers and take on the trust climate of their coming of age."""

    enabled: bool = Field(False, description="Run this process each step (off by default).")
    rate: Unit = Field(
        1 / 540,
        description="Monthly share of citizens replaced (1/540: an adult life of 45 years).",
    )
    imprint: Unit = Field(
        0.8,
        description="Weight of the current trust climate in a newcomer's disposition (the rest "
        "is the disposition of the citizen replaced).",
    )


def imprint(disposition: np.ndarray, climate: float, weight: float) -> np.ndarray:
    r"""A newcomer's disposition, :math:`\iota \bar T_t + (1 - \iota) x^0`.

    >>> imprint(np.array([0.5, 0.3]), 0.2, 0.75).round(3).tolist()
    [0.275, 0.225]
    """
    return weight * climate + (1 - weight) * disposition


def step(world: World, spec: Spec, rng: np.random.Generator) -> None:
    """Replace this month's leavers by newcomers imprinted with the current trust climate."""
    pop = world.population
    leaving = np.flatnonzero(rng.random(pop.size) < spec.rate)
    if len(leaving) == 0:
        return
    for trust, disposition in (
        ("trust_local", "disposition_local"),
        ("trust_national", "disposition_national"),
    ):
        t = getattr(pop, trust)
        x0 = getattr(pop, disposition).copy()
        x0[leaving] = imprint(x0[leaving], float(t.mean()), spec.imprint)
        t = t.copy()
        t[leaving] = x0[leaving]
        setattr(pop, disposition, x0)
        setattr(pop, trust, t)
