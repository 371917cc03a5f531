r"""Submodel 4, trust from experience: trust follows performance against expectation.

Trust moves by the surprise :math:`P - E` (performance minus expectation), faster when the
surprise is bad than when it is good (trust asymmetry: Slovic 1993; Kampen, Van de Walle and
Bouckaert 2006), and expectations adapt to experience:

.. math::  T \leftarrow \operatorname{clip}_{[0,1]}\big(T + \alpha_{\pm} (P - E)\big),
           \quad \alpha_{\pm} = \begin{cases}\alpha_{+} & P > E\\ \alpha_{-} & P \le E\end{cases},
           \qquad E \leftarrow E + \lambda (P - E).

Local performance is the service quality a citizen received; national performance mixes the
national government's performance with local services (a share :math:`b` of blame for local
cuts goes to the centre): :math:`P^{\mathrm{nat}}_i = (1-b) P^{\mathrm{gov}} + b Q_i`.

With :math:`\alpha_- > \alpha_+`, a shock of :math:`-d` followed by :math:`+d` leaves trust
lower than it started: with fixed expectations (:math:`\lambda = 0`)
:math:`\Delta T = (\alpha_+ - \alpha_-) d < 0` exactly; with adapting expectations the second
surprise is smaller than the first, so the loss differs (the model's test of the asymmetry is
the lasting deficit against a no-shock counterfactual, ``tests/test_mechanisms.py``).

References
----------
.. [1] Slovic, P. (1993). Perceived risk, trust, and democracy. Risk Analysis 13(6), 675-682.
   doi:10.1111/j.1539-6924.1993.tb01329.x
.. [2] Kampen, J. K., Van de Walle, S., Bouckaert, G. (2006). Assessing the relation between
   satisfaction with public service delivery and trust in government. Public Performance &
   Management Review 29(4), 387-404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from ..kernels import of_world, parallel_chunks
from ..schema_base import ProcessSpec, Unit

if TYPE_CHECKING:
    from ..state import World

__all__ = [
    "NAME",
    "STREAM",
    "TITLE",
    "Spec",
    "adapt_expectation",
    "asymmetric_update",
    "init",
    "national_performance",
    "ratchet",
    "step",
]

NAME = "trust_experience"
TITLE = "Trust from experience"
STREAM = 5


class Spec(ProcessSpec):
    """Trust moves toward performance versus expectation, asymmetrically (Slovic 1993)."""

    up_rate: Unit = Field(0.05, description="Monthly gain per unit of positive surprise.")
    down_rate: Unit = Field(0.15, description="Monthly loss per unit of negative surprise.")
    expectation_rate: Unit = Field(
        0.15,
        description="Monthly adaptation of expectations to experience (half-life about 4 "
        "months at 0.15).",
    )
    national_blame: Unit = Field(
        0.3, description="Weight of local services in judging national government."
    )
    cynicism: Unit = Field(
        0.0,
        description="Persistence mechanism (cynicism ratchet): share of each month's bad "
        "surprise that also lowers the citizen's own disposition, the level social influence "
        "anchors trust to; good surprises do not raise it. 0 = off.",
    )


def asymmetric_update(
    trust: np.ndarray, performance: np.ndarray, expectation: np.ndarray, up: float, down: float
) -> np.ndarray:
    r"""One asymmetric trust update, :math:`T + \alpha_\pm (P - E)`, clipped to [0, 1].

    >>> t = np.array([0.5])
    >>> t1 = asymmetric_update(t, np.array([0.4]), np.array([0.5]), 0.05, 0.15)  # -0.1
    >>> t2 = asymmetric_update(t1, np.array([0.6]), np.array([0.5]), 0.05, 0.15)  # +0.1
    >>> bool(t2[0] < t[0])
    True
    """
    gap = performance - expectation
    # alpha_pm (P - E) without a data-dependent branch (np.where mispredicts on random signs):
    # max(gap, 0) up + min(gap, 0) down is exactly gap * up or gap * down, plus a zero
    out = np.maximum(gap, 0.0)
    out *= up
    np.minimum(gap, 0.0, out=gap)
    gap *= down
    out += gap
    out += trust  # T + alpha (P - E) (addition commutes exactly)
    return np.clip(out, 0.0, 1.0, out=out)


def adapt_expectation(expectation: np.ndarray, performance: np.ndarray, rate: float) -> np.ndarray:
    r"""Adaptive expectations, :math:`E + \lambda (P - E)`."""
    out = performance - expectation
    out *= rate
    out += expectation
    return out


def national_performance(world: World, blame: float) -> np.ndarray:
    r"""Perceived national performance, :math:`(1-b)(P^{gov} + \nu) + b\,Q_i`.

    :math:`\nu` is this month's national news (:mod:`sim.processes.news`; 0 when it is off).
    """
    seen = world.government.performance + world.news
    return (1 - blame) * seen + blame * world.population.service_quality


def ratchet(
    disposition: np.ndarray, performance: np.ndarray, expectation: np.ndarray, rate: float
) -> np.ndarray:
    r"""Cynicism ratchet: :math:`x^0 \leftarrow \operatorname{clip}(x^0 - c \max(0, E - P))`.

    Bad surprises leave part of themselves in the disposition that anchors trust; good ones
    leave nothing, so a shock's trace outlasts the shock (a ratchet in expectations: van
    der Meer 2010; Hetherington 1998 on cynicism that outlives its causes).

    >>> ratchet(np.array([0.5, 0.5]), np.array([0.3, 0.7]), np.array([0.5, 0.5]), 0.5).tolist()
    [0.4, 0.5]
    """
    bad = expectation - performance
    np.maximum(bad, 0.0, out=bad)
    bad *= rate
    return np.clip(disposition - bad, 0.0, 1.0)


def init(world: World, spec: Spec, rng: np.random.Generator) -> None:
    """Citizens start expecting what they get (no surprise at step 0)."""
    pop = world.population
    pop.expectation_local = pop.service_quality.copy()
    pop.expectation_national = national_performance(world, spec.national_blame)


def step(world: World, spec: Spec, rng: np.random.Generator) -> None:
    """Update trust in council and national government from this month's experience."""
    pop = world.population
    local = pop.service_quality
    fused = of_world(world)
    if fused is not None:  # the same arithmetic in one pass (sim.kernels)
        _step_fused(world, spec, fused)
        return
    national = national_performance(world, spec.national_blame)
    old_national = pop.trust_national
    pop.trust_local = asymmetric_update(
        pop.trust_local, local, pop.expectation_local, spec.up_rate, spec.down_rate
    )
    pop.trust_national = asymmetric_update(
        pop.trust_national, national, pop.expectation_national, spec.up_rate, spec.down_rate
    )
    # the governing party shares the government's credit and blame
    gov = world.parties.government
    if gov >= 0:
        pop.trust_party[:, gov] = np.clip(
            pop.trust_party[:, gov] + (pop.trust_national - old_national), 0, 1
        )
    if spec.cynicism > 0:
        pop.disposition_local = ratchet(
            pop.disposition_local, local, pop.expectation_local, spec.cynicism
        )
        pop.disposition_national = ratchet(
            pop.disposition_national, national, pop.expectation_national, spec.cynicism
        )
    pop.expectation_local = adapt_expectation(pop.expectation_local, local, spec.expectation_rate)
    pop.expectation_national = adapt_expectation(
        pop.expectation_national, national, spec.expectation_rate
    )


def _step_fused(world: World, spec: Spec, fused) -> None:
    """:func:`step` through the fused kernel (same bits as the numpy rules above)."""
    pop = world.population
    local = pop.service_quality
    old_national = pop.trust_national
    if spec.cynicism > 0:  # from this month's expectations, before they adapt
        national = national_performance(world, spec.national_blame)
        pop.disposition_local = ratchet(
            pop.disposition_local, local, pop.expectation_local, spec.cynicism
        )
        pop.disposition_national = ratchet(
            pop.disposition_national, national, pop.expectation_national, spec.cynicism
        )
    n = pop.size
    tl, tn, el, en = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    chunks = parallel_chunks(n)  # threads for a million citizens, same bits
    kernel = fused.trust_experience_parallel if chunks else fused.trust_experience
    kernel(  # the same arguments, and the ranges to split into when threaded
        pop.trust_local,
        old_national,
        pop.expectation_local,
        pop.expectation_national,
        local,
        float(world.government.performance + world.news),
        float(spec.national_blame),
        float(spec.up_rate),
        float(spec.down_rate),
        float(spec.expectation_rate),
        pop.trust_party,  # written in place, as the numpy rule does, for the governing party
        int(world.parties.government),
        tl,
        tn,
        el,
        en,
        *((chunks,) if chunks else ()),
    )
    pop.trust_local, pop.trust_national = tl, tn
    pop.expectation_local, pop.expectation_national = el, en
