r"""Submodel 9, observation: the metrics collected each step (plain functions of the state).

Headline metrics (all in [0, 1] unless stated): ``trust_local``, ``trust_national``,
``participation``, ``turnout`` (at the latest election; before the first, the turnout expected
at step 0), ``efficacy``, ``service_quality``, ``value_for_money`` (need met per unit spent, not
bounded), ``participation_gap`` (least- minus most-deprived quintile, in [-1, 1]) and
``trust_gini`` (Gini coefficient of trust in the council).

By group, for trust (local and national), participation, efficacy and service quality:
``<metric>_q1`` ... ``_q5`` (deprivation quintiles, 1 = least deprived), ``_youth``,
``_tenants``.  Also vote shares, swing, heard share, social capital and national performance.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np

from .population import VARIABLES

if TYPE_CHECKING:
    from .state import World

__all__ = ["BOUNDED", "GROUP_VARIABLES", "HEADLINE", "gini", "metric_names", "observe"]

HEADLINE = (
    "trust_local",
    "trust_national",
    "participation",
    "turnout",
    "efficacy",
    "service_quality",
    "value_for_money",
    "participation_gap",
    "trust_gini",
)
#: Metrics observed by group, from the citizen variables that declare one (in table order).
GROUP_VARIABLES = tuple(v.metric for v in VARIABLES if v.metric is not None)
_GROUP_SOURCES = {v.metric: v.name for v in VARIABLES if v.metric is not None}
GROUPS = ("q1", "q2", "q3", "q4", "q5", "youth", "tenants")


def gini(x: np.ndarray) -> float:
    r"""Gini coefficient, :math:`G = \sum_i (2i - n - 1) x_{(i)} / (n \sum_i x_i)`.

    Exact: one sort of a copy (numpy's vectorised sort), then a sum against the weights
    :math:`2i - n - 1`, which are kept between calls for the same :math:`n`.

    >>> gini(np.array([1.0, 1.0, 1.0]))
    0.0
    >>> round(gini(np.array([0.0, 0.0, 0.0, 1.0])), 3)
    0.75
    """
    n = len(x)
    total = float(x.sum())
    if n == 0 or total <= 0:
        return 0.0
    xs = np.sort(x)
    # numpy's pairwise sum, not BLAS ``dot``: a multithreaded BLAS splits the sum by thread
    # count, so the last digits would depend on the machine
    weighted = np.multiply(_gini_weights(n), xs, out=xs).sum()
    return float(weighted / (n * total))


@functools.lru_cache(maxsize=4)
def _gini_weights(n: int) -> np.ndarray:
    """Return the weights :math:`2i - n - 1`, :math:`i = 1..n`, as floats (exact below 2**53)."""
    w = (2 * np.arange(1, n + 1) - n - 1).astype(np.float64)
    w.setflags(write=False)
    return w


def metric_names(party_names: list[str]) -> list[str]:
    """All metric columns, in order, for a scenario with these parties."""
    names = list(HEADLINE)
    names += [f"{v}_{g}" for v in GROUP_VARIABLES for g in GROUPS]
    names += [f"vote_share_{p}" for p in party_names]
    names += [
        "election",
        "swing",
        "government",
        "government_changed",
        "heard_share",
        "national_performance",
        "mean_degree",
        "formed_ties",
    ]
    return names


#: Metrics that must stay in [0, 1] (``participation_gap`` in [-1, 1]; VfM unbounded).
BOUNDED = tuple(m for m in HEADLINE if m not in ("value_for_money", "participation_gap"))


def observe(world: World, *, election_held: bool = False) -> dict[str, float]:
    """Every metric of the current state, as a flat dict of floats."""
    pop = world.population
    n = pop.size
    values = {}
    for metric, source in _GROUP_SOURCES.items():
        x = getattr(pop, source)
        values[metric] = x.astype(np.float64) if x.dtype == bool else x
    out: dict[str, float] = {name: float(values[name].mean()) for name in values}
    out["turnout"] = float(world.turnout)
    out["value_for_money"] = float(world.value_for_money)
    out["trust_gini"] = gini(pop.trust_local)
    quintile, q_count, youth, tenant = _groups(world)
    y_count, t_count = float(len(youth)), float(len(tenant))
    for name, x in values.items():
        q = np.bincount(quintile, weights=x, minlength=5)
        q = np.divide(q, q_count, out=np.full(5, np.nan), where=q_count > 0)
        for i in range(5):
            out[f"{name}_q{i + 1}"] = float(q[i])
        out[f"{name}_youth"] = float(x[youth].sum() / y_count) if y_count else float("nan")
        out[f"{name}_tenants"] = float(x[tenant].sum() / t_count) if t_count else float("nan")
    gap = out["participation_q1"] - out["participation_q5"]
    out["participation_gap"] = float(gap) if np.isfinite(gap) else 0.0
    for name, share in zip(world.parties.names, world.parties.vote_share, strict=True):
        out[f"vote_share_{name}"] = float(share)
    out["election"] = float(election_held)
    out["swing"] = float(world.swing)
    out["government"] = float(world.parties.government)
    out["government_changed"] = float(world.government_changed and election_held)
    parts = float(np.count_nonzero(pop.participating))
    out["heard_share"] = float(np.count_nonzero(pop.heard) / parts) if parts else 0.0
    out["national_performance"] = float(world.government.performance)
    out["mean_degree"] = float(2 * world.graph.edge_count / n)
    out["formed_ties"] = float(2 * np.count_nonzero(world.graph.formed) / n)
    return out


def _groups(world: World) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Quintile codes (intp) and sizes, and the indices of youth and of tenants (cached).

    ``x[indices].sum()`` adds the same values in the same order as ``x[mask].sum()``.
    """
    pop = world.population

    def build():
        quintile = pop.quintile.astype(np.intp)
        count = np.bincount(quintile, minlength=5).astype(float)
        return quintile, count, np.flatnonzero(pop.youth), np.flatnonzero(pop.tenant)

    return world.derived("metrics.groups", build)
