"""govsim as an EMA Workbench model: exploratory modelling and scenario discovery.

:func:`ema_model` returns a ready ``ema_workbench.Model``: its uncertainties are scenario
parameters with the ranges of :func:`sim.parameters` (or narrower ones you give), its outcomes
the headline metrics (:data:`sim.metrics.HEADLINE`) at the end of a run, or averaged over the
last ``window`` steps. EMA names parameters with ``__`` for the dots (``council__cooperation``;
EMA 3.0 wants identifiers, see :func:`ema_name`). Every experiment uses the same seed by
default (common random numbers), so differences between experiments come from the parameters
alone. Seed EMA's sampler too (``uncertainty_sampling_kwargs={"rng": 7}``) for a repeatable
design.

Needs the ``interop`` extra (``pip install "govsim[interop]"``, EMA Workbench 3.0)::

    from ema_workbench import perform_experiments
    from ema_workbench.analysis import feature_scoring, prim
    from sim.interop.ema import ema_model

    model = ema_model(
        "scenarios/tokenism.toml",
        uncertainties=["council.cooperation", "council.responsiveness"],
        overrides={"population.size": 500},
        steps=36,
    )
    experiments, outcomes = perform_experiments(model, scenarios=40)
    scores = feature_scoring.get_feature_scores_all(experiments, outcomes)
    x = experiments[[u.name for u in model.uncertainties]]
    box = prim.Prim(x, outcomes["trust_local"] < 0.3).find_box()

``tests/test_interop.py`` runs this end to end.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ema_workbench import (
    BooleanParameter,
    CategoricalParameter,
    IntegerParameter,
    Model,
    RealParameter,
    ScalarOutcome,
)

from ..errors import ScenarioError
from ..metrics import HEADLINE
from ..parameter_table import parameters
from ..scenario import load_scenario
from ..schema import Scenario

__all__ = ["GovsimFunction", "default_uncertainties", "ema_model", "ema_name"]

#: Parameters that size or label a run rather than describe the world: never uncertain by default.
_NOT_UNCERTAIN = {"name", "description", "extends", "steps", "seed", "population.size"}


def ema_name(path: str) -> str:
    """EMA's name of a parameter path: dots become ``__`` (EMA 3.0 wants Python identifiers).

    The model receives the dotted path itself (EMA's ``variable_name``).

    >>> ema_name("council.cooperation")
    'council__cooperation'
    """
    return path.replace(".", "__")


def default_uncertainties() -> list[str]:
    """Paths of every real-valued parameter with a finite, closed range (list entries left out).

    Parameters whose range is open at an end (``deprivation_alpha`` > 0) are left out: give
    them a range of your own (``uncertainties={"population.deprivation_alpha": (0.5, 5)}``).

    >>> "council.responsiveness" in default_uncertainties()
    True
    """
    return [
        p["path"]
        for p in parameters(include_lists=False)
        if p["type"] == "float"
        and p["path"] not in _NOT_UNCERTAIN
        and not p["optional"]
        and p["minimum"] is not None
        and p["maximum"] is not None
        and math.isfinite(p["maximum"])
        and not p["exclusive_minimum"]
        and not p["exclusive_maximum"]
    ]


class GovsimFunction:
    """The callable EMA runs: one govsim run, keyword parameters in, headline metrics out.

    A plain class (not a closure) so EMA's multiprocessing evaluator can pickle it.

    Parameters
    ----------
    scenario : Scenario
        The base scenario; each experiment's parameters are applied on top of it.
    steps : int
        Steps per run.
    seed : int
        The seed of every run (common random numbers).
    outcomes : sequence of str
        Metric columns of the model DataFrame to return.
    window : int
        Average each metric over the last ``window`` steps (1: the final value).
    """

    def __init__(
        self, scenario: Scenario, steps: int, seed: int, outcomes: Sequence[str], window: int
    ) -> None:
        self.scenario = scenario
        self.steps = steps
        self.seed = seed
        self.outcomes = tuple(outcomes)
        self.window = window

    def __call__(self, **params: Any) -> dict[str, float]:
        """Run the model with ``params`` (dotted paths) and return the outcomes."""
        from ..model import GovernanceModel

        model = GovernanceModel(self.scenario, rng=self.seed, **params)
        model.run(steps=self.steps)
        df = model.datacollector.get_model_vars_dataframe()
        tail = df.iloc[-self.window :]
        return {m: float(tail[m].mean()) for m in self.outcomes}


def ema_model(
    scenario: str | Path | Scenario | None = None,
    *,
    uncertainties: Iterable[str] | Mapping[str, tuple[float, float] | Sequence[Any]] | None = None,
    overrides: Mapping[str, Any] | None = None,
    steps: int | None = None,
    seed: int | None = None,
    outcomes: Sequence[str] = HEADLINE,
    window: int = 1,
    name: str = "govsim",
) -> Model:
    """An EMA Workbench ``Model`` of govsim.

    Parameters
    ----------
    scenario : str, Path or Scenario, optional
        The base scenario (a file or a loaded one); default: the schema defaults.
    uncertainties : iterable of str or mapping, optional
        Parameter paths to vary over their full range (``sim.parameters()``), or a mapping of
        path to ``(low, high)`` for numbers or a list of values for choices and flags. Default:
        :func:`default_uncertainties` (every real-valued parameter with a finite range).
    overrides : mapping, optional
        Fixed parameter values for every experiment (e.g. ``{"population.size": 500}``).
    steps, seed : int, optional
        Run length and the seed of every run; default: the scenario's.
    outcomes : sequence of str, default the headline metrics
        Metrics returned as ``ScalarOutcome``.
    window : int, default 1
        Outcomes are means over the last ``window`` steps (1: the final value).
    name : str, default "govsim"
        EMA's name for the model.

    Returns
    -------
    ema_workbench.Model

    Raises
    ------
    ScenarioError
        For an unknown parameter path, a range outside the allowed one, or a bad scenario.
    """
    if scenario is None:
        base = Scenario()
    elif isinstance(scenario, Scenario):
        base = scenario
    else:
        base = load_scenario(scenario)
    if overrides:
        from ..scenario import scenario_from_dict

        base = scenario_from_dict(base.model_dump(mode="json"), overrides, source="overrides")
    if window < 1:
        raise ScenarioError(f"ema_model: window = {window}: must be at least 1 step.")
    function = GovsimFunction(
        base,
        steps=base.steps if steps is None else steps,
        seed=base.seed if seed is None else seed,
        outcomes=outcomes,
        window=window,
    )
    model = Model(name, function=function)
    model.uncertainties = _uncertainties(uncertainties)
    model.outcomes = [ScalarOutcome(m) for m in outcomes]
    return model


def _uncertainties(
    spec: Iterable[str] | Mapping[str, Any] | None,
) -> list:
    table = {p["path"]: p for p in parameters(include_lists=False)}
    if spec is None:
        spec = default_uncertainties()
    ranges = dict(spec) if isinstance(spec, Mapping) else dict.fromkeys(spec)
    out = []
    for path, given in ranges.items():
        if path not in table:
            raise ScenarioError(
                f"ema_model: {path!r} is not a scenario parameter "
                "(`govsim validate --list-parameters` lists them)."
            )
        out.append(_parameter(table[path], given))
    return out


def _parameter(row: dict, given: Any):
    path, kind = row["path"], row["type"]
    name = ema_name(path)
    if kind == "bool":
        return BooleanParameter(name, variable_name=path)
    if kind == "choice":
        values = list(given) if given is not None else row["choices"]
        return CategoricalParameter(name, values, variable_name=path)
    if kind not in ("float", "int"):
        raise ScenarioError(f"ema_model: {path} is a {kind}, not a number, choice or flag.")
    lo, hi = given if given is not None else (row["minimum"], row["maximum"])
    if lo is None or hi is None or not math.isfinite(hi):
        raise ScenarioError(
            f"ema_model: {path} has no finite range; give one, e.g. uncertainties={{{path!r}: "
            "(low, high)}."
        )
    allowed_lo = row["minimum"] if row["minimum"] is not None else -math.inf
    allowed_hi = row["maximum"] if row["maximum"] is not None else math.inf
    inside_lo = allowed_lo < lo if row["exclusive_minimum"] else allowed_lo <= lo
    inside_hi = hi < allowed_hi if row["exclusive_maximum"] else hi <= allowed_hi
    if not (inside_lo and inside_hi and lo < hi):
        raise ScenarioError(
            f"ema_model: {path} range ({lo}, {hi}) is not within the allowed "
            f"[{row['minimum']}, {row['maximum']}] with low < high."
        )
    if kind == "int":
        return IntegerParameter(name, int(lo), int(hi), variable_name=path)
    return RealParameter(name, float(lo), float(hi), variable_name=path)
