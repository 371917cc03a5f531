"""Mesa agents: citizens (handles onto rows of the population arrays), councils, parties, nation.

Citizen state lives in :class:`sim.population.Population` arrays so that processes are array
code; a :class:`Citizen` reads and writes its own row, so users can inspect citizens, portray
them, or write per-agent rules in the ordinary Mesa way.  Handles cost nothing inside a step:
the processes never touch them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from .population import VARIABLES
from .schema_base import PROGRAMME_NAMES

if TYPE_CHECKING:
    from .model import GovernanceModel

__all__ = ["CITIZEN_ATTRIBUTES", "Citizen", "Council", "Government", "Party"]

#: Citizen attributes backed by population arrays (from :data:`sim.population.VARIABLES`).
CITIZEN_ATTRIBUTES = tuple(v.name for v in VARIABLES if v.handle)


class _Row:
    """Attribute backed by row ``agent.index`` of an array of the model's state.

    Reads return Python scalars.  Writes go into the array in place; for read-only arrays
    (inputs, council parameters) the array is replaced by a copy with the new value, which
    rebuilds the derived tables, so every write takes effect.
    """

    def __init__(self, table: str, doc: str, *, cast: type = float):
        self.table, self.cast, self.__doc__ = table, cast, doc

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def _owner(self, agent: mesa.Agent):
        return (
            agent.model.world.population
            if self.table == "population"
            else getattr(agent.model.world, self.table)
        )

    def __get__(self, agent: mesa.Agent | None, owner: type | None = None):
        if agent is None:
            return self
        value = getattr(self._owner(agent), self.name)[agent.index]
        return value.item() if isinstance(value, np.generic) else value

    def __set__(self, agent: mesa.Agent, value) -> None:
        holder = self._owner(agent)
        array = getattr(holder, self.name)
        if array.flags.writeable:
            array[agent.index] = value
        else:
            array = array.copy()
            array[agent.index] = value
            setattr(holder, self.name, array)


class Citizen(mesa.Agent):
    """A citizen: a handle onto row ``index`` of the model's population arrays.

    Attributes read and write the arrays (``trust_local``, ``efficacy``, ``participating``...);
    ``council`` is the :class:`Council` agent the citizen lives under.
    """

    def __init__(self, model: GovernanceModel, index: int):
        super().__init__(model)
        self.index = index

    @property
    def council(self) -> Council:
        """The council this citizen lives under."""
        return self.model.councils[int(self.model.population.council[self.index])]

    @property
    def trust_party(self) -> dict[str, float]:
        """Trust in each party, by party name."""
        row = self.model.population.trust_party[self.index]
        return {p.name: float(row[p.index]) for p in self.model.parties}

    @property
    def deprivation_quintile(self) -> int:
        """Deprivation quintile, 1 (least deprived) to 5 (most)."""
        return int(self.model.population.quintile[self.index]) + 1


for _var in VARIABLES:
    if _var.handle:
        _attr = _Row("population", f"{_var.description} (row of ``population.{_var.name}``).")
        _attr.__set_name__(Citizen, _var.name)
        setattr(Citizen, _var.name, _attr)


class Council(mesa.Agent):
    """A council: how far it shares decisions (cooperation), listens (responsiveness), spends."""

    def __init__(self, model: GovernanceModel, index: int, name: str):
        super().__init__(model)
        self.index = index
        self.name = name

    cooperation = _Row("councils", "Share of decisions and budget co-produced with residents.")
    responsiveness = _Row("councils", "How far residents' input changes decisions.")
    efficiency = _Row("councils", "Service output per unit of budget.")

    @property
    def budget(self) -> float:
        """Budget per resident (share of mean need), after cuts and austerity."""
        w = self.model.world
        g = w.government
        return float(
            w.councils.budget[self.index]
            * w.budget_multiplier[self.index]
            * (1 - g.austerity * g.grant_share)
        )

    @property
    def programmes(self) -> list[str]:
        """Programmes running now."""
        row = self.model.world.councils.programmes[self.index]
        return [p for p, on in zip(PROGRAMME_NAMES, row, strict=True) if on]

    @property
    def trust_local(self) -> float:
        """Mean trust of this council's residents in it."""
        return float(self.model.council_summary["trust_local"][self.index])

    @property
    def participation(self) -> float:
        """Share of residents taking part this month."""
        return float(self.model.council_summary["participation"][self.index])

    @property
    def service_quality(self) -> float:
        """Mean share of need met."""
        return float(self.model.council_summary["service_quality"][self.index])


class Party(mesa.Agent):
    """A political party."""

    def __init__(self, model: GovernanceModel, index: int, name: str):
        super().__init__(model)
        self.index = index
        self.name = name

    @property
    def position(self) -> float:
        """Ideological position in [-1, 1]."""
        return float(self.model.world.parties.position[self.index])

    @property
    def cooperative_platform(self) -> bool:
        """Whether it campaigns for co-operative councils."""
        return bool(self.model.world.parties.cooperative[self.index])

    @property
    def in_government(self) -> bool:
        """Whether it forms the national government now."""
        return self.model.world.parties.government == self.index

    @property
    def vote_share(self) -> float:
        """Share of the vote at the latest election (expected share before the first)."""
        return float(self.model.world.parties.vote_share[self.index])


class Government(mesa.Agent):
    """The national government: centralisation, austerity, performance."""

    def _g(self):
        return self.model.world.government

    centralisation = property(lambda s: s._g().centralisation)
    austerity = property(lambda s: s._g().austerity)
    performance = property(lambda s: s._g().performance)
