"""govsim: an agent-based model of centralised versus co-operative local governance.

>>> import sim
>>> model = sim.GovernanceModel(rng=1, **{"population.size": 100})
>>> model.run(steps=2)
"""

from .agents import Citizen, Council, Government, Party
from .metrics import HEADLINE
from .model import GovernanceModel
from .scenario import ScenarioError, load_scenario, scenario_from_dict
from .schema import Scenario

__all__ = [
    "HEADLINE",
    "Citizen",
    "Council",
    "GovernanceModel",
    "Government",
    "Party",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "scenario_from_dict",
]

__version__ = "0.1.0"
