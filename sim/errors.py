"""Errors a user can cause and fix: one base class, imported by every module, importing nothing.

Every error that the command line shows as a message (no traceback) derives from
:class:`GovsimError`; the CLI catches that base once.  The classes stay :class:`ValueError`
subclasses, so code written against the old module-level names keeps working.

>>> issubclass(ExperimentError, ScenarioError) and issubclass(StoreError, OutputDirError)
True
>>> all(issubclass(e, GovsimError) for e in (ScenarioError, OutputDirError, AnalysisError))
True
"""

from __future__ import annotations

__all__ = [
    "AnalysisError",
    "CalibrationError",
    "ExperimentError",
    "GovsimError",
    "OutputDirError",
    "ResultsError",
    "ScenarioError",
    "StoreError",
]


class GovsimError(ValueError):
    """Base of every user-facing govsim error; the message says what is wrong and where."""

    #: Exit code the command line uses for this error.
    exit_code: int = 1


class ScenarioError(GovsimError):
    """A scenario file, override or live event that cannot be used; the message says why."""


class ExperimentError(ScenarioError):
    """An experiment file that cannot be used; the message says where and why."""


class CalibrationError(ScenarioError):
    """A calibration file or reference series that cannot be used; the message says why."""


class OutputDirError(GovsimError):
    """An output directory that cannot be used (it holds something else, or is locked)."""


class StoreError(OutputDirError):
    """A results store that cannot be used for this plan of runs (the message says why)."""


class AnalysisError(GovsimError):
    """Results that cannot be analysed as asked (the message says why)."""


class ResultsError(GovsimError):
    """A results directory that cannot be shown; the message says why."""
