"""Calibration against the UK series: ABC-SMC (pyabc), posterior files, predictive checks.

Modules, one job each: :mod:`~sim.calibrate.config` (calibration files),
:mod:`~sim.calibrate.reference` (reference data, dating rule, summary statistics),
:mod:`~sim.calibrate.simulator` (one model run -> statistics), :mod:`~sim.calibrate.runner`
(ABC-SMC with resume), :mod:`~sim.calibrate.posterior` (posterior files and draws),
:mod:`~sim.calibrate.predictive` (posterior-predictive bands, fit, held-out years),
:mod:`~sim.calibrate.figures` and :mod:`~sim.calibrate.page` (PNG and HTML report),
:mod:`~sim.calibrate.scenario_out` (a scenario at the posterior medians).

pyabc is imported only by the runner (optional extra ``calibrate``); reading posteriors and
drawing parameter sets (``govsim compare --posterior``) needs only pandas and pyarrow.
"""

from __future__ import annotations

from .config import Calibration, load_calibration
from .posterior import draw_parameter_sets, read_posterior

__all__ = ["Calibration", "draw_parameter_sets", "load_calibration", "read_posterior"]
