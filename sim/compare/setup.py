r"""What is compared and how: scenarios loaded and paired, metrics, horizons, seeds, tasks.

Rules
-----
*Common random numbers.* Replicate :math:`k` of every scenario runs with the same seed,
:math:`s_k` = ``derive_seed(seed, k)``, so the random draws of the two runs line up and the
difference :math:`d_k = y^B_k - y^A_k` of replicate :math:`k` carries little of the noise the
two runs share.  A scenario compared with itself gives :math:`d_k = 0` exactly.

*Pairing* needs the same population size (:func:`pairing`); otherwise the scenarios are
compared unpaired (see :mod:`sim.compare.stats`).

References
----------
.. [1] Law, A. M. (2015). *Simulation Modeling and Analysis*, 5th ed., section 11.2 (common
   random numbers).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..metrics import GROUP_VARIABLES, GROUPS, HEADLINE
from ..rng import derive_seed
from ..scenario import ScenarioError, load_scenario
from ..schema import Scenario


# --------------------------------------------------------------------------- what is compared
@dataclass(frozen=True)
class MetricColumn:
    """A metric for one group of citizens: ``column`` of the time series."""

    metric: str
    group: str  # "all", "q1".."q5", "youth", "tenants"

    @property
    def column(self) -> str:
        """The time-series column (``trust_local`` or ``trust_local_q1``...)."""
        return self.metric if self.group == "all" else f"{self.metric}_{self.group}"


def metric_columns(*, groups: bool = True) -> list[MetricColumn]:
    """Headline metrics for everyone, then the group variables by group (if ``groups``).

    >>> [c.column for c in metric_columns()][:2], len(metric_columns())
    (['trust_local', 'trust_national'], 44)
    """
    cols = [MetricColumn(m, "all") for m in HEADLINE]
    if groups:
        cols += [MetricColumn(m, g) for m in GROUP_VARIABLES for g in GROUPS]
    return cols


@dataclass(frozen=True)
class Horizon:
    """Steps over which a run's outcome is taken: ``first`` to ``last`` inclusive."""

    name: str  # "final" or "window"
    first: int
    last: int

    def describe(self) -> str:
        """Plain words, e.g. ``after 5 years (month 60)`` or ``over months 49-60``."""
        if self.first == self.last:
            return f"after {_months(self.last)} (month {self.last})"
        return f"averaged over months {self.first}-{self.last}"


def _months(m: int) -> str:
    if m and m % 12 == 0:
        years = m // 12
        return f"{years} year{'s' if years != 1 else ''}"
    return f"{m} month{'s' if m != 1 else ''}"


def horizons(steps: int, window: int) -> list[Horizon]:
    """Return the final step and the last ``window`` steps (clipped to the run).

    >>> horizons(60, 12)
    [Horizon(name='final', first=60, last=60), Horizon(name='window', first=49, last=60)]
    """
    window = max(1, min(int(window), steps + 1))
    return [Horizon("final", steps, steps), Horizon("window", steps - window + 1, steps)]


def replicate_seed(seed: int, k: int) -> int:
    """Seed of replicate ``k``: the same for every scenario (common random numbers)."""
    return derive_seed(seed, k)


def pairing(scenarios: Mapping[str, Scenario]) -> dict[str, tuple[bool, str]]:
    """Whether each scenario can be paired with the first, and why not if it cannot.

    Pairing needs the same population size: the population, the network and every citizen's
    draws are then generated from the same random numbers in both runs. Otherwise replicate k
    of one scenario has nothing to do with replicate k of the other, and the comparison is
    unpaired (a difference of means).
    """
    labels = list(scenarios)
    base = scenarios[labels[0]]
    out: dict[str, tuple[bool, str]] = {}
    for label in labels[1:]:
        sc = scenarios[label]
        if sc.population.size != base.population.size:
            out[label] = (
                False,
                f"{label} has {sc.population.size:,} citizens and {labels[0]} has "
                f"{base.population.size:,}, so the runs' random draws do not line up citizen by "
                "citizen: compared unpaired (difference of means; wider intervals).",
            )
        else:
            out[label] = (True, "")
    return out


# --------------------------------------------------------------------------- the set-up
@dataclass
class ComparisonSetup:
    """What to compare and how: validated scenarios, run length, seeds, replication."""

    files: list[Path]
    labels: list[str]
    scenarios: dict[str, Scenario]
    steps: int
    seed: int
    window: int = 12
    replicates: int = 10
    precision: float | None = None
    max_replicates: int = 50
    overrides: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    posterior: Path | None = None  # parameter set k (drawn from it) is used by replicate k
    parameter_sets: list[dict[str, Any]] = field(default_factory=list)

    @property
    def uncertainty(self) -> list[str]:
        """What the intervals cover: simulation noise, and parameter uncertainty if drawn."""
        out = ["simulation noise"]
        if self.posterior is not None:
            out.append(
                f"parameter uncertainty (a posterior draw per replicate, {self.posterior.name})"
            )
        return out

    def run_id(self, i: int, k: int) -> str:
        """Run id of replicate ``k`` of scenario ``i`` (letters, digits, ``._-`` only)."""
        from ..experiments.plan import safe_id

        return f"s{i}-{safe_id(self.files[i].stem)}-r{k:04d}"

    def fingerprint(self) -> str:
        """Hash of everything that decides the runs (not how many replicates are wanted)."""
        from ..experiments.plan import fingerprint

        data = {
            "scenarios": [self.scenarios[lab].model_dump(mode="json") for lab in self.labels],
            "steps": self.steps,
            "seed": self.seed,
            "keep": list(KEEP.as_dict().values()),
        }
        if self.parameter_sets:  # a posterior decides the runs too
            data["parameter_sets"] = self.parameter_sets
        return fingerprint(data)

    def tasks(self, replicates: int) -> list[Any]:
        """Run tasks for replicates ``0 .. replicates-1`` of every scenario (same seeds)."""
        from ..experiments import RunTask

        return [
            RunTask(
                run_id=self.run_id(i, k),
                scenario=self.scenarios[label].model_dump(mode="json"),
                parameters=dict(self.parameter_sets[k]) if self.parameter_sets else {},
                seed=replicate_seed(self.seed, k),
                steps=self.steps,
                keep=KEEP,
                point=i,
                replicate=k,
            )
            for k in range(replicates)
            for i, label in enumerate(self.labels)
        ]


def _keep() -> Any:
    from ..experiments import Keep

    cols = tuple(c.column for c in metric_columns())
    return Keep(metrics=cols, window=0, timeseries=cols, every=1)


KEEP = _keep()


def load_setup(
    files: Sequence[Path],
    *,
    overrides: Sequence[str] = (),
    steps: int | None = None,
    seed: int | None = None,
    window: int = 12,
    replicates: int = 10,
    precision: float | None = None,
    max_replicates: int = 50,
    max_runs: int | None = None,
    posterior: Path | None = None,
) -> ComparisonSetup:
    """Load and validate every scenario (with the same overrides) and check the options.

    The seed must be in [0, 2**63); the most runs the comparison can make (scenarios x
    replicates, or x ``max_replicates`` with ``precision``) must not exceed ``max_runs``
    (default :data:`sim.experiments.limits.MAX_RUNS`). Raises
    :class:`~sim.scenario.ScenarioError` with a message for people.
    """
    from ..experiments.limits import MAX_RUNS, check_runs, check_seed

    files = [Path(f) for f in files]
    if len(files) < 2:
        raise ScenarioError(
            "compare needs at least two scenario files, e.g. govsim compare "
            "scenarios/centralised_baseline.toml scenarios/cooperative_council.toml"
        )
    if replicates < 2:
        raise ScenarioError(f"--replicates {replicates}: needs 2 or more for an interval.")
    if precision is not None and not precision > 0:
        raise ScenarioError(f"--precision {precision}: must be a positive interval width.")
    if max_replicates < replicates:
        raise ScenarioError(
            f"--max-replicates {max_replicates} is below --replicates {replicates}."
        )
    if window < 1:
        raise ScenarioError(f"--window {window}: must be 1 or more steps.")
    most = max(replicates, max_replicates if precision is not None else replicates)
    check_runs(
        len(files) * most,
        f"{len(files)} scenarios x {most:,} replicates",
        max_runs=MAX_RUNS if max_runs is None else max_runs,
    )
    scenarios: dict[str, Scenario] = {}
    labels: list[str] = []
    for path in files:
        sc = load_scenario(path, overrides=list(overrides))
        label = path.stem
        n = 2
        while label in scenarios:
            label = f"{path.stem} ({n})"
            n += 1
        scenarios[label] = sc
        labels.append(label)
    first = scenarios[labels[0]]
    notes = []
    if steps is None:
        steps = first.steps
        others = {lab: sc.steps for lab, sc in scenarios.items() if sc.steps != steps}
        if others:
            notes.append(
                f"Run length {steps} months, from {labels[0]} (the others ask for "
                + ", ".join(f"{lab}: {s}" for lab, s in others.items())
                + "); choose with --steps."
            )
    if steps < 1:
        raise ScenarioError(f"--steps {steps}: a comparison needs at least 1 step.")
    seed = check_seed(
        first.seed if seed is None else seed,
        "--seed" if seed is not None else (f"{files[0]}: seed"),
    )
    sets: list[dict[str, Any]] = []
    if posterior is not None:  # the same set for every scenario of replicate k (still paired)
        from ..calibrate.posterior import draw_parameter_sets

        sets = draw_parameter_sets(posterior, max(replicates, max_replicates), seed)
        from ..scenario import parse_override

        given = dict(parse_override(o) for o in overrides)
        for path in files:  # a posterior parameter the scenarios lack fails here, clearly
            load_scenario(path, overrides={**given, **sets[0]})
    return ComparisonSetup(
        files=files,
        labels=labels,
        scenarios=scenarios,
        steps=int(steps),
        seed=seed,
        window=int(window),
        replicates=int(replicates),
        precision=precision,
        max_replicates=int(max_replicates),
        overrides=list(overrides),
        notes=notes,
        posterior=None if posterior is None else Path(posterior),
        parameter_sets=sets,
    )


# --------------------------------------------------------------------------- what differs
_IGNORED = ("name", "description", "extends", "seed", "steps")


def _flatten(obj: Any, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.update(_flatten(v, f"{prefix}{k}."))
    elif isinstance(obj, list) and obj and all(isinstance(x, dict) for x in obj):
        for i, item in enumerate(obj):
            key = item.get("name", i) if isinstance(item, dict) else i
            out.update(_flatten(item, f"{prefix}{key}."))
    else:
        out[prefix[:-1]] = obj
    return out


def scenario_differences(scenarios: Mapping[str, Scenario]) -> pd.DataFrame:
    """Parameters whose resolved values differ between the scenarios (after ``extends``).

    One row per dotted parameter path, one column per scenario label; a parameter absent from
    a scenario (e.g. a council only one of them has) shows as ``-``. Names, descriptions and the
    ``extends`` chain are left out; ``seed`` and ``steps`` are set by the comparison itself.
    """
    flat = {label: _flatten(sc.model_dump(mode="json")) for label, sc in scenarios.items()}
    paths: list[str] = []
    for f in flat.values():
        paths += [p for p in f if p not in paths]
    rows = []
    for path in paths:
        if path.split(".")[0] in _IGNORED:
            continue
        values = [f.get(path, "-") for f in flat.values()]
        if any(v != values[0] for v in values[1:]):
            rows.append([path, *values])
    return pd.DataFrame(rows, columns=["parameter", *scenarios])
