"""govsim: an agent-based model of centralised versus co-operative local governance.

The public names are imported on first use (PEP 562), so ``govsim --help`` and
``govsim validate`` do not pay for importing Mesa.

>>> import sim
>>> model = sim.GovernanceModel(rng=1, **{"population.size": 100})
>>> model.run(steps=2)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_getattr

__all__ = [
    "HEADLINE",
    "Citizen",
    "Council",
    "GovernanceModel",
    "GovsimError",
    "Government",
    "Party",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "parameters",
    "scenario_from_dict",
]


def _version() -> str:
    """The installed distribution's version (pyproject.toml), or a marker when not installed."""
    from importlib import metadata

    try:
        return metadata.version("govsim")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


__version__ = _version()

_WHERE = {
    "Citizen": ".agents",
    "Council": ".agents",
    "Government": ".agents",
    "Party": ".agents",
    "HEADLINE": ".metrics",
    "GovernanceModel": ".model",
    "GovsimError": ".errors",
    "ScenarioError": ".errors",
    "load_scenario": ".scenario",
    "scenario_from_dict": ".scenario",
    "Scenario": ".schema",
    "parameters": ".parameter_table",
}

if TYPE_CHECKING:
    from .agents import Citizen, Council, Government, Party
    from .errors import GovsimError, ScenarioError
    from .metrics import HEADLINE
    from .model import GovernanceModel
    from .parameter_table import parameters
    from .scenario import load_scenario, scenario_from_dict
    from .schema import Scenario


__getattr__ = lazy_getattr(__name__, _WHERE)


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
