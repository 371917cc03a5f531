"""Run one scenario with one seed and return its results as tables (used by every command)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .model import GovernanceModel
from .schema import Scenario

__all__ = ["RunResult", "run_model", "run_scenario", "runs_row", "warm_kernels"]


def runs_row(
    run_id: str,
    scenario: str,
    seed: int,
    parameters: Mapping[str, Any],
    extra: Mapping[str, Any],
    final: Mapping[str, float] | None = None,
    *,
    error: str | None = None,
) -> dict[str, Any]:
    """One row of ``runs.parquet``: id, scenario, seed, status, error, parameters, extra, metrics.

    The one builder of rows, for successful runs (``error`` None: ``status = "ok"``) and failed
    ones alike. Nothing machine- or time-dependent goes here (wall time is in the manifest), so
    the same run gives byte-identical Parquet files.

    >>> runs_row("r", "s", 1, {"a": 2}, {"point": 0}, {"m": 0.5})
    {'run_id': 'r', 'scenario': 's', 'seed': 1, 'status': 'ok', 'error': '', 'param.a': 2, \
'point': 0, 'm': 0.5}
    """
    row: dict[str, Any] = {
        "run_id": run_id,
        "scenario": scenario,
        "seed": seed,
        "status": "ok" if error is None else "failed",
        "error": error or "",
    }
    row.update({f"param.{k}": v for k, v in parameters.items()})
    row.update(extra)
    row.update(final or {})
    return row


@dataclass
class RunResult:
    """One run: its identity, its final metrics and its time series."""

    run_id: str
    seed: int
    parameters: dict[str, Any]
    final: dict[str, float]
    timeseries: pd.DataFrame  # columns: step + metrics
    seconds: float
    scenario_name: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def runs_row(self) -> dict[str, Any]:
        """One row of ``runs.parquet`` with ``status = "ok"`` (see :func:`runs_row`)."""
        return runs_row(
            self.run_id, self.scenario_name, self.seed, self.parameters, self.extra, self.final
        )

    def timeseries_frame(self) -> pd.DataFrame:
        """The time series with a leading ``run_id`` column."""
        df = self.timeseries.copy()
        df.insert(0, "run_id", self.run_id)
        return df


def run_model(
    scenario: Scenario,
    seed: int,
    steps: int | None = None,
    *,
    parameters: Mapping[str, Any] | None = None,
    progress: Callable[[int], None] | None = None,
) -> GovernanceModel:
    """Build a :class:`GovernanceModel` of ``scenario`` (``parameters`` on top) and run it."""
    # no citizen handles: nothing here reads them, and results are identical without them
    # (tests/test_determinism.py); creating 1,000 Mesa agents was a sixth of a small run
    model = GovernanceModel(scenario, rng=seed, citizen_handles=False, **dict(parameters or {}))
    model.run(steps=steps, progress=progress)
    return model


def run_scenario(
    scenario: Scenario,
    seed: int,
    steps: int | None = None,
    *,
    run_id: str = "run",
    parameters: Mapping[str, Any] | None = None,
    progress: Callable[[int], None] | None = None,
) -> RunResult:
    """Build a :class:`GovernanceModel`, run it and collect its metrics.

    ``parameters`` (dotted paths) are applied on top of ``scenario`` and recorded in the result.
    """
    start = time.perf_counter()
    model = run_model(scenario, seed, steps, parameters=parameters, progress=progress)
    ts = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    final = dict(zip(ts.columns, ts.iloc[-1].tolist(), strict=True))  # floats, one lookup
    ts.insert(0, "step", range(len(ts)))
    return RunResult(
        run_id=run_id,
        seed=seed,
        parameters=dict(parameters or {}),
        final=final,
        timeseries=ts,
        seconds=time.perf_counter() - start,
        scenario_name=model.spec.name,
    )


def warm_kernels() -> int:
    """Compile every numba kernel into numba's on-disk cache; return how many there are.

    A fresh install has an empty cache, and its first run would compile the kernels it
    meets (~27 s of CPU here); ``scripts/bootstrap.sh`` calls this once, so that
    every later process, sweep worker included, only loads them (~0.5 s).  Small models
    take the paths a run takes: quiet months in one call and one at a time, the threshold
    and logit rules, an election, a Gini.
    Does nothing (returns 0) on the numpy path (:func:`sim.kernels.kernels`).
    """
    from . import kernels

    if kernels.kernels() is None:
        return 0
    runs = (
        {},  # three quiet months: one call of sim.month's kernel for all of them
        {"processes.elections.interval": 2},  # quiet months one at a time, an election
        {"processes.participation.rule": "logit", "council.count": 2},  # process by process
    )
    for params in runs:
        model = GovernanceModel(rng=0, citizen_handles=False, **{"population.size": 60, **params})
        model.run(3)
    _warm_threaded_degroot(model, kernels.kernels())
    _warm_threaded(kernels)
    return len(vars(kernels.kernels()))


def _warm_threaded(kernels) -> None:
    """Compile the other threaded kernels as a step calls them (from ``PARALLEL_FROM`` citizens).

    One step of a small model with the threshold lowered, so each process passes the
    argument types a run at a million citizens passes (no threads to start: nothing if
    numba may use only one).
    """
    saved = kernels.PARALLEL_FROM
    kernels.PARALLEL_FROM = 0
    try:
        model = GovernanceModel(
            rng=0, citizen_handles=False, fused_months=False, **{"population.size": 60}
        )
        model.run(1)
    finally:
        kernels.PARALLEL_FROM = saved


def _warm_threaded_degroot(model: GovernanceModel, ns) -> None:
    """Compile the threaded DeGroot pass, which models take only from ``PARALLEL_FROM`` citizens.

    Called as ``sim.processes.social_influence.step`` calls it (the same argument types);
    the output is thrown away.
    """
    import numpy as np

    pop, graph = model.world.population, model.world.graph
    n = pop.size
    indptr, indices = graph.kernel_csr
    ns.social_degroot_parallel(
        indptr, indices, graph.inverse_degree, np.empty(2 * n), graph.isolated,
        pop.trust_local, pop.trust_national, 0.5, 0.5, True, 0.5, 0.5,
        pop.disposition_local, pop.disposition_national, 0.1, 0.1, np.empty(n), np.empty(n), 2,
    )  # fmt: skip
