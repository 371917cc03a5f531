"""Where the network picture puts each citizen: a seeded, cached layout grouped by council.

A large population is drawn as a stratified sample of at most :data:`SAMPLE_LIMIT` citizens.
The layout's random numbers come from :func:`sim.rng.derive_seed`, never from an unseeded
generator, so the picture is the same for a given seed.
"""

from __future__ import annotations

import threading
import weakref
import zlib
from dataclasses import dataclass
from functools import lru_cache

import networkx as nx
import numpy as np

from ..model import GovernanceModel
from ..rng import derive_seed

__all__ = [
    "SAMPLE_LIMIT",
    "NetworkLayout",
    "drawn_count",
    "grouped_layout",
    "layout_for",
    "sample_citizens",
]

#: Most citizens drawn in the network picture; larger populations are sampled.
SAMPLE_LIMIT = 1400


def drawn_count(population: int, limit: int = SAMPLE_LIMIT) -> int:
    """How many citizens the picture draws: everyone up to 400, then a fifth more of the rest.

    A bigger population gives a visibly denser picture (2,000 residents: 720 dots; 5,000:
    1,320), never more than ``limit``.

    >>> drawn_count(100), drawn_count(2000), drawn_count(5000)
    (100, 720, 1320)
    """
    if population <= 400:
        return population
    return min(limit, 400 + (population - 400) // 5)


@dataclass(frozen=True)
class NetworkLayout:
    """Where the drawn citizens sit: ``xy[i]`` is the position of citizen ``sample[i]``."""

    sample: np.ndarray
    xy: np.ndarray
    centres: np.ndarray
    council_names: tuple[str, ...]
    population: int

    @property
    def sampled(self) -> bool:
        """True when only part of the population is drawn."""
        return len(self.sample) < self.population


def sample_citizens(council: np.ndarray, limit: int, seed: int) -> np.ndarray:
    """Indices of at most ``limit`` citizens, stratified by council (sorted).

    Each council keeps a share of the sample proportional to its population (at least one
    citizen while the limit allows).  Everyone is drawn when the population fits.

    >>> council = np.repeat([0, 1], [300, 100])
    >>> s = sample_citizens(council, 200, seed=1)
    >>> len(s), int((council[s] == 1).sum())
    (200, 50)
    """
    n = len(council)
    if n <= limit:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    counts = np.bincount(council)
    quota = np.floor(counts * limit / n).astype(int)
    quota[(quota == 0) & (counts > 0)] = 1
    while quota.sum() > limit:  # many tiny councils: trim the largest quotas
        quota[np.argmax(quota)] -= 1
    extra = limit - quota.sum()
    if extra > 0:  # hand the rounding remainder to the largest councils
        order = np.argsort(-(counts * limit / n - quota), kind="stable")
        quota[order[:extra]] += 1
    picks = [
        rng.choice(np.flatnonzero(council == c), size=q, replace=False)
        for c, q in enumerate(quota)
        if q > 0
    ]
    return np.sort(np.concatenate(picks))


def _council_centres(k: int) -> np.ndarray:
    """Council centres: on a circle for a few councils, a sunflower spiral for many."""
    if k == 1:
        return np.zeros((1, 2))
    if k <= 8:
        angle = np.pi / 2 - 2 * np.pi * np.arange(k) / k
        return np.column_stack([np.cos(angle), np.sin(angle)])
    i = np.arange(k) + 0.5
    r = np.sqrt(i / k)
    theta = np.pi * (3 - np.sqrt(5)) * i
    return np.column_stack([r * np.cos(theta), r * np.sin(theta)])


def grouped_layout(
    u: np.ndarray, v: np.ndarray, council: np.ndarray, sample: np.ndarray, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Place the sampled citizens in one group per council, friends near each other.

    Each council's drawn members get a force-directed (Fruchterman-Reingold) layout of the ties
    among them, seeded, so the picture shows the network's shape: a small world stays a loose
    ring of neighbourhoods, a few very connected people sit in the middle of their council,
    random friendships make an even cloud.  Each group is scaled so that 90% of its members lie
    within a radius proportional to the square root of its drawn members.

    Returns ``(xy, centres)``: an array of shape ``(len(sample), 2)`` and one centre per council.
    """
    k = int(council.max()) + 1 if len(council) else 1
    centres = _council_centres(k) * (1.0 if k <= 8 else 2.0)
    m = len(sample)
    members = council[sample]
    counts = np.bincount(members, minlength=k)
    radius = 0.42 * np.sqrt(counts / max(counts.max(), 1)) * (1.0 if k <= 8 else 4 / np.sqrt(k))
    index = np.full(len(council), -1)
    index[sample] = np.arange(m)
    a, b = index[u], index[v]
    keep = (a >= 0) & (b >= 0)
    a, b = a[keep], b[keep]
    inside = members[a] == members[b]
    a, b = a[inside], b[inside]
    xy = np.zeros((m, 2))
    for c in np.flatnonzero(counts):
        who = np.flatnonzero(members == c)
        g = nx.Graph()
        g.add_nodes_from(who.tolist())
        mine = members[a] == c
        g.add_edges_from(zip(a[mine].tolist(), b[mine].tolist(), strict=True))
        if len(who) > 2:
            pos = nx.spring_layout(g, seed=derive_seed(seed, int(c)) % 2**32, iterations=40)
            p = np.array([pos[i] for i in who.tolist()])
        else:
            p = np.array([[0.0, 0.0], [0.5, 0.0]])[: len(who)]
        p -= np.median(p, axis=0)
        r = np.hypot(p[:, 0], p[:, 1])
        reach = float(np.quantile(r, 0.9)) if len(r) else 1.0
        p *= radius[c] / max(reach, 1e-9)
        r = np.hypot(p[:, 0], p[:, 1])
        far = r > radius[c]  # pull stragglers in smoothly: at most 1.3 radii out
        soft = radius[c] * (1 + 0.3 * np.tanh((r[far] - radius[c]) / radius[c]))
        p[far] *= (soft / r[far])[:, None]
        xy[who] = centres[c] + p
    return xy, centres


@lru_cache(maxsize=32)
def _cached_layout(key: tuple, limit: int, seed: int) -> NetworkLayout:
    u, v, council, names = _LAYOUT_INPUTS.pop(key)
    count = drawn_count(len(council), limit)
    sample = sample_citizens(council, count, derive_seed(seed, _VIZ_KEY, 1))
    xy, centres = grouped_layout(u, v, council, sample, derive_seed(seed, _VIZ_KEY, 2))
    return NetworkLayout(sample, xy, centres, names, len(council))


_VIZ_KEY = zlib.crc32(b"viz")  # stream key of the drawing's random numbers
_LAYOUT_INPUTS: dict[tuple, tuple] = {}
_LAYOUTS: weakref.WeakKeyDictionary[GovernanceModel, NetworkLayout] = weakref.WeakKeyDictionary()
_LAYOUT_LOCK = threading.Lock()


def layout_for(model: GovernanceModel, limit: int = SAMPLE_LIMIT) -> NetworkLayout:
    """The model's drawing layout, computed once from its initial network and cached.

    Cached per model (later changes to the network keep the picture still) and by content
    (two browser tabs with the same settings compute it once).
    """
    with _LAYOUT_LOCK:
        if model in _LAYOUTS:
            return _LAYOUTS[model]
        w = model.world
        council = w.population.council
        key = (
            w.graph.n,
            zlib.crc32(w.graph.u.tobytes()),
            zlib.crc32(w.graph.v.tobytes()),
            zlib.crc32(np.ascontiguousarray(council).tobytes()),
            tuple(w.councils.names),
        )
        _LAYOUT_INPUTS[key] = (w.graph.u, w.graph.v, council, tuple(w.councils.names))
        seed = model.spec.seed if model.seed is None else int(model.seed)
        try:
            layout = _cached_layout(key, limit, seed)
        finally:
            _LAYOUT_INPUTS.pop(key, None)
        _LAYOUTS[model] = layout
        return layout
