"""The world the processes act on: citizens, councils, parties, nation and the social graph."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from .network import adjacency
from .population import CouncilState, GovernmentState, PartyState, Population

__all__ = ["SocialGraph", "World"]


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
        self.degree = np.diff(self.matrix.indptr).astype(np.float64)
        inv = np.divide(1.0, self.degree, out=np.zeros(self.n), where=self.degree > 0)
        self.row_normalised: sp.csr_matrix = sp.diags(inv, format="csr") @ self.matrix

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


@dataclass
class World:
    """Everything the processes read and write in one step."""

    population: Population
    councils: CouncilState
    government: GovernmentState
    parties: PartyState
    graph: SocialGraph
    month: int = 0
    budget_multiplier: np.ndarray = field(default=None)
    last_election: int | None = None
    elections_held: int = 0
    turnout: float = float("nan")
    swing: float = 0.0
    government_changed: bool = False
    value_for_money: float = float("nan")
    ties_formed: int = 0
    ties_decayed: int = 0
    voice_share: np.ndarray | None = None  # (councils, 5) co-produced budget by quintile

    def __post_init__(self) -> None:
        if self.budget_multiplier is None:
            self.budget_multiplier = np.ones(self.councils.count)
