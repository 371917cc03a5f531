"""The ABC-SMC runner: pyabc's history in the output directory, one generation at a time.

Each generation is one call of :meth:`pyabc.ABCSMC.run` on a history loaded from
``OUT/abc.db`` (SQLite), after seeding numpy's global generator (which pyabc draws from) with
``derive_seed(seed, 1000 + t)``.  A run killed at any point loses at most the generation it was
in: ``resume=True`` loads the history and carries on from the last finished generation, and on
the serial executor the result is the same as that of an uninterrupted run.

Reproducibility: on ``serial`` the whole calibration is a function of the seed.  Each
simulation's seed is derived from the calibration seed and the parameter values, so a
simulation gives the same statistics on any executor; but pyabc's parallel samplers
(``processes``: :class:`~pyabc.sampler.MulticoreEvalParallelSampler`; ``dask``:
:class:`~pyabc.sampler.DaskDistributedSampler`) seed their workers from fresh entropy and keep
the particles that finish first, so their posteriors are draws from the same distribution, not
the same numbers.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import CalibrationError, OutputDirError
from ..rng import derive_seed
from ..scenario import load_scenario
from .config import Calibration
from .posterior import model_probabilities, write_posterior
from .reference import base_years, load_reference, observed_stats
from .simulator import Simulator, dotted_name, safe_name

__all__ = ["DB", "MANIFEST", "POSTERIOR", "CalibrationRun", "require_pyabc", "run_calibration"]

DB = "abc.db"
MANIFEST = "calibration.json"
POSTERIOR = "posterior.parquet"
EXECUTORS = ("serial", "processes", "dask")

INSTALL_HINT = (
    "govsim calibrate needs pyabc, in the optional extra 'calibrate': "
    "pip install 'govsim[calibrate]' (or pip install pyabc==0.13.0)."
)


def require_pyabc() -> Any:
    """Import pyabc, or raise :class:`CalibrationError` saying how to install it."""
    try:
        import pyabc
    except ModuleNotFoundError as exc:
        if exc.name != "pyabc":
            raise
        raise CalibrationError(INSTALL_HINT) from None
    for name in ("ABC", "ABC.Sampler", "ABC.History", "ABC.Distance", "ABC.Epsilon"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return pyabc


class WeightedDistance:
    r"""Weighted root-mean-square distance in points: :math:`\sqrt{\sum w_i d_i^2/\sum w_i}`."""

    def __init__(self, weights: dict[str, float]):
        self.weights = dict(weights)
        self.total = float(sum(self.weights.values()))

    def __call__(self, x: dict, x0: dict) -> float:
        """Distance between simulated ``x`` and observed ``x0`` statistics."""
        s = sum(w * (float(x[k]) - float(x0[k])) ** 2 for k, w in self.weights.items())
        return float(np.sqrt(s / self.total))


def weights(cal: Calibration) -> dict[str, float]:
    """Weight of every summary statistic (each year of a target gets the target's weight)."""
    out = {}
    for t in cal.targets:
        for y in t.years:
            if t.statistic == "change" and y == t.years[0]:
                continue  # zero by construction
            out[f"{t.series}:{y}"] = t.weight
    return out


def fingerprint(cal: Calibration, scenario: dict) -> str:
    """Hash of everything that decides the calibration's simulations and settings."""
    data = {"calibration": cal.model_dump(mode="json"), "scenario": scenario}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


@dataclass
class CalibrationRun:
    """What a calibration produced."""

    calibration: Calibration
    out: Path
    posterior: pd.DataFrame
    probabilities: dict[str, float]
    generations: pd.DataFrame  # t, epsilon, samples, particles, acceptance
    observed: dict[str, float]
    simulations: int
    seconds: float
    stopped: str


def scenario_dict(cal: Calibration) -> dict[str, Any]:
    """The calibration's scenario, validated with the fixed overrides, as a plain dict.

    Also checks every model's overrides and a mid-prior value of each parameter.
    """
    path = cal.scenario_path()
    base = load_scenario(path, overrides=dict(cal.fixed))
    mid = {p: (pr.low + pr.high) / 2 for p, pr in cal.priors.items()}
    for m in cal.model_list():
        try:
            load_scenario(path, overrides={**cal.fixed, **mid, **m.overrides})
        except Exception as exc:
            raise CalibrationError(f"{cal.source}: model {m.name!r}: {exc}") from None
    sc = base.model_dump(mode="json")
    sc["steps"] = cal.steps
    return sc


def _priors(pyabc: Any, cal: Calibration, fixed: dict) -> Any:
    return pyabc.Distribution(
        **{
            safe_name(p): pyabc.RV("uniform", pr.low, pr.high - pr.low)
            for p, pr in cal.priors.items()
            if p not in fixed
        }
    )


@contextlib.contextmanager
def _sampler(pyabc: Any, executor: str, workers: int | None, out: Path) -> Iterator[Any]:
    from ..experiments.executors import default_workers

    n = workers or default_workers()
    if executor == "serial":
        yield pyabc.sampler.SingleCoreSampler()
    elif executor == "processes":
        yield pyabc.sampler.MulticoreEvalParallelSampler(n_procs=n)
    elif executor == "dask":
        from distributed import Client, LocalCluster

        (out / ".dask").mkdir(parents=True, exist_ok=True)
        with (
            LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=":0",
                local_directory=str(out / ".dask"),
            ) as cluster,
            Client(cluster) as client,
        ):
            yield pyabc.sampler.DaskDistributedSampler(dask_client=client, batch_size=1)
    else:
        raise CalibrationError(f"--executor {executor!r}: choose one of {', '.join(EXECUTORS)}.")


def _open_out(out: Path, fp: str, *, resume: bool, force: bool) -> dict | None:
    """Check the output directory; return the manifest of a run to resume (or None)."""
    man = out / MANIFEST
    db = out / DB
    if resume and force:
        raise OutputDirError("--resume and --force together: choose one.")
    if man.exists() or db.exists():
        if force:
            for f in (man, db):
                f.unlink(missing_ok=True)
            return None
        if not resume:
            raise OutputDirError(
                f"{out}/ holds a calibration already ({DB}); add --resume to continue it or "
                "--force to start again."
            )
        if not man.exists():
            db.unlink(missing_ok=True)  # killed before the first generation began
            return None
        meta = json.loads(man.read_text())
        if meta.get("fingerprint") != fp:
            raise OutputDirError(
                f"{out}/ holds a calibration of a different file or settings; --resume needs the "
                "same calibration file, scenario and settings (or use --force or another --out)."
            )
        return meta
    if resume:
        raise OutputDirError(f"{out}/: nothing to resume (no {DB}); run without --resume.")
    return None


def run_calibration(
    cal: Calibration,
    out: Path,
    *,
    executor: str = "serial",
    workers: int | None = None,
    resume: bool = False,
    force: bool = False,
    progress: Callable[[str, dict[str, Any]], None] | None = None,
) -> CalibrationRun:
    """Fit the calibration's priors to its targets with ABC-SMC; write ``OUT/posterior.parquet``.

    ``progress(event, info)`` is called with ``"start"`` (``info``: ``generations``, ``done``)
    and ``"generation"`` (``t``, ``epsilon``, ``samples``, ``acceptance``, ``seconds``).
    """
    pyabc = require_pyabc()
    if executor not in EXECUTORS:
        raise CalibrationError(f"--executor {executor!r}: choose one of {', '.join(EXECUTORS)}.")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    scenario = scenario_dict(cal)
    fp = fingerprint(cal, scenario)
    meta = _open_out(out, fp, resume=resume, force=force)
    db = f"sqlite:///{(out / DB).resolve()}"
    ref = load_reference(cal.data_path())
    obs = observed_stats(ref, cal.targets, base_years(cal.targets))
    dist = WeightedDistance(weights(cal))
    models = cal.model_list()
    sims = [Simulator.build(cal, scenario, m.overrides) for m in models]
    priors = [_priors(pyabc, cal, {**cal.fixed, **m.overrides}) for m in models]
    settings = cal.abc
    started = time.perf_counter()
    run_id = None if meta is None else int(meta["run_id"])
    done = 0
    if run_id is not None:
        done = pyabc.History(db, _id=run_id).max_t + 1
    if progress:
        progress("start", {"generations": settings.generations, "done": done})
    stopped = "the maximum number of generations"
    with _sampler(pyabc, executor, workers, out) as sampler:
        for t in range(done, settings.generations):
            np.random.seed(derive_seed(cal.seed, 1000 + t) % 2**32)  # noqa: NPY002 - pyabc draws from it
            abc = pyabc.ABCSMC(
                sims,
                priors,
                dist,
                population_size=settings.population_size,
                sampler=sampler,
            )
            tic = time.perf_counter()
            if run_id is None:
                history = abc.new(db, obs)
                run_id = int(history.id)
                _write_manifest(out, cal, fp, run_id, executor, workers)
            else:
                abc.load(db, run_id)
            history = abc.run(max_nr_populations=1)
            pops = history.get_all_populations()
            last = pops.iloc[-1]
            acc = float(last["particles"] / max(1, last["samples"]))
            if progress:
                progress(
                    "generation",
                    {
                        "t": int(last["t"]),
                        "epsilon": float(last["epsilon"]),
                        "samples": int(last["samples"]),
                        "acceptance": acc,
                        "seconds": time.perf_counter() - tic,
                    },
                )
            if float(last["epsilon"]) <= settings.min_epsilon:
                stopped = f"epsilon {last['epsilon']:.3g} <= min_epsilon {settings.min_epsilon}"
                break
            if int(history.total_nr_simulations) >= settings.max_simulations:
                stopped = f"{history.total_nr_simulations} simulations >= max_simulations"
                break
            if acc < settings.min_acceptance_rate:
                stopped = f"acceptance {acc:.3g} < min_acceptance_rate"
                break
    if run_id is None:
        raise CalibrationError("the calibration ran no generation (generations = 0?)")
    history = pyabc.History(db, _id=run_id)
    frame = posterior_frame(history, cal)
    probs = model_probabilities(frame)
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0].assign(acceptance=lambda d: d["particles"] / d["samples"])
    write_posterior(frame, posterior_meta(cal, probs, fp), out / POSTERIOR)
    return CalibrationRun(
        calibration=cal,
        out=out,
        posterior=frame,
        probabilities=probs,
        generations=pops.reset_index(drop=True),
        observed=obs,
        simulations=int(history.total_nr_simulations),
        seconds=time.perf_counter() - started,
        stopped=stopped,
    )


def posterior_frame(history: Any, cal: Calibration) -> pd.DataFrame:
    """The last generation's particles of every model, weights summing to 1 overall."""
    t = history.max_t
    probs = history.get_model_probabilities(t)["p"]  # index m, column p
    models = cal.model_list()
    params = list(cal.priors)
    parts = []
    for m, p_m in probs.items():
        if not p_m > 0:
            continue
        df, w = history.get_distribution(m=int(m), t=t)
        df = df.rename(columns=dotted_name).reset_index(drop=True)
        part = pd.DataFrame(
            {
                "model": models[int(m)].name,
                "generation": int(t),
                "weight": np.asarray(w, dtype=float) * float(p_m),
            }
        )
        for c in params:
            part[c] = df[c].to_numpy(dtype=float) if c in df.columns else np.nan
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True)
    frame["weight"] = frame["weight"] / frame["weight"].sum()
    return frame


def posterior_meta(cal: Calibration, probs: dict[str, float], fp: str) -> dict[str, Any]:
    """Metadata of a posterior file: models, fixed overrides, probabilities, provenance."""
    return {
        "calibration": str(cal.source),
        "name": cal.name,
        "scenario": str(cal.scenario_path()),
        "seed": cal.seed,
        "fixed": dict(cal.fixed),
        "models": [m.model_dump(mode="json") for m in cal.model_list()],
        "priors": {p: list(pr.uniform) for p, pr in cal.priors.items()},
        "model_probabilities": probs,
        "fingerprint": fp,
        "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def _write_manifest(
    out: Path, cal: Calibration, fp: str, run_id: int, executor: str, workers: int | None
) -> None:
    data = {
        "fingerprint": fp,
        "run_id": run_id,
        "calibration": str(cal.source),
        "executor": executor,
        "workers": workers,
        "seed": cal.seed,
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seeds": "numpy's global generator is seeded with derive_seed(seed, 1000 + t) before "
        "generation t; each simulation's seed is derive_seed(seed, hash of its parameters)",
    }
    tmp = out / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(data, indent=2))
    tmp.replace(out / MANIFEST)
