"""Calibration files: what is fitted (priors), to which series (targets), and how (ABC settings).

A calibration file is TOML, validated by :class:`Calibration`.  Every mistake becomes a
:class:`~sim.errors.CalibrationError` whose message names the file, the line, the field, the
value given and what is allowed (the scenario loader's helpers, :mod:`sim.messages`).

Example (``calibrations/uk_small.toml`` is a complete one)::

    scenario = "../scenarios/uk_2007_2023.toml"
    start_year = 2007

    [fixed]
    "population.size" = 300

    [priors]
    "processes.trust_experience.down_rate" = {uniform = [0.05, 0.4]}

    [[targets]]
    series = "scottish_sa_trust_uk_govt"
    years = [2007, 2009, 2010, 2011, 2012, 2015]
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from ..errors import CalibrationError
from ..messages import find_line
from ..scenario import parameter_paths, read_toml

__all__ = [
    "ABCSettings",
    "Calibration",
    "ModelSpec",
    "Prior",
    "Target",
    "load_calibration",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Prior(_Strict):
    """A prior: ``{uniform = [low, high]}`` (the only family: bounds people can defend)."""

    uniform: tuple[float, float] = Field(description="Lower and upper bound, low < high.")

    @field_validator("uniform")
    @classmethod
    def _ordered(cls, v: tuple[float, float]) -> tuple[float, float]:
        lo, hi = v
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise ValueError("bounds must be finite numbers")
        if not lo < hi:
            raise ValueError(f"needs low < high, got [{lo}, {hi}]")
        return v

    @property
    def low(self) -> float:
        """Lower bound."""
        return self.uniform[0]

    @property
    def high(self) -> float:
        """Upper bound."""
        return self.uniform[1]


class Target(_Strict):
    """One reference series and the years of it that enter the distance (or are predicted)."""

    series: str = Field(description="A series of data/uk_reference_series.csv.")
    years: list[int] = Field(min_length=1, description="Survey years used.")
    weight: float = Field(1.0, gt=0, description="Weight of each of its points in the distance.")
    statistic: Literal["level", "change"] = Field(
        "level",
        description="level: the value in points; change: points since the series' first listed "
        "year (for series whose level the model does not share, e.g. BSA against SSA).",
    )
    metric: str | None = Field(None, description="Model metric (default: the series' own).")


class ModelSpec(_Strict):
    """A competing model (ABC model choice): a name and fixed dotted overrides."""

    name: str = Field(min_length=1)
    description: str = ""
    overrides: dict[str, Any] = Field(default_factory=dict)


class ABCSettings(_Strict):
    """ABC-SMC settings (pyabc)."""

    population_size: int = Field(100, ge=5, le=100_000, description="Particles per generation.")
    generations: int = Field(5, ge=1, le=100, description="Maximum number of generations.")
    min_epsilon: float = Field(0.0, ge=0, description="Stop when the threshold falls below this.")
    max_simulations: int = Field(
        100_000, ge=1, description="Stop after this many simulations in all."
    )
    min_acceptance_rate: float = Field(
        0.0, ge=0, le=1, description="Stop when a generation accepts fewer than this share."
    )
    predictive_draws: int = Field(
        50, ge=5, le=10_000, description="Posterior-predictive simulations for the bands."
    )


class Calibration(_Strict):
    """A calibration: the scenario simulated, priors, targets, held-out years, ABC settings."""

    name: str = ""
    description: str = ""
    scenario: str = Field(description="Scenario file, relative to the calibration file.")
    start_year: int = Field(2007, ge=1900, le=2100, description="Year of step 0 (January).")
    seed: int = Field(1, ge=0, description="Root seed of the calibration.")
    data: str = Field(
        "../data/uk_reference_series.csv",
        description="Reference series CSV, relative to the calibration file.",
    )
    fixed: dict[str, Any] = Field(default_factory=dict, description="Overrides of every run.")
    priors: dict[str, Prior] = Field(min_length=1)
    targets: list[Target] = Field(min_length=1)
    holdout: list[Target] = Field(default_factory=list, description="Years predicted, not fitted.")
    models: list[ModelSpec] = Field(default_factory=list)
    abc: ABCSettings = Field(default_factory=ABCSettings)
    _source: str = PrivateAttr("<calibration>")

    @model_validator(mode="after")
    def _unique_models(self) -> Calibration:
        names = [m.name for m in self.models]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"model names must be unique; repeated: {', '.join(sorted(dup))}")
        return self

    # resolved paths are set by load_calibration
    @property
    def source(self) -> Path:
        """The calibration file (``<memory>`` when built in code)."""
        return Path(self._source)

    def model_list(self) -> list[ModelSpec]:
        """The competing models; one named ``default`` (no overrides) when none are listed."""
        return list(self.models) or [ModelSpec(name="default")]

    @property
    def last_year(self) -> int:
        """The last year any target or held-out series needs."""
        return max(y for t in (*self.targets, *self.holdout) for y in t.years)

    @property
    def steps(self) -> int:
        """Steps to simulate: through December of :attr:`last_year`."""
        return 12 * (self.last_year - self.start_year + 1) - 1

    def scenario_path(self) -> Path:
        """The scenario file, resolved against the calibration file."""
        return (self.source.parent / self.scenario).resolve()

    def data_path(self) -> Path:
        """The reference CSV, resolved against the calibration file."""
        return (self.source.parent / self.data).resolve()


def _where(path: Path, loc: tuple) -> str:
    line = find_line(path, loc)
    return f"{path}:{line}" if line else str(path)


def _format(exc: ValidationError, path: Path, data: dict) -> str:
    lines = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if p not in ("function-after",))
        dotted = ".".join(str(p) for p in loc) or "(top level)"
        where = _where(path, loc)
        value = err.get("input")
        shown = "" if isinstance(value, dict | list) else f" = {value!r}"
        kind = err["type"]
        if kind == "extra_forbidden":
            parent = Calibration
            names: list[str] = []
            try:
                names = _fields_at(parent, loc[:-1])
            except KeyError:
                names = []
            hint = f" Allowed keys here: {', '.join(names)}." if names else ""
            lines.append(f"{where}: unknown key {dotted!r}.{hint}")
        elif kind == "missing":
            lines.append(f"{where}: {dotted} is required but missing.")
        else:
            text = err["msg"].removeprefix("Value error, ").rstrip(".")
            lines.append(f"{where}: {dotted}{shown}: {text}.")
    return "\n".join(dict.fromkeys(lines))


def _fields_at(model: Any, loc: tuple) -> list[str]:
    from typing import get_args, get_origin

    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields[part]
        ann = field.annotation
        if get_origin(ann) in (list, dict):
            ann = get_args(ann)[-1]
        model = ann
        if part == "priors":
            model = Prior
    return list(getattr(model, "model_fields", {}))


def _check_paths(cal: Calibration, path: Path) -> None:
    valid = set(parameter_paths(include_lists=True))

    def ok(p: str) -> bool:
        keys = p.split(".")
        if keys[0] in {"councils", "parties", "events"} and len(keys) >= 3:
            return ".".join([keys[0], "*", *keys[2:]]) in valid
        return p in valid

    import difflib

    checks: list[tuple[tuple, str]] = [(("priors", p), p) for p in cal.priors]
    checks += [(("fixed", p), p) for p in cal.fixed]
    for i, m in enumerate(cal.models):
        checks += [(("models", i, "overrides", p), p) for p in m.overrides]
    for loc, p in checks:
        if not ok(p):
            near = difflib.get_close_matches(p, sorted(valid), n=2, cutoff=0.6)
            hint = f" Did you mean {' or '.join(near)}?" if near else ""
            raise CalibrationError(
                f"{_where(path, loc)}: {'.'.join(str(x) for x in loc[:-1])}: {p!r} is not a "
                f"scenario parameter.{hint} `govsim validate --list-parameters` lists them all."
            )


def load_calibration(path: str | Path) -> Calibration:
    """Read and validate a calibration file; check parameters, series and years exist.

    Raises
    ------
    CalibrationError
        With a message naming the file, line, field, value and what is allowed.
    """
    from .reference import check_targets, load_reference

    path = Path(path)
    try:
        data = read_toml(path, what="calibration")
    except CalibrationError:
        raise
    except Exception as exc:  # ScenarioError from read_toml: same text, our class
        raise CalibrationError(str(exc)) from None
    try:
        cal = Calibration.model_validate(data)
    except ValidationError as exc:
        raise CalibrationError(_format(exc, path, data)) from None
    cal._source = str(path.resolve())
    _check_paths(cal, path)
    if not cal.scenario_path().exists():
        raise CalibrationError(
            f"{_where(path, ('scenario',))}: scenario = {cal.scenario!r}, but "
            f"{cal.scenario_path()} does not exist (paths are relative to the calibration file)."
        )
    ref = load_reference(cal.data_path())
    check_targets(cal, ref, path)
    return cal
