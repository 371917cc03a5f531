"""Experiment files: TOML validated with pydantic, turned into design points and run tasks.

An experiment file names a base scenario, a design, the parameters it varies and what each run
keeps::

    [experiment]
    scenario = "../scenarios/cooperative_council.toml"  # relative to this file
    design = "grid"          # grid | lhs | sobol | morris
    replicates = 2
    steps = 120              # default: the scenario's
    seed = 11
    samples = 64             # lhs: points; sobol: base sample N; morris: trajectories
    common_seeds = false     # true: every point uses replicate r's seed (common random numbers)
    [parameters]             # grid: a list of levels; lhs/sobol/morris: {min, max}
    "council.cooperation" = [0.0, 0.5, 1.0]
    [overrides]              # fixed for every run
    "population.size" = 2000
    [keep]                   # what each run records (defaults shown)
    metrics = "headline"     # or "all", or a list of metric names: final values in runs.parquet
    window = 12              # also <metric>_mean over the last 12 steps (0 = off)
    timeseries = true        # true: the kept metrics each step; false: none; or a list
    every = 1                # keep every n-th step of the time series

A range whose ``min`` and ``max`` are both whole numbers varies an integer parameter (values
are rounded). Every mistake raises :class:`ExperimentError`, one paragraph naming the file, the
line when it can be found, the field, the value and what is allowed.
"""

from __future__ import annotations

import copy
import difflib
import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import ExperimentError
from ..messages import find_line
from ..metrics import HEADLINE, metric_names
from ..rng import derive_seed
from ..scenario import (
    ScenarioError,
    apply_overrides,
    load_scenario,
    read_toml,
    scenario_from_dict,
)
from ..schema import Scenario
from .limits import MAX_RUNS, MAX_SEED, check_runs
from .plan import fingerprint
from .tasks import Keep, RunTask

__all__ = ["DESIGNS", "SEED_DERIVATION", "Experiment", "ExperimentError", "load_experiment"]

DESIGNS = ("grid", "lhs", "sobol", "morris")

SEED_DERIVATION = (
    "run seed = sim.rng.derive_seed(experiment seed, design point, replicate): "
    "numpy SeedSequence(seed, spawn_key=(point, replicate)), first 63 bits"
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class ExperimentSection(_Strict):
    """``[experiment]``: what to run and how often."""

    scenario: str = Field(..., min_length=1, description="Base scenario, relative to this file.")
    design: Literal["grid", "lhs", "sobol", "morris"] = "grid"
    replicates: int = Field(1, ge=1, le=1_000_000, description="Runs per design point.")
    steps: int | None = Field(None, ge=0, le=100_000, description="Default: the scenario's.")
    seed: int = Field(
        0, ge=0, le=MAX_SEED, description="Experiment seed; each run's seed derives from it."
    )
    samples: int | None = Field(
        None, ge=1, le=10_000_000, description="lhs: points; sobol: base N; morris: trajectories."
    )
    levels: int = Field(4, ge=2, le=100, description="morris: grid levels per parameter.")
    second_order: bool = Field(False, description="sobol: also second-order indices.")
    common_seeds: bool = Field(
        False,
        description="Every design point uses the same seeds (replicate r: derive_seed(seed, 0, "
        "r)): common random numbers, so differences between points come from the parameters "
        "alone (useful for sensitivity analysis).",
    )
    name: str | None = None
    description: str = ""


class KeepSection(_Strict):
    """``[keep]``: what each run records."""

    metrics: Literal["headline", "all"] | list[str] = "headline"
    window: int = Field(12, ge=0, le=100_000)
    timeseries: bool | list[str] = True
    every: int = Field(1, ge=1, le=100_000)


class ExperimentFile(_Strict):
    """The whole file."""

    experiment: ExperimentSection
    parameters: dict[str, Any] = Field(default_factory=dict)
    overrides: dict[str, Any] = Field(default_factory=dict)
    keep: KeepSection = Field(default_factory=KeepSection)


@dataclass
class Experiment:
    """A validated experiment: its base scenario, design points and run tasks.

    Implements :class:`sim.experiments.plan.Plan` (kind ``"sweep"``).
    """

    path: Path
    name: str
    spec: ExperimentFile
    scenario: Scenario
    parameters: dict[str, Any]  # path -> list of levels, or (min, max)
    integer: dict[str, bool]
    points: list[dict[str, Any]]
    steps: int
    keep: Keep
    problem: dict[str, Any] | None = None
    text: str = ""
    fingerprint: str = ""
    design_matrix: list[list[float]] = field(default_factory=list)
    kind: str = "sweep"
    resumable: bool = True
    run_ids: str = "p<point>-r<replicate>"

    @property
    def scenarios(self) -> dict[str, Scenario]:
        """The base scenario (with the overrides)."""
        return {"scenario": self.scenario}

    @property
    def seeds(self) -> dict[str, Any]:
        """The experiment seed and how each run's seed derives from it."""
        return {"seed": self.spec.experiment.seed, "derivation": SEED_DERIVATION}

    def manifest_extra(self) -> dict[str, Any]:
        """The experiment file, design and what is kept (read by ``govsim analyze``)."""
        ex = self.spec.experiment
        return {
            "experiment": {
                "name": self.name,
                "file": str(self.path),
                "text": self.text,
                "design": ex.design,
                "replicates": ex.replicates,
                "steps": self.steps,
                "samples": ex.samples,
                "levels": ex.levels,
                "second_order": ex.second_order,
                "common_seeds": ex.common_seeds,
                "parameters": {k: list(v) for k, v in self.parameters.items()},
                "integer_parameters": [k for k, v in self.integer.items() if v],
                "overrides": self.spec.overrides,
                "keep": self.keep.as_dict(),
                "problem": self.problem,
                "points": len(self.points),
                "runs": len(self.points) * ex.replicates,
            }
        }

    @property
    def design(self) -> str:
        """The design kind (grid, lhs, sobol, morris)."""
        return self.spec.experiment.design

    @property
    def replicates(self) -> int:
        """Runs per design point."""
        return self.spec.experiment.replicates

    def run_id(self, point: int, replicate: int) -> str:
        """``p<point>-r<replicate>``, zero-padded so ids sort in design order."""
        pw = max(5, len(str(len(self.points) - 1)))
        rw = max(3, len(str(self.replicates - 1)))
        return f"p{point:0{pw}d}-r{replicate:0{rw}d}"

    def tasks(self) -> list[RunTask]:
        """One task per (design point, replicate), seeded by ``derive_seed(seed, point, rep)``.

        With ``common_seeds = true`` the point key is 0 for every point.
        """
        sc = self.scenario.model_dump(mode="json")
        seed = self.spec.experiment.seed
        common = self.spec.experiment.common_seeds
        return [
            RunTask(
                run_id=self.run_id(i, r),
                scenario=sc,
                parameters=dict(point),
                seed=derive_seed(seed, 0 if common else i, r),
                steps=self.steps,
                keep=self.keep,
                point=i,
                replicate=r,
            )
            for i, point in enumerate(self.points)
            for r in range(self.replicates)
        ]


# --------------------------------------------------------------------------- loading
def load_experiment(path: str | Path, *, max_runs: int | None = MAX_RUNS) -> Experiment:
    """Read, validate and expand an experiment file (see the module docstring).

    A design of more than ``max_runs`` runs (points x replicates, estimated before any point is
    sampled) is refused; ``None`` lifts the cap.
    """
    path = Path(path)
    raw = read_toml(path, what="experiment")
    text = path.read_text(encoding="utf-8")
    raw["parameters"] = _flatten(raw.get("parameters", {}), path, "parameters")
    raw["overrides"] = _flatten(raw.get("overrides", {}), path, "overrides")
    _resolve_paths(raw, path.parent)
    try:
        spec = ExperimentFile.model_validate(raw)
    except ValidationError as exc:
        raise ExperimentError(_format(exc, path)) from None
    ex = spec.experiment

    scen_path = Path(ex.scenario)
    if not scen_path.is_absolute():
        scen_path = (path.parent / scen_path).resolve()
    if not scen_path.exists():
        raise ExperimentError(
            f"{_where(path, ('experiment', 'scenario'))}: [experiment] scenario = "
            f"{ex.scenario!r}: no such scenario file ({scen_path}). The path is relative to the "
            "experiment file."
        )
    base = load_scenario(scen_path)  # its own errors name the scenario file
    base_data = base.model_dump(mode="json", exclude_none=True)
    scenario = _with(base_data, spec.overrides, path, "overrides")
    data = scenario.model_dump(mode="json", exclude_none=True)

    params, integer = _check_parameters(spec, data, path)
    keep = _keep(spec.keep, scenario, path)
    n_points = design_size(spec, params)
    check_runs(
        n_points * ex.replicates,
        f"{_where(path, ('experiment', 'design'))}: design = {ex.design!r} with "
        f"{n_points:,} points x {ex.replicates:,} replicates",
        max_runs=max_runs,
        error=ExperimentError,
    )
    points, problem, matrix = _design(spec, params, integer, path)
    steps = scenario.steps if ex.steps is None else ex.steps
    exp = Experiment(
        path=path.resolve(),
        name=ex.name or path.stem,
        spec=spec,
        scenario=scenario,
        parameters=params,
        integer=integer,
        points=points,
        steps=steps,
        keep=keep,
        problem=problem,
        text=text,
        design_matrix=matrix,
    )
    exp.fingerprint = _fingerprint(exp)
    return exp


def _flatten(table: Any, path: Path, section: str, prefix: str = "") -> dict[str, Any]:
    """Dotted keys from nested tables (``council.cooperation = ...`` unquoted nests in TOML)."""
    if not isinstance(table, dict):
        raise ExperimentError(
            f"{path}: [{section}] must be a table of parameter = value lines, got {table!r}."
        )
    out: dict[str, Any] = {}
    for key, value in table.items():
        dotted = prefix + key
        if isinstance(value, dict) and not ({"min", "max"} & set(value)):
            out.update(_flatten(value, path, section, dotted + "."))
        else:
            out[dotted] = value
    return out


def _resolve_paths(raw: dict, base: Path) -> None:
    """Make ``network.path`` values relative to the experiment file absolute."""

    def fix(v: Any) -> Any:
        return str((base / v).resolve()) if isinstance(v, str) and not Path(v).is_absolute() else v

    for section in ("parameters", "overrides"):
        table = raw[section]
        if "network.path" in table:
            v = table["network.path"]
            table["network.path"] = [fix(x) for x in v] if isinstance(v, list) else fix(v)


def _where(path: Path, loc: tuple) -> str:
    line = _key_line(path, loc) or find_line(path, loc)
    return f"{path}:{line}" if line else str(path)


def _key_line(path: Path, loc: tuple) -> int | None:
    """Line of a dotted key (quoted or not) inside ``[section]``: ``loc = (section, key)``."""
    if len(loc) != 2 or not isinstance(loc[1], str) or "." not in loc[1]:
        return None
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    section, key = loc
    inside = False
    for n, line in enumerate(lines, 1):
        text = line.strip()
        if text.startswith("["):
            inside = text.strip("[] ") == section
        elif inside and text.split("=", 1)[0].strip().strip('"') == key:
            return n
    return None


def _format(exc: ValidationError, path: Path) -> str:
    parts = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("list[")))
        loc = tuple(p for p in loc if p not in ("literal['headline','all']", "bool"))
        section = f"[{loc[0]}]" if loc else "(top level)"
        dotted = ".".join(str(p) for p in loc[1:])
        where = _where(path, loc)
        if err["type"] == "extra_forbidden":
            names = (
                list(ExperimentFile.model_fields)
                if len(loc) == 1
                else list(
                    {"experiment": ExperimentSection, "keep": KeepSection}.get(
                        loc[0], ExperimentFile
                    ).model_fields
                )
            )
            got = difflib.get_close_matches(str(loc[-1]), names, n=1, cutoff=0.5)
            hint = f" Did you mean {got[0]!r}?" if got else ""
            what = f"table [{loc[0]}]" if len(loc) == 1 else f"key {dotted!r} in {section}"
            parts.append(f"{where}: unknown {what}.{hint} Allowed: {', '.join(names)}.")
        elif err["type"] == "missing":
            parts.append(f"{where}: {section} {dotted} is required but missing.".replace("  ", " "))
        else:
            value = err.get("input")
            shown = "" if isinstance(value, dict) else f" = {value!r}"
            parts.append(f"{where}: {section} {dotted}{shown}: {err['msg']}.")
    return " ".join(dict.fromkeys(parts))


def _with(data: dict, overrides: dict[str, Any], path: Path, section: str) -> Scenario:
    """Validate ``data`` with dotted ``overrides``; errors re-worded to name the experiment."""
    try:
        return scenario_from_dict(data, overrides, source=str(path))
    except ScenarioError as exc:
        key = next(iter(overrides), "")
        where = _where(path, (section, key)) if len(overrides) == 1 else str(path)
        msg = str(exc).replace("--set: ", "").replace("--set", f"[{section}]")
        raise ExperimentError(f"{where}: [{section}] {msg}") from None


def _check_path(data: dict, key: str, path: Path, section: str) -> None:
    """Raise a clear error (with a suggestion) if ``key`` is not a scenario parameter."""
    try:
        apply_overrides(copy.deepcopy(data), {key: _sample_value(data, key)})
    except ScenarioError as exc:
        msg = str(exc).replace("--set: ", "")
        raise ExperimentError(f"{_where(path, (section, key))}: [{section}] {msg}") from None


def _sample_value(data: dict, key: str) -> Any:
    node: Any = data
    for part in key.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return 0
    return node if not isinstance(node, dict | list) else 0


def _check_parameters(
    spec: ExperimentFile, data: dict, path: Path
) -> tuple[dict[str, Any], dict[str, bool]]:
    design = spec.experiment.design
    params: dict[str, Any] = {}
    integer: dict[str, bool] = {}
    for key, value in spec.parameters.items():
        where = _where(path, ("parameters", key))
        _check_path(data, key, path, "parameters")
        if isinstance(value, dict):
            unknown = set(value) - {"min", "max"}
            if unknown or not {"min", "max"} <= set(value):
                raise ExperimentError(
                    f"{where}: [parameters] {key} = {value!r}: a range needs exactly min and max, "
                    "e.g. { min = 0.0, max = 1.0 }."
                )
            lo, hi = value["min"], value["max"]
            for v in (lo, hi):
                if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                    raise ExperimentError(
                        f"{where}: [parameters] {key}: min and max must be finite numbers, "
                        f"got {v!r}."
                    )
            if lo >= hi:
                raise ExperimentError(
                    f"{where}: [parameters] {key}: min ({lo}) must be less than max ({hi})."
                )
            if design == "grid":
                raise ExperimentError(
                    f"{where}: [parameters] {key} = {{ min = {lo}, max = {hi} }} is a range, but "
                    "design = 'grid' needs a list of levels, e.g. [0.0, 0.5, 1.0]. Use design = "
                    "'lhs', 'sobol' or 'morris' to sample ranges."
                )
            integer[key] = isinstance(lo, int) and isinstance(hi, int)
            for v in (lo, hi):
                _with(data, {key: v}, path, "parameters")
            params[key] = (lo, hi)
        elif isinstance(value, list):
            if not value:
                raise ExperimentError(f"{where}: [parameters] {key} = []: give at least one level.")
            if design != "grid":
                raise ExperimentError(
                    f"{where}: [parameters] {key} = {value!r} is a list of levels, but design = "
                    f"{design!r} samples ranges: write {key} = {{ min = ..., max = ... }}, or use "
                    "design = 'grid'."
                )
            for v in value:
                _with(data, {key: v}, path, "parameters")
            params[key] = list(value)
            integer[key] = False
        else:
            raise ExperimentError(
                f"{where}: [parameters] {key} = {value!r}: give a list of levels (grid) or a "
                "{ min, max } range (lhs, sobol, morris). Fixed values go in [overrides]."
            )
    if design != "grid":
        if not params:
            raise ExperimentError(
                f"{_where(path, ('experiment', 'design'))}: design = {design!r} needs at least "
                "one parameter with a { min, max } range in [parameters]; none given."
            )
        if spec.experiment.samples is None:
            what = {"lhs": "points", "sobol": "base sample size N", "morris": "trajectories"}
            raise ExperimentError(
                f"{_where(path, ('experiment',))}: design = {design!r} needs "
                f"[experiment] samples (the number of {what[design]})."
            )
    return params, integer


def _keep(section: KeepSection, scenario: Scenario, path: Path) -> Keep:
    known = metric_names([p.name for p in scenario.parties])

    def names(value: Any, field_name: str) -> tuple[str, ...]:
        if value == "headline":
            return HEADLINE
        if value == "all":
            return tuple(known)
        bad = [m for m in value if m not in known]
        if bad:
            got = difflib.get_close_matches(bad[0], known, n=1, cutoff=0.6)
            hint = f" Did you mean {got[0]!r}?" if got else ""
            raise ExperimentError(
                f"{_where(path, ('keep', field_name))}: [keep] {field_name}: unknown metric "
                f"{bad[0]!r}.{hint} Metrics: {', '.join(HEADLINE)} and per-group ones such as "
                "trust_local_q1 (see docs/sweeps.md)."
            )
        return tuple(dict.fromkeys(value))

    metrics = names(section.metrics, "metrics")
    if section.timeseries is True:
        ts = metrics
    elif section.timeseries is False:
        ts = ()
    else:
        ts = names(section.timeseries, "timeseries")
    return Keep(metrics=metrics, window=section.window, timeseries=ts, every=section.every)


def design_size(spec: ExperimentFile, params: dict[str, Any]) -> int:
    """Points of the design, counted before sampling.

    grid: the product of the level counts; lhs: N; sobol: N (D + 2), or N (2D + 2) with
    second-order indices; morris: N (D + 1) (N = ``samples``, D = parameters).
    """
    ex = spec.experiment
    if ex.design == "grid":
        return math.prod(len(v) for v in params.values())
    n, d = int(ex.samples or 0), len(params)
    if ex.design == "lhs":
        return n
    if ex.design == "sobol":
        return n * (2 * d + 2 if ex.second_order else d + 2)
    return n * (d + 1)


def _design(
    spec: ExperimentFile, params: dict[str, Any], integer: dict[str, bool], path: Path
) -> tuple[list[dict[str, Any]], dict[str, Any] | None, list[list[float]]]:
    ex = spec.experiment
    names = list(params)
    if ex.design == "grid":
        combos = list(itertools.product(*params.values())) if names else [()]
        return [dict(zip(names, c, strict=True)) for c in combos], None, []
    problem = {
        "num_vars": len(names),
        "names": names,
        "bounds": [[float(lo), float(hi)] for lo, hi in params.values()],
    }
    n = int(ex.samples or 0)
    if ex.design == "lhs":
        from SALib.sample import latin

        X = latin.sample(problem, n, seed=ex.seed)
    elif ex.design == "sobol":
        from SALib.sample import sobol

        # not silenced: SALib warns when N is not a power of 2 (the design loses balance)
        X = sobol.sample(problem, n, calc_second_order=ex.second_order, seed=ex.seed)
    else:
        from SALib.sample import morris

        X = morris.sample(problem, n, num_levels=ex.levels, seed=ex.seed)
    X = np.asarray(X, dtype=float)
    points = [
        {k: (int(round(v)) if integer[k] else float(v)) for k, v in zip(names, row, strict=True)}
        for row in X
    ]
    return points, problem, X.tolist()


def _fingerprint(exp: Experiment) -> str:
    ex = exp.spec.experiment
    payload = {
        "scenario": exp.scenario.model_dump(mode="json"),
        "design": ex.design,
        "replicates": ex.replicates,
        "seed": ex.seed,
        "common_seeds": ex.common_seeds,
        "steps": exp.steps,
        "points": exp.points,
        "keep": list(exp.keep.as_dict().values()),
    }
    return fingerprint(payload)
