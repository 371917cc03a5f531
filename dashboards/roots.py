"""Where the dashboard may read: the project's folders and those named on the command line.

``govsim dashboard --scenarios DIR --results DIR`` adds folders (passed to the Solara app in the
environment variables :data:`SCENARIOS_ENV` and :data:`RESULTS_ENV`, ``os.pathsep``-separated).
Every path a page opens is resolved (symlinks followed) and checked against these roots before
anything is read; scenarios are loaded with ``load_scenario(..., roots=...)`` so that
``extends`` and ``network.path`` are held to the same folders.
"""

from __future__ import annotations

import os
from pathlib import Path

from sim.errors import ResultsError, ScenarioError
from sim.scenario import check_within_roots, load_scenario
from sim.schema import Scenario

__all__ = [
    "RESULTS_ENV",
    "SCENARIOS_ENV",
    "load_scenario_within",
    "results_folder",
    "results_roots",
    "scenario_folder",
    "scenario_roots",
]

PROJECT = Path(__file__).resolve().parents[1]
SCENARIOS_ENV = "GOVSIM_DASHBOARD_SCENARIOS"
RESULTS_ENV = "GOVSIM_DASHBOARD_RESULTS"
#: The files the results page reads inside a results folder.
RESULTS_FILES = ("runs.parquet", "timeseries.parquet", "manifest.json")


def _extra(env: str) -> list[Path]:
    return [Path(p).expanduser().resolve() for p in os.environ.get(env, "").split(os.pathsep) if p]


def scenario_roots() -> list[Path]:
    """Folders scenario files (and their ``extends`` and graph files) may come from."""
    return [PROJECT / "scenarios", PROJECT / "data", *_extra(SCENARIOS_ENV)]


def results_roots() -> list[Path]:
    """Folders results directories may come from: ``results/`` of the project and of the
    working directory, and those given with ``--results``."""
    return [PROJECT / "results", Path.cwd().resolve() / "results", *_extra(RESULTS_ENV)]


def scenario_folder(folder: str | Path) -> Path:
    """``folder`` resolved, or a :class:`ScenarioError` if it lies outside the scenario roots."""
    try:
        return check_within_roots(Path(folder).expanduser(), scenario_roots(), "folder")
    except ScenarioError as exc:
        raise ScenarioError(f"{exc} Start the dashboard with --scenarios DIR to add one.") from None


def results_folder(folder: str | Path) -> Path:
    """``folder`` resolved, or a :class:`ResultsError` if it (or a results file in it, through a
    symlink) lies outside the results roots."""
    roots = results_roots()
    try:
        resolved = check_within_roots(Path(folder).expanduser(), roots, "folder")
        for name in RESULTS_FILES:
            if (resolved / name).is_symlink():
                check_within_roots(resolved / name, roots, "file")
    except ScenarioError as exc:
        raise ResultsError(f"{exc} Start the dashboard with --results DIR to add one.") from None
    return resolved


def load_scenario_within(path: str | Path, overrides=None) -> Scenario:
    """:func:`sim.load_scenario` restricted to :func:`scenario_roots`."""
    return load_scenario(path, overrides=overrides, roots=scenario_roots())
