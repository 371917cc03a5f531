r"""Submodel 3b, national news: citizens see national government through the news.

Citizens experience their council's services directly (:mod:`sim.processes.services`), but
national government's performance mostly through the news.  Each month the news about
national government carries a common signal :math:`\varepsilon_t \sim N(0, \sigma)` around
its true performance, and the news is negatively biased (bad news is amplified, good news
muted: Soroka 2014; Soroka, Fournier and Nir 2019):

.. math::  \nu_t = \begin{cases} (1 + \beta)\,\varepsilon_t & \varepsilon_t < 0 \\
           (1 - \beta)\,\varepsilon_t & \varepsilon_t \ge 0 \end{cases}

Trust from experience (:mod:`sim.processes.trust_experience`) judges national government by
:math:`P^{gov} + \nu_t`.  Because trust falls faster than it rises, a noisy and negatively
biased signal pulls national trust below local trust even from equal starts: the model's
mechanism for "local above national" (OECD 2024: 34% against 27% in the UK, 2023).  With the
process off (or :math:`\sigma = 0`), national government is seen as it performs.

References
----------
.. [1] Soroka, S. N. (2014). Negativity in Democratic Politics. Cambridge UP.
   doi:10.1017/CBO9781107477971
.. [2] Soroka, S., Fournier, P., Nir, L. (2019). Cross-national evidence of a negativity bias
   in psychophysiological reactions to news. PNAS 116(38), 18888-18892.
   doi:10.1073/pnas.1908369116
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from ..schema_base import ProcessSpec, Unit

if TYPE_CHECKING:
    from ..state import World

__all__ = ["NAME", "STREAM", "TITLE", "Spec", "biased", "step"]

NAME = "news"
STREAM = 12
TITLE = "National news"


class Spec(ProcessSpec):
    """National government seen through noisy, negatively biased news (off by default)."""

    enabled: bool = Field(False, description="Run this process each step (off by default).")
    volatility: Unit = Field(
        0.03, description="Monthly spread (sd) of the news signal about national performance."
    )
    negativity: Unit = Field(
        0.3,
        description="Negativity bias: bad news amplified by (1 + negativity), good news muted "
        "by (1 - negativity); 0 = unbiased.",
    )


def biased(signal: float, negativity: float) -> float:
    r"""The news as reported: :math:`(1 \pm \beta)\,\varepsilon` (amplified when bad).

    >>> biased(-0.1, 0.5), biased(0.1, 0.5)
    (-0.15000000000000002, 0.05)
    """
    return signal * (1 + negativity) if signal < 0 else signal * (1 - negativity)


def step(world: World, spec: Spec, rng: np.random.Generator) -> None:
    """Draw this month's national news signal and report it with its negativity bias."""
    world.news = biased(float(rng.normal(0.0, spec.volatility)), spec.negativity)
