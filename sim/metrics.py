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
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from .population import VARIABLES

if TYPE_CHECKING:
    from .state import World

__all__ = [
    "BOUNDED",
    "GROUP_VARIABLES",
    "HEADLINE",
    "Observation",
    "Observer",
    "gini",
    "metric_names",
    "observe",
]

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
    observer = Observer(world.parties.names)
    row = np.empty(len(observer.names))
    observer.observe_into(world, row, election_held=election_held)
    return dict(zip(observer.names, row.tolist(), strict=True))


#: From this many citizens the Gini's sort is numpy's (vectorised), given to the kernel:
#: ``benchmarks/kernel_parts.py``, the kernel's sort against ``np.sort``: 15.6 against 6.5 ms
#: at 1,000,000, 1.06 against 0.57 ms at 100,000.  Below it the kernel sorts (at 1,000,
#: 4.8 against 3.6 us: a small gain, and the one-call months sort in the kernel anyway).
NUMPY_SORT_FROM = 10_000
_NOT_SORTED = np.empty(0)


class Observer:
    """Writes every metric of the current state into one float64 row (``metric_names`` order).

    The model keeps one per run and writes each step's row straight into its collector's
    preallocated table (:class:`sim.collector.MetricsCollector`); :func:`observe` gives the
    same values as a dict.  Group means are computed by the numba kernel
    (``sim.kernels``) or by numpy, with the same bits.
    """

    def __init__(self, party_names: list[str]):
        self.names = metric_names(party_names)
        self.index = index = {name: j for j, name in enumerate(self.names)}
        first = index[f"{GROUP_VARIABLES[0]}_{GROUPS[0]}"]
        self._block = slice(first, first + len(GROUP_VARIABLES) * len(GROUPS))
        self._votes = slice(self._block.stop, self._block.stop + len(party_names))
        self._tail = index["election"]
        self._headline = [index[m] for m in ("trust_local", "trust_national", "participation")]
        self._headline += [index["efficacy"], index["service_quality"]]
        self.block = np.empty((len(GROUP_VARIABLES), len(GROUPS)))
        self.means = np.empty(len(GROUP_VARIABLES))
        h0 = self._headline[0]  # where the kernel writes (sim._kernels_numba.observe_groups)
        self._at = np.array([*self._headline, h0 + 7, h0 + 8, self._block.start], dtype=np.int64)

    def observe_into(
        self, world: World, row: np.ndarray, *, election_held: bool = False
    ) -> dict[str, np.ndarray]:
        """Fill ``row`` with every metric; return the council means (trust, services, taking part).

        The council means are ``{"trust_local", "service_quality", "participation"}``, arrays
        over councils (a council without residents divides by 1).
        """
        from .kernels import of_world

        pop = world.population
        quintile, q_count, youth, tenant = _groups(world)
        council, c_count = _councils(world)
        fused = of_world(world)
        block, means = self.block, self.means
        if fused is not None:
            csum = np.empty((3, len(c_count)))
            parts, heard = fused.observe_groups(
                pop.trust_local,
                pop.trust_national,
                pop.participating,
                pop.efficacy,
                pop.service_quality,
                quintile,
                q_count,
                youth,
                tenant,
                council,
                c_count,
                block,
                means,
                csum,
                pop.heard,
                row,
                self._at,
                np.sort(pop.trust_local) if pop.size >= NUMPY_SORT_FROM else _NOT_SORTED,
            )
            summary = council_means(csum)
        else:
            summary = _observe_numpy(
                pop, quintile, q_count, youth, tenant, council, c_count, block, means
            )
            h = self._headline
            row[h] = means
            gap = float(block[2, 0]) - float(block[2, 4])
            row[h[0] + 7] = gap if np.isfinite(gap) else 0.0
            row[h[0] + 8] = gini(pop.trust_local)
            row[self._block] = block.ravel()
            parts = np.count_nonzero(pop.participating)
            heard = np.count_nonzero(pop.heard)
        self.finish(world, row, parts, heard, election_held=election_held)
        return summary

    def kernel_buffers(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``block``, ``means`` and the row positions ``at`` that ``observe_groups`` fills."""
        return self.block, self.means, self._at

    def finish_positions(self) -> tuple[np.ndarray, np.ndarray]:
        """Where :meth:`finish` writes, and which three of those a quiet month changes.

        The three: value for money, the heard share and national performance.
        """
        h0, tail = self._headline[0], self._tail
        written = [h0 + 3, h0 + 6, *range(self._votes.start, self._votes.stop)]
        written += range(tail, tail + 8)
        return np.array(written, dtype=np.int64), np.array([h0 + 6, tail + 4, tail + 5])

    def finish(
        self, world: World, row: np.ndarray, parts: int, heard: int, *, election_held: bool
    ) -> None:
        """Write the metrics that are not group means into ``row`` (``observe_groups`` does those).

        ``parts`` and ``heard`` are this month's participants and those heard.
        """
        pop = world.population
        h0 = self._headline[0]
        row[h0 + 3] = float(world.turnout)
        row[h0 + 6] = float(world.value_for_money)
        row[self._votes] = world.parties.vote_share
        n = pop.size
        heard_share = float(heard / parts) if parts else 0.0
        row[self._tail : self._tail + 8] = (
            float(election_held),
            float(world.swing),
            float(world.parties.government),
            float(world.government_changed and election_held),
            heard_share,
            float(world.government.performance),
            float(2 * world.graph.edge_count / n),
            float(2 * np.count_nonzero(world.graph.formed) / n),
        )


def council_means(csum: np.ndarray) -> dict[str, np.ndarray]:
    """The council means ``observe_groups`` writes into ``csum`` (3 x councils), by name."""
    return {"trust_local": csum[0], "service_quality": csum[1], "participation": csum[2]}


class Observation(Mapping):
    """One step's metrics: a read-only mapping name -> float over the observed row."""

    __slots__ = ("_index", "row")

    def __init__(self, index: dict[str, int], row: np.ndarray):
        self._index = index
        self.row = row

    def __getitem__(self, name: str) -> float:
        return float(self.row[self._index[name]])

    def __iter__(self):
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __repr__(self) -> str:
        return f"Observation({dict(self)!r})"


def _observe_numpy(pop, quintile, q_count, youth, tenant, council, c_count, block, means):
    """:meth:`Observer.observe_into`'s group and council means with numpy (the reference)."""
    y_count, t_count = float(len(youth)), float(len(tenant))
    for r, source in enumerate(_GROUP_SOURCES.values()):
        x = getattr(pop, source)
        if x.dtype == bool:  # counts: the same integers the 0/1 sums give
            means[r] = np.count_nonzero(x) / len(x)
            q = np.bincount(quintile[x], minlength=5).astype(np.float64)
            y = np.count_nonzero(x[youth]) if y_count else 0.0
            t = np.count_nonzero(x[tenant]) if t_count else 0.0
        else:
            means[r] = x.mean()
            q = np.bincount(quintile, weights=x, minlength=5)
            y = x[youth].sum() if y_count else 0.0
            t = x[tenant].sum() if t_count else 0.0
        block[r, :5] = np.divide(q, q_count, out=np.full(5, np.nan), where=q_count > 0)
        block[r, 5] = y / y_count if y_count else np.nan
        block[r, 6] = t / t_count if t_count else np.nan
    summary = {
        name: np.bincount(council, weights=getattr(pop, name), minlength=len(c_count)) / c_count
        for name in ("trust_local", "service_quality")
    }
    taking_part = np.bincount(council[pop.participating], minlength=len(c_count))
    summary["participation"] = taking_part.astype(float) / c_count
    return summary


def _councils(world: World) -> tuple[np.ndarray, np.ndarray]:
    """Council codes (intp) and residents per council, at least 1 (cached)."""
    pop = world.population
    k = world.councils.count
    return world.derived(
        "model.council_size",
        lambda: (
            pop.council.astype(np.intp),
            np.maximum(np.bincount(pop.council, minlength=k), 1),
        ),
    )


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
