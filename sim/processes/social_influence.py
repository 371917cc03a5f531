r"""Submodel 6, social influence: neighbours' trust, and spill-over between local and national.

DeGroot (1974) averaging, with weight :math:`w` on the neighbours' mean each month:

.. math::  x \leftarrow (1 - w)\, x + w\, D^{-1} A\, x .

On a connected undirected graph this converges to the degree-weighted mean
:math:`\sum_i k_i x_i / \sum_i k_i` (the stationary distribution of the random walk) when
:math:`0 < w < 1`, or when :math:`w = 1` and the graph is not bipartite.

Deffuant et al. (2000) bounded confidence: each month a random matching of ties is drawn
(:func:`random_matching`: not maximal, it favours hubs); a matched pair whose views differ by
less than :math:`\varepsilon` moves together by :math:`\mu`:

.. math::  x_i \leftarrow x_i + \mu (x_j - x_i), \quad x_j \leftarrow x_j + \mu (x_i - x_j)
           \quad \text{if } |x_i - x_j| < \varepsilon .

Each exchange conserves the mean; from uniform views on a complete graph about
:math:`\lfloor 1/(2\varepsilon) \rfloor` opinion clusters remain.

Anchoring (Friedkin and Johnsen 1990): after the exchange, each view moves back toward the
citizen's own disposition :math:`x^0_i` (their initial view) by :math:`a`:
:math:`x \leftarrow (1 - a) x + a x^0`; with :math:`a = 0` this is pure DeGroot or Deffuant.

Spill-over: :math:`T^{nat} \leftarrow T^{nat} + \sigma_{LN} (T^{loc} - T^{nat})`,
:math:`T^{loc} \leftarrow T^{loc} + \sigma_{NL} (T^{nat} - T^{loc})` (simultaneously).

References
----------
.. [1] DeGroot, M. H. (1974). Reaching a consensus. JASA 69(345), 118-121.
   doi:10.1080/01621459.1974.10480137
.. [2] Deffuant, G., Neau, D., Amblard, F., Weisbuch, G. (2000). Mixing beliefs among
   interacting agents. Advances in Complex Systems 3, 87-98. doi:10.1142/S0219525900000078
.. [3] Friedkin, N. E., Johnsen, E. C. (1990). Social influence and opinions. Journal of
   Mathematical Sociology 15(3-4), 193-206. doi:10.1080/0022250X.1990.9990069
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

import numpy as np
from pydantic import Field

from ..kernels import of_world, parallel_chunks
from ..schema_base import ProcessSpec, Unit

if TYPE_CHECKING:
    from ..state import SocialGraph, World

__all__ = [
    "NAME",
    "STREAM",
    "TITLE",
    "Spec",
    "anchor",
    "contagion",
    "deffuant",
    "degroot",
    "random_matching",
    "spillover",
    "step",
]

NAME = "social_influence"
TITLE = "Social influence"
STREAM = 7


class Spec(ProcessSpec):
    """Neighbours' trust: DeGroot averaging or Deffuant bounded confidence."""

    rule: Literal["degroot", "deffuant", "none"] = Field(
        "degroot", description="DeGroot averaging, Deffuant bounded confidence, or none."
    )
    weight: Unit = Field(0.01, description="DeGroot: weight on the neighbours' mean each month.")
    epsilon: Unit = Field(0.2, description="Deffuant: confidence bound.")
    mu: Annotated[float, Field(ge=0, le=0.5, allow_inf_nan=False)] = Field(
        0.3, description="Deffuant: convergence parameter (0-0.5)."
    )
    anchoring: Unit = Field(
        0.005,
        description="Monthly pull of trust back toward each citizen's own disposition "
        "(Friedkin-Johnsen); 0 = pure DeGroot.",
    )
    local_to_national: Unit = Field(
        0.005, description="Monthly spill-over of local into national trust."
    )
    national_to_local: Unit = Field(
        0.0025, description="Monthly spill-over of national into local trust."
    )
    distrust_contagion: Unit = Field(
        0.0,
        description="Persistence mechanism (social contagion of distrust, Boggild et al. 2020): "
        "monthly pull of each citizen's disposition toward neighbours' trust where "
        "neighbours trust less; trust above one's disposition does not spread. 0 = off.",
    )


def degroot(x: np.ndarray, graph: SocialGraph, weight: float) -> np.ndarray:
    r"""One DeGroot step :math:`(1-w)x + w D^{-1}Ax`; isolated citizens keep their view."""
    out = (1 - weight) * x
    out += weight * graph.neighbour_mean(x)
    if graph.isolated.any():
        isolated = graph.isolated[:, None] if x.ndim == 2 else graph.isolated
        out = np.where(isolated, x, out)
    return out


def random_matching(
    u: np.ndarray, v: np.ndarray, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """A random matching: ties in random order, a tie used when it is first for both its ends.

    Each citizen is matched at most once.  It is not a maximal matching: on a complete graph
    it pairs about half the citizens, and high-degree citizens more often than others
    (docs/ODD.md section 7.6 gives the measured rates).

    >>> u, v = np.array([0, 1, 2]), np.array([1, 2, 3])      # a path 0-1-2-3
    >>> a, b = random_matching(u, v, 4, np.random.default_rng(0))
    >>> len(np.unique(np.r_[a, b])) == 2 * len(a)
    True
    """
    if len(u) == 0:
        return u, v
    order = rng.permutation(len(u))
    ends = np.column_stack([u[order], v[order]]).ravel()
    nodes, first = np.unique(ends, return_index=True)
    first_edge = np.full(n, -1, dtype=np.int64)
    first_edge[nodes] = first // 2
    pos = np.arange(len(order))
    chosen = (first_edge[u[order]] == pos) & (first_edge[v[order]] == pos)
    return u[order][chosen], v[order][chosen]


def deffuant(x: np.ndarray, a: np.ndarray, b: np.ndarray, epsilon: float, mu: float) -> np.ndarray:
    """Bounded-confidence exchange over the matched pairs ``(a, b)`` (disjoint).

    >>> deffuant(np.array([0.0, 0.1, 0.9]), np.array([0]), np.array([1]), 0.2, 0.5).tolist()
    [0.05, 0.05, 0.9]
    """
    xa, xb = x[a], x[b]
    close = np.abs(xa - xb) < epsilon
    out = x.copy()
    out[a] = np.where(close, xa + mu * (xb - xa), xa)
    out[b] = np.where(close, xb + mu * (xa - xb), xb)
    return out


def anchor(x: np.ndarray, disposition: np.ndarray, a: float) -> np.ndarray:
    r"""Friedkin-Johnsen anchoring, :math:`(1 - a)\,x + a\,x^0`.

    >>> anchor(np.array([0.2]), np.array([0.6]), 0.25).tolist()
    [0.30000000000000004]
    """
    out = (1 - a) * x
    out += a * disposition
    return out


def contagion(disposition: np.ndarray, neighbours: np.ndarray, rate: float) -> np.ndarray:
    r"""Distrust spreads, trust does not: :math:`x^0 + \kappa \min(0, \bar T_{N(i)} - x^0)`.

    ``neighbours`` is the neighbours' mean trust :math:`(D^{-1} A T)_i`.  Distrust is more
    contagious than trust (Bøggild, Aarøe and Petersen 2020), so a citizen's own disposition
    (the anchor of social influence) learns from distrusting neighbours only.

    >>> contagion(np.array([0.5, 0.5]), np.array([0.3, 0.9]), 0.5).tolist()
    [0.4, 0.5]
    """
    down = neighbours - disposition
    np.minimum(down, 0.0, out=down)
    down *= rate
    down += disposition
    return down


def spillover(local: np.ndarray, national: np.ndarray, a: float, b: float):
    """Simultaneous spill-over between trust in council and in national government."""
    new_local = national - local
    new_local *= b
    new_local += local
    new_national = local - national
    new_national *= a
    new_national += national
    return new_local, new_national


def step(world: World, spec: Spec, rng: np.random.Generator) -> None:
    """Neighbours' influence on both kinds of trust, then local/national spill-over."""
    pop, graph = world.population, world.graph
    local, national = pop.trust_local, pop.trust_national
    fusable = spec.rule == "degroot" and spec.weight > 0 and spec.distrust_contagion == 0
    fused = of_world(world) if fusable else None
    if fused is not None:  # the same arithmetic in one pass (sim.kernels)
        args = (
            graph.isolated,
            local,
            national,
            float(1 - spec.weight),
            float(spec.weight),
            spec.anchoring > 0,
            float(1 - spec.anchoring),
            float(spec.anchoring),
            pop.disposition_local,
            pop.disposition_national,
            float(spec.local_to_national),
            float(spec.national_to_local),
        )
        indptr, indices = graph.kernel_csr
        both = world.scratch("social_influence.both", 2 * pop.size)
        tl, tn = np.empty(pop.size), np.empty(pop.size)
        chunks = parallel_chunks(pop.size)  # threads for a million citizens, same bits
        if chunks:
            fused.social_degroot_parallel(
                indptr, indices, graph.inverse_degree, both, *args, tl, tn, chunks
            )
        else:
            fused.social_degroot(indptr, indices, graph.inverse_degree, both, *args, tl, tn)
        pop.trust_local, pop.trust_national = tl, tn
        return
    if spec.distrust_contagion > 0:  # from last month's trust, before this month's exchange
        k = spec.distrust_contagion
        pop.disposition_local = contagion(pop.disposition_local, graph.neighbour_mean(local), k)
        pop.disposition_national = contagion(
            pop.disposition_national, graph.neighbour_mean(national), k
        )
    if spec.rule == "degroot" and spec.weight > 0:
        # one column at a time: the same sums as the (n, 2) product, and faster in scipy
        local = degroot(local, graph, spec.weight)
        national = degroot(national, graph, spec.weight)
    elif spec.rule == "deffuant":
        a, b = random_matching(graph.u, graph.v, pop.size, rng)
        local = deffuant(local, a, b, spec.epsilon, spec.mu)
        national = deffuant(national, a, b, spec.epsilon, spec.mu)
    if spec.anchoring > 0:
        local = anchor(local, pop.disposition_local, spec.anchoring)
        national = anchor(national, pop.disposition_national, spec.anchoring)
    local, national = spillover(local, national, spec.local_to_national, spec.national_to_local)
    pop.trust_local = np.clip(local, 0, 1, out=local)
    pop.trust_national = np.clip(national, 0, 1, out=national)
