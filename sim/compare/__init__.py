"""Scenario comparison (being split into modules of one job each)."""

from .setup import *  # noqa: F403
from .setup import (
    __all__,  # noqa: F401
    _resample_means,  # noqa: F401
)
