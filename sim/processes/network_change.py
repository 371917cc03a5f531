r"""Submodel 8, network change: people who take part together form ties; such ties decay.

Each month every participant starts a new tie with probability :math:`f` to a uniformly chosen
fellow participant of the same council (Putnam 2000: civic participation builds bridging
social capital; McPherson et al. 2001 on tie formation in shared foci), and every tie formed
this way is lost with probability :math:`\delta`.  Ties of the initial network do not decay.
The expected number of formed ties settles at :math:`f P / \delta` for :math:`P` participants.

References
----------
.. [1] Putnam, R. D. (2000). Bowling Alone. Simon & Schuster.
.. [2] Feld, S. L. (1981). The focused organization of social ties. AJS 86(5), 1015-1035.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from ..schema_base import ProcessSpec, Unit

if TYPE_CHECKING:
    from ..state import World

__all__ = ["NAME", "STREAM", "TITLE", "Spec", "step"]

NAME = "network_change"
TITLE = "Network change"
STREAM = 9


class Spec(ProcessSpec):
    """Co-participants form ties; those ties decay."""

    enabled: bool = Field(False, description="Run this process each step (off by default).")
    form_rate: Unit = Field(0.1, description="New ties per participant per month.")
    decay_rate: Unit = Field(0.02, description="Monthly loss probability of a formed tie.")


def step(world: World, spec: Spec, rng: np.random.Generator) -> None:
    """Form co-participation ties and let formed ties decay; rebuild the matrices if changed."""
    graph, pop = world.graph, world.population
    n = pop.size
    keep = ~(graph.formed & (rng.random(graph.edge_count) < spec.decay_rate))
    decayed = int((~keep).sum())
    parts = np.flatnonzero(pop.participating)
    starters = parts[rng.random(len(parts)) < spec.form_rate]
    pick = rng.random(len(starters))  # drawn even if unused, so later draws do not shift
    new_u = np.empty(0, dtype=np.int64)
    new_v = np.empty(0, dtype=np.int64)
    if len(starters) and len(parts) > 1:
        by_council = parts[np.argsort(pop.council[parts], kind="stable")]
        councils = pop.council[by_council]
        lo = np.searchsorted(councils, pop.council[starters], side="left")
        hi = np.searchsorted(councils, pop.council[starters], side="right")
        partner = by_council[np.minimum(lo + (pick * (hi - lo)).astype(np.int64), hi - 1)]
        ok = partner != starters
        new_u = np.minimum(starters[ok], partner[ok])
        new_v = np.maximum(starters[ok], partner[ok])
    if decayed == 0 and len(new_u) == 0:
        world.ties_formed, world.ties_decayed = 0, 0
        return
    u = np.concatenate([graph.u[keep].astype(np.int64), new_u])
    v = np.concatenate([graph.v[keep].astype(np.int64), new_v])
    formed = np.concatenate([graph.formed[keep], np.ones(len(new_u), dtype=bool)])
    key = u * n + v
    uniq, first = np.unique(key, return_index=True)  # an existing tie stays as it was
    added = int(len(uniq) - keep.sum())
    graph.replace_edges((uniq // n), (uniq % n), formed[first])
    world.ties_formed, world.ties_decayed = max(added, 0), decayed
