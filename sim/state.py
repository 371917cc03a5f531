"""The world the processes act on: citizens, councils, parties, nation and the social graph."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from .network import adjacency
from .population import CouncilState, GovernmentState, PartyState, Population

if TYPE_CHECKING:
    from .schema import ProgrammesSpec

__all__ = ["Signals", "SocialGraph", "World"]


def row_normalised(a: sp.csr_matrix, inverse_degree: np.ndarray) -> sp.csr_matrix:
    r"""The row-normalised adjacency :math:`D^{-1} A`, each row's columns in descending order.

    Row ``i`` of ``a`` (columns ascending) becomes ``1/k_i`` at the same columns, listed from
    the last to the first.  That is the matrix scipy's product ``diags(1/k) @ a`` gives (its
    CSR product lists each row's columns in reverse), whose order every DeGroot sum has
    followed since the first release; built here directly, ~4x faster (a model's build, and
    every rebuild after network change).  ``tests/test_network.py`` checks it against the
    product.

    >>> a = sp.csr_matrix(np.array([[0, 1, 1], [1, 0, 0], [1, 0, 0]], dtype=float))
    >>> r = row_normalised(a, np.array([0.5, 1.0, 1.0]))
    >>> r.indices.tolist(), r.data.tolist()
    ([2, 1, 0, 0], [0.5, 0.5, 1.0, 1.0])
    """
    indptr = a.indptr.astype(np.int64)
    counts = np.diff(indptr)
    # entry p of row i comes from position indptr[i] + indptr[i + 1] - 1 - p of a
    source = np.repeat(indptr[:-1] + indptr[1:] - 1, counts) - np.arange(a.nnz)
    return sp.csr_matrix(
        (np.repeat(inverse_degree, counts), a.indices[source], a.indptr.copy()), shape=a.shape
    )


class SocialGraph:
    """An undirected graph kept as edge arrays plus the CSR matrices the processes multiply by.

    ``formed`` marks ties made by co-participation (network change); only those decay.
    """

    def __init__(self, u: np.ndarray, v: np.ndarray, n: int, formed: np.ndarray | None = None):
        self.n = n
        self.u = u.astype(np.int32, copy=False)
        self.v = v.astype(np.int32, copy=False)
        self.formed = np.zeros(len(u), dtype=bool) if formed is None else formed
        self.version = 0
        self._rebuild()

    def _rebuild(self) -> None:
        self.matrix: sp.csr_matrix = adjacency(self.u, self.v, self.n)
        counts = np.diff(self.matrix.indptr)
        self.degree = counts.astype(np.float64)
        inv = np.divide(1.0, self.degree, out=np.zeros(self.n), where=self.degree > 0)
        # D^{-1} A; its rows' column order fixes the rounding of DeGroot (see row_normalised)
        self.row_normalised: sp.csr_matrix = row_normalised(self.matrix, inv)
        #: every stored value of row ``i`` of ``row_normalised`` (``1/k_i``, 0 if isolated)
        self.inverse_degree = inv
        r = self.row_normalised
        #: ``row_normalised``'s index arrays as unsigned views, for the kernels' loops
        self.kernel_csr = tuple(a.view(f"u{a.dtype.itemsize}") for a in (r.indptr, r.indices))
        self.isolated = counts == 0
        self._share_table: tuple[np.ndarray, np.ndarray] | None = None

    def replace_edges(self, u: np.ndarray, v: np.ndarray, formed: np.ndarray) -> None:
        """Swap in a new edge set (already canonical: u < v, unique) and rebuild matrices."""
        self.u, self.v, self.formed = u.astype(np.int32), v.astype(np.int32), formed
        self.version += 1
        self._rebuild()

    @property
    def edge_count(self) -> int:
        """Number of undirected edges."""
        return len(self.u)

    def neighbour_mean(self, x: np.ndarray) -> np.ndarray:
        r"""Mean of ``x`` over each citizen's neighbours, :math:`(D^{-1} A x)_i` (0 if isolated)."""
        return self.row_normalised @ x

    def neighbour_count(self, mask: np.ndarray) -> np.ndarray:
        r"""Count each citizen's neighbours for whom ``mask`` is true (int64).

        Gathers the neighbour lists of the marked citizens when they hold few of the ties
        (``A`` is symmetric, so row ``j`` lists the neighbours of ``j``); otherwise one
        product :math:`A\,m`.  Both give the same integers.
        """
        a = self.matrix
        marked = np.flatnonzero(mask)
        if len(marked) == 0:
            return np.zeros(self.n, dtype=np.int64)
        lengths = np.diff(a.indptr)[marked] if len(marked) < self.n // 8 else None
        if lengths is not None and int(lengths.sum()) < a.nnz // 4:
            return np.bincount(a[marked].indices, minlength=self.n)
        return (a @ mask.astype(np.float64)).astype(np.int64)

    def neighbour_share(self, mask: np.ndarray) -> np.ndarray:
        r"""Share of each citizen's neighbours in ``mask``: :math:`(D^{-1} A\,m)_i`, 0 if isolated.

        Bit for bit what :meth:`neighbour_mean` returns for ``mask.astype(float)``: the sparse
        product adds :math:`1/k_i` once per marked neighbour, in order, so the result is the
        ``c``-th partial sum of :math:`1/k_i`, read from a table of ``cumsum`` per degree
        (cumulative sums are sequential), at the cost of counting marked neighbours.

        >>> g = SocialGraph(np.array([0, 0, 0, 1]), np.array([1, 2, 3, 2]), 5)
        >>> m = np.array([False, True, True, False, False])
        >>> bool(np.array_equal(g.neighbour_share(m), g.neighbour_mean(m.astype(float))))
        True
        """
        start, table = self.share_table()
        return table[start + self.neighbour_count(mask)]

    def share_table(self) -> tuple[np.ndarray, np.ndarray]:
        """Offsets per citizen and the table of partial sums of ``1/k`` (:meth:`neighbour_share`).

        ``table[start[i] + c]`` is the share of citizen ``i``'s neighbours when ``c`` of them
        are marked (built on first use, kept until the edges change).
        """
        if self._share_table is None:
            counts = np.diff(self.matrix.indptr)
            degrees = np.unique(counts)
            offset = np.zeros(int(degrees.max()) + 1, dtype=np.int64)
            sizes = degrees + 1
            offset[degrees] = np.concatenate([[0], np.cumsum(sizes)[:-1]])
            table = np.concatenate(
                [
                    np.concatenate([[0.0], np.cumsum(np.full(d, 1.0 / d))]) if d else [0.0]
                    for d in degrees.tolist()
                ]
            )
            self._share_table = (offset[counts], table)
        return self._share_table


@dataclass
class Signals:
    """What processes tell each other within one month (reset at the start of every step).

    Attributes
    ----------
    election_called : bool
        An ``election`` event called a snap election this month (events -> elections).
    election_winner : str or None
        The party an ``election`` event says forms the government (the national result, for
        an electorate that does not decide it alone), or None: the most votes win
        (events -> elections).
    election_held : bool
        An election was held this month (elections -> observation).
    mobilised : numpy.ndarray or None
        Citizens a ``mobilise`` event brings in this month, whatever their thresholds
        (events -> participation).
    """

    election_called: bool = False
    election_winner: str | None = None
    election_held: bool = False
    mobilised: np.ndarray | None = None


@dataclass
class World:
    """Everything the processes read and write in one step.

    Derived tables (group indices, council sizes, opportunity per citizen...) are built once
    through :meth:`derived` and rebuilt after anything they could depend on changes: inputs
    are read-only arrays whose replacement, like any change of council arrays or national
    policy, calls :meth:`clear_derived`.  They can therefore never go stale.
    """

    population: Population
    councils: CouncilState
    government: GovernmentState
    parties: PartyState
    graph: SocialGraph
    programmes: ProgrammesSpec
    month: int = 0
    budget_multiplier: np.ndarray = field(default=None)
    last_election: int | None = None
    elections_held: int = 0
    turnout: float = float("nan")
    swing: float = 0.0
    government_changed: bool = False
    value_for_money: float = float("nan")
    threshold_kind: str = "share"  # population.threshold_kind: "share" or "count"
    news: float = 0.0  # this month's national news as perceived (sim.processes.news)
    ties_formed: int = 0
    ties_decayed: int = 0
    voice_share: np.ndarray | None = None  # (councils, 5) co-produced budget by quintile
    kernel_backend: str = "numpy"  # "numba": processes use sim.kernels' fused kernels
    signals: Signals = field(default_factory=Signals)
    timeline: dict[int, list] = field(default_factory=dict)  # scenario events by step
    pending: list = field(default_factory=list)  # live events for the next step
    event_log: list[tuple[int, str]] = field(default_factory=list)
    _derived: dict = field(default_factory=dict, repr=False, compare=False)
    _scratch: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.budget_multiplier is None:
            self.budget_multiplier = np.ones(self.councils.count)
        self.population.watch_inputs(self.clear_derived)
        self.councils.watch(self.clear_derived)
        self.government.watch(self.clear_derived)

    def derived(self, name: str, build: Callable[[], Any]) -> Any:
        """The table ``name``, built by ``build()`` on first use after the last change.

        ``build`` may read inputs, council arrays, national policy and the scenario's
        coefficients, never the monthly state (trust, participation...): those change every
        step and are read directly.
        """
        value = self._derived.get(name)
        if value is None:
            value = self._derived[name] = build()
        return value

    def scratch(self, name: str, size: int, dtype: Any = np.float64) -> np.ndarray:
        """A work array of ``size`` elements, the same memory at every call with ``name``.

        For a kernel's temporaries (random draws, an interleaved copy), never for state: its
        contents are garbage on return and are overwritten by the next call.  Reusing it
        spares the allocator: a fresh 8 MB array costs ~2,000 page faults, ~5 ms a step at
        1,000,000 citizens on this VM (docs/performance.md).
        """
        buf = self._scratch.get(name)
        if buf is None or buf.shape != (size,) or buf.dtype != dtype:
            buf = self._scratch[name] = np.empty(size, dtype)
        return buf

    def clear_derived(self) -> None:
        """Forget every derived table (called when an input, a council or policy changes)."""
        self._derived.clear()
