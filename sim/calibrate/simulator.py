"""The simulator ABC calls: parameters in, summary statistics out (one model run).

:class:`Simulator` is a small picklable object (it holds the validated scenario as a dict), so
pyabc can ship it to worker processes and Dask workers.  Each run's seed is derived from the
calibration seed and the parameter values themselves (a hash), so a simulation is a
deterministic function of its parameters whatever process runs it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..rng import derive_seed
from .config import Calibration, Target
from .reference import base_years, simulated

__all__ = ["Simulator", "safe_name", "run_timeseries"]


def safe_name(path: str) -> str:
    """A dotted parameter path as a pyabc parameter name (``.`` becomes ``__``).

    >>> safe_name("processes.trust_experience.down_rate")
    'processes__trust_experience__down_rate'
    """
    return path.replace(".", "__")


def dotted_name(name: str) -> str:
    """Inverse of :func:`safe_name`."""
    return name.replace("__", ".")


def _seed(root: int, params: Mapping[str, Any]) -> int:
    text = json.dumps({k: repr(v) for k, v in sorted(params.items())})
    h = int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")
    return derive_seed(root, h)


def run_timeseries(
    scenario: Mapping[str, Any], params: Mapping[str, Any], seed: int, steps: int
) -> pd.DataFrame:
    """Run the scenario (a validated dict) with dotted ``params``; return its time series."""
    from ..model import GovernanceModel
    from ..schema import Scenario

    model = GovernanceModel(Scenario.model_validate(dict(scenario)), rng=seed, **dict(params))
    model.run(steps)
    return model.datacollector.get_model_vars_dataframe()


@dataclass
class Simulator:
    """One competing model: fixed overrides plus the sampled parameters -> statistics."""

    scenario: dict[str, Any]
    overrides: dict[str, Any]
    targets: list[Target]
    start_year: int
    steps: int
    seed: int
    base: dict[str, int] = field(default_factory=dict)

    @classmethod
    def build(cls, cal: Calibration, scenario: dict[str, Any], overrides: Mapping) -> Simulator:
        """The simulator of one model of a calibration."""
        return cls(
            scenario=scenario,
            overrides={**cal.fixed, **dict(overrides)},
            targets=list(cal.targets),
            start_year=cal.start_year,
            steps=cal.steps,
            seed=cal.seed,
            base=base_years(cal.targets),
        )

    def __call__(self, parameters: Mapping[str, Any]) -> dict[str, float]:
        """Run once with pyabc's ``parameters`` (safe names); return the statistics."""
        params = {dotted_name(k): float(v) for k, v in dict(parameters).items()}
        df = run_timeseries(
            self.scenario, {**self.overrides, **params}, _seed(self.seed, params), self.steps
        )
        return simulated(df, self.targets, self.start_year, self.base)
