r"""Social graphs: generated straight into edge arrays, used as a sparse matrix.

Every generator returns an undirected simple graph as two ``int32`` arrays ``(u, v)`` with
``u < v``, no self-loops and no repeated edges, drawn from the run's ``network`` random stream.
The model multiplies by the graph as a ``scipy.sparse`` CSR matrix; the networkx object
(:func:`to_networkx`) is built from the same arrays only when someone asks for it, so results
are identical whether or not it exists, and a million-citizen graph does not pay for it.

The array generators follow the textbook definitions (and networkx's semantics):

* Erdos-Renyi :math:`G(n, p)` with :math:`p = k / (n - 1)`: the number of edges is drawn from
  :math:`\mathrm{Binomial}(n(n-1)/2, p)`, then that many distinct pairs uniformly.
* Watts-Strogatz (1998): a ring lattice with :math:`k/2` neighbours each side, each edge's far
  end rewired with probability :math:`\beta` to a uniform node, avoiding self-loops and
  duplicates (as ``networkx.watts_strogatz_graph``).
* Barabasi-Albert (1999): each new node attaches :math:`m = k/2` edges preferentially, by the
  Batagelj-Brandes (2005) edge-list method, resolved for all edges at once by pointer jumping.
* Stochastic block model by council: each tie stays inside one's council with probability
  ``homophily`` (to a uniform co-resident), else goes to a uniform citizen anywhere.
* ``file``: an edge list (two columns) or GraphML; nodes are numbered in sorted order.
"""

from __future__ import annotations

from pathlib import Path
from xml.etree.ElementTree import ParseError

import networkx as nx
import numpy as np
import scipy.sparse as sp
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring

from .errors import ScenarioError
from .files import MAX_GRAPH_BYTES, read_limited
from .schema import NetworkSpec

__all__ = [
    "adjacency",
    "barabasi_albert_edges",
    "build_edges",
    "complete_edges",
    "erdos_renyi_edges",
    "load_graph_file",
    "read_graph_file",
    "sbm_edges",
    "to_networkx",
    "watts_strogatz_edges",
]

Edges = tuple[np.ndarray, np.ndarray]


def _canonical(u: np.ndarray, v: np.ndarray, n: int) -> Edges:
    """Order each pair (u < v), drop self-loops and repeats; sorted by (u, v)."""
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    keep = lo != hi
    key = _sorted_unique(lo[keep] * n + hi[keep])
    return (key // n).astype(np.int32), (key % n).astype(np.int32)


def _sorted_unique(a: np.ndarray) -> np.ndarray:
    """``np.unique(a)`` for integers, by one sort (numpy's hash-based unique is far slower here).

    >>> _sorted_unique(np.array([3, 1, 3, 2, 1])).tolist()
    [1, 2, 3]
    """
    a = np.sort(a)
    keep = np.empty(len(a), dtype=bool)
    keep[:1] = True
    np.not_equal(a[1:], a[:-1], out=keep[1:])
    return a[keep]


def erdos_renyi_edges(n: int, mean_degree: float, rng: np.random.Generator) -> Edges:
    r"""Erdos-Renyi :math:`G(n, p)`, :math:`p = k/(n-1)`.

    >>> u, v = erdos_renyi_edges(1000, 10, np.random.default_rng(1))
    >>> 4500 < len(u) < 5500
    True
    """
    pairs = n * (n - 1) // 2
    p = min(1.0, mean_degree / max(n - 1, 1))
    m = int(rng.binomial(pairs, p))
    if m > pairs // 2:  # dense: enumerate all pairs and keep each with probability p
        iu, ju = np.triu_indices(n, k=1)
        keep = rng.random(len(iu)) < p
        return iu[keep].astype(np.int32), ju[keep].astype(np.int32)
    keys = np.empty(0, dtype=np.int64)
    while len(keys) < m:
        need = m - len(keys)
        a = rng.integers(0, n, size=int(need * 1.1) + 16)
        b = rng.integers(0, n, size=len(a))
        ok = a != b
        lo, hi = np.minimum(a[ok], b[ok]), np.maximum(a[ok], b[ok])
        new = lo * n + hi
        # keep first occurrences in draw order, so the result does not depend on sorting
        keys = np.concatenate([keys, new])
        _, first = np.unique(keys, return_index=True)
        keys = keys[np.sort(first)]
    keys = np.sort(keys[:m])
    return (keys // n).astype(np.int32), (keys % n).astype(np.int32)


def watts_strogatz_edges(n: int, k: int, beta: float, rng: np.random.Generator) -> Edges:
    r"""Watts-Strogatz small world: ring lattice of degree :math:`k`, rewired with :math:`\beta`.

    With :math:`\beta = 0` the clustering coefficient is :math:`3(k-2)/(4(k-1))`.

    >>> u, v = watts_strogatz_edges(100, 4, 0.0, np.random.default_rng(0))
    >>> len(u)
    200
    """
    half = max(1, int(k) // 2)
    if n <= 2 * half:
        return complete_edges(n)
    src = np.repeat(np.arange(n, dtype=np.int64), half)
    dst = (src + np.tile(np.arange(1, half + 1), n)) % n
    rewire = rng.random(len(src)) < beta
    keys = np.minimum(src, dst) * n + np.maximum(src, dst)
    todo = np.flatnonzero(rewire)
    key_set = np.sort(keys)
    for _ in range(200):  # almost always done in a few rounds; dense graphs may leave a few
        if not len(todo):
            break
        cand = rng.integers(0, n, size=len(todo))
        ck = np.minimum(src[todo], cand) * n + np.maximum(src[todo], cand)
        pos = np.searchsorted(key_set, ck)
        clash = (pos < len(key_set)) & (key_set[np.minimum(pos, len(key_set) - 1)] == ck)
        dup_in_batch = np.ones(len(ck), dtype=bool)  # all but the first of equal candidates
        _, first = np.unique(ck, return_index=True)
        dup_in_batch[first] = False
        bad = (cand == src[todo]) | clash | dup_in_batch
        good = todo[~bad]
        dst[good] = cand[~bad]
        keys[good] = ck[~bad]
        key_set = np.sort(keys)
        todo = todo[bad]
    return _canonical(src, dst, n)


def barabasi_albert_edges(n: int, m: int, rng: np.random.Generator) -> Edges:
    r"""Barabasi-Albert preferential attachment with :math:`m` edges per new node.

    Batagelj and Brandes (2005): edge :math:`i` joins node :math:`\lfloor i/m \rfloor` to the
    node at a uniform earlier position of the edge list, which makes the choice proportional
    to degree. Positions that point at another edge's target are resolved by pointer jumping.
    Repeated edges and self-loops are dropped, as in a simple graph.

    >>> u, v = barabasi_albert_edges(500, 3, np.random.default_rng(0))
    >>> int(np.bincount(np.r_[u, v]).max()) > 20   # hubs
    True
    """
    m = max(1, int(m))
    total = n * m
    idx = np.arange(total, dtype=np.int64)
    # position r in [0, 2i]; even positions are sources (node i//m), odd ones targets
    r = (rng.random(total) * (2 * idx + 1)).astype(np.int64)
    r = np.minimum(r, 2 * idx)
    target = np.where(r % 2 == 0, (r // 2) // m, -1)
    ref = np.where(r % 2 == 1, (r - 1) // 2, idx)
    unresolved = target < 0
    while unresolved.any():
        j = ref[unresolved]
        got = target[j]
        ok = got >= 0
        sel = np.flatnonzero(unresolved)
        target[sel[ok]] = got[ok]
        ref[sel[~ok]] = ref[j[~ok]]
        unresolved = target < 0
    src = idx // m
    return _canonical(src, target, n)


def sbm_edges(
    n: int, mean_degree: float, homophily: float, block: np.ndarray, rng: np.random.Generator
) -> Edges:
    """Stochastic block model by council: a tie stays in one's block with prob. ``homophily``.

    >>> block = np.repeat([0, 1], 500)
    >>> u, v = sbm_edges(1000, 10, 0.9, block, np.random.default_rng(2))
    >>> float(np.mean(block[u] == block[v])) > 0.85
    True
    """
    m = int(round(n * mean_degree / 2))
    order = np.argsort(block, kind="stable")
    starts = np.searchsorted(block[order], np.arange(block.max() + 2))
    u = rng.integers(0, n, size=m)
    inside = rng.random(m) < homophily
    bu = block[u]
    lo, hi = starts[bu], starts[bu + 1]
    within = order[(lo + (rng.random(m) * (hi - lo)).astype(np.int64)).clip(max=n - 1)]
    anywhere = rng.integers(0, n, size=m)
    v = np.where(inside, within, anywhere)
    return _canonical(u, v, n)


def complete_edges(n: int) -> Edges:
    """Every pair of citizens (for textbook checks on small populations)."""
    iu, ju = np.triu_indices(n, k=1)
    return iu.astype(np.int32), ju.astype(np.int32)


def read_graph_file(path: str | Path) -> tuple[int, Edges]:
    """Read an edge list (two whitespace- or comma-separated columns) or a GraphML file.

    Returns the number of nodes and the edges over nodes numbered in sorted order of their
    labels (numerically when every label is an integer).  Only regular files up to
    :data:`sim.files.MAX_GRAPH_BYTES` are read; GraphML is first checked with ``defusedxml``
    (no DTDs, entities or external references: no billion laughs, no XXE), then parsed.
    """
    path = Path(path)
    raw = read_limited(path, what="graph", limit=MAX_GRAPH_BYTES)
    if path.suffix.lower() in {".graphml", ".xml"}:
        defused_fromstring(raw, forbid_dtd=True)  # raises on anything hostile
        g = nx.parse_graphml(raw.decode("utf-8"))
    else:
        g = nx.Graph()
        for lineno, line in enumerate(raw.decode("utf-8").splitlines(), 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.replace(",", " ").split()
            if len(parts) < 2:
                raise ValueError(f"{path}:{lineno}: expected two node labels, got {line!r}")
            g.add_edge(parts[0], parts[1])
    labels = list(g.nodes)
    try:
        labels.sort(key=lambda x: int(x))
    except (TypeError, ValueError):
        labels.sort(key=str)
    index = {lab: i for i, lab in enumerate(labels)}
    if g.number_of_edges():
        u, v = np.array([(index[a], index[b]) for a, b in g.edges()], dtype=np.int64).T
    else:
        u = v = np.empty(0, dtype=np.int64)
    return len(labels), _canonical(u, v, max(len(labels), 1))


def build_edges(
    spec: NetworkSpec, n: int, block: np.ndarray, rng: np.random.Generator, base_dir: Path | None
) -> Edges:
    """Edges of the scenario's network for ``n`` citizens (``block`` = council of each)."""
    k = spec.mean_degree
    if spec.kind == "erdos_renyi":
        return erdos_renyi_edges(n, k, rng)
    if spec.kind == "watts_strogatz":
        return watts_strogatz_edges(n, max(2, int(round(k))), spec.rewire, rng)
    if spec.kind == "barabasi_albert":
        return barabasi_albert_edges(n, max(1, int(round(k / 2))), rng)
    if spec.kind == "sbm":
        return sbm_edges(n, k, spec.homophily, block, rng)
    if spec.kind == "complete":
        return complete_edges(n)
    path = Path(spec.path)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    nodes, edges = load_graph_file(path)
    if nodes != n:
        raise ScenarioError(
            f"network.path {path} has {nodes} nodes but population.size is {n}; "
            "set population.size to the number of nodes in the graph."
        )
    return edges


def load_graph_file(path: Path) -> tuple[int, Edges]:
    """:func:`read_graph_file` with every failure turned into a clear ScenarioError."""
    try:
        return read_graph_file(path)
    except ScenarioError as exc:
        raise ScenarioError(f"network.path = {str(path)!r}: {exc}") from None
    except (
        ValueError,
        OSError,
        UnicodeDecodeError,
        nx.NetworkXError,
        ParseError,
        DefusedXmlException,
        KeyError,
        TypeError,
    ) as exc:
        reason = str(exc) or type(exc).__name__
        raise ScenarioError(
            f"network.path = {str(path)!r}: cannot read the graph ({reason}). Use an edge list "
            "(two node labels per line) or a GraphML file (.graphml)."
        ) from None


def adjacency(u: np.ndarray, v: np.ndarray, n: int, dtype: type = np.float64) -> sp.csr_matrix:
    """Symmetric 0/1 adjacency matrix in CSR form."""
    rows = np.concatenate([u, v])
    cols = np.concatenate([v, u])
    data = np.ones(len(rows), dtype=dtype)
    a = sp.csr_matrix((data, (rows, cols)), shape=(n, n))
    a.sum_duplicates()
    return a


def to_networkx(u: np.ndarray, v: np.ndarray, n: int) -> nx.Graph:
    """The networkx graph of an edge list (nodes 0..n-1)."""
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(zip(u.tolist(), v.tolist(), strict=True))
    return g
