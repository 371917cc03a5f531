"""Scenario comparison: paired differences, bootstrap intervals, effect sizes, replication.

Modules
-------
setup
    What is compared and how: scenarios loaded and paired, metrics, horizons, common random
    numbers, run tasks, parameters that differ.
stats
    Statistics of one pair: paired and unpaired differences, bootstrap intervals, effect sizes.
summary
    Tables over many runs: outcomes at a horizon, the summary table, precision, bands.
run
    Running a comparison: the results store, adaptive replication, provenance.

Every public name is re-exported here: ``from sim import compare as C; C.summarise(...)``.

>>> from sim import compare as C
>>> C.replicate_seed(7, 3) == C.replicate_seed(7, 3)
True
"""

from ..metrics import HEADLINE
from .run import Comparison, open_store, run_comparison
from .setup import (
    KEEP,
    ComparisonSetup,
    Horizon,
    MetricColumn,
    horizons,
    load_setup,
    metric_columns,
    pairing,
    replicate_seed,
    scenario_differences,
)
from .stats import (
    LEVEL,
    N_BOOT,
    _resample_means,  # noqa: F401  (docs/compare.md's coverage check uses C._resample_means)
    bootstrap_diff_ci,
    bootstrap_mean_ci,
    cohen_d,
    cohen_dz,
    compare_outcomes,
)
from .summary import (
    BOOTSTRAP_KEY,
    SUMMARY_COLUMNS,
    bands,
    outcomes,
    precision_status,
    summarise,
)

__all__ = [
    "BOOTSTRAP_KEY",
    "HEADLINE",
    "KEEP",
    "LEVEL",
    "N_BOOT",
    "SUMMARY_COLUMNS",
    "Comparison",
    "ComparisonSetup",
    "Horizon",
    "MetricColumn",
    "bands",
    "bootstrap_diff_ci",
    "bootstrap_mean_ci",
    "cohen_d",
    "cohen_dz",
    "compare_outcomes",
    "horizons",
    "load_setup",
    "metric_columns",
    "open_store",
    "outcomes",
    "pairing",
    "precision_status",
    "replicate_seed",
    "run_comparison",
    "scenario_differences",
    "summarise",
]
