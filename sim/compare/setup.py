r"""Scenario comparison: paired differences, bootstrap intervals, effect sizes, replication.

Rules
-----
*Common random numbers.* Replicate :math:`k` of every scenario runs with the same seed,
:math:`s_k` = ``derive_seed(seed, k)``, so the random draws of the two runs line up and the
difference :math:`d_k = y^B_k - y^A_k` of replicate :math:`k` carries little of the noise the
two runs share.  A scenario compared with itself gives :math:`d_k = 0` exactly.

*Outcome of a run* at a horizon: the metric at the final step, or its mean over the last
:math:`K` steps (the *window*).

*Difference* of scenario B against the first scenario A: the mean of the paired differences
:math:`\bar d` (paired), or the difference of means :math:`\bar y^B - \bar y^A` (unpaired, used
when the scenarios' populations differ in size, so that replicate :math:`k` of one has nothing
to do with replicate :math:`k` of the other).

*Interval*: a bootstrap interval of that mean (4,000 resamples of replicates, seeded), the
*expanded percentile* interval of Hesterberg (2015): the percentiles are taken at
:math:`\alpha'/2` and :math:`1-\alpha'/2` with
:math:`\Phi^{-1}(1-\alpha'/2) = \sqrt{n/(n-1)}\; t_{n-1,\,1-\alpha/2}`, which corrects the
plain percentile interval's under-coverage with few replicates (a plain 95% percentile interval
covers about 80% of the time at :math:`n = 4`).  Unpaired intervals resample each scenario's
replicates separately, with :math:`n = \min(n_A, n_B)` in the expansion.

*Effect size*: paired, Cohen's :math:`d_z = \bar d / s_d`; unpaired, Cohen's
:math:`d = (\bar y^B - \bar y^A) / s_\text{pooled}`.  When every difference is exactly zero,
:math:`d_z = 0`; when the differences are all equal but not zero, :math:`d_z` is undefined (NaN).

*Adaptive replication*: run batches of replicates until every headline interval (every scenario
against the first, both horizons) is narrower than the requested precision, or a cap is hit.

References
----------
.. [1] Hesterberg, T. C. (2015). What teachers should know about the bootstrap. *The American
   Statistician* 69(4), 371-386. https://doi.org/10.1080/00031305.2015.1089789
.. [2] Lakens, D. (2013). Calculating and reporting effect sizes. *Frontiers in Psychology* 4,
   863. https://doi.org/10.3389/fpsyg.2013.00863
.. [3] Law, A. M. (2015). *Simulation Modeling and Analysis*, 5th ed., section 11.2 (common
   random numbers).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..metrics import GROUP_VARIABLES, GROUPS, HEADLINE
from ..results import TIMESERIES
from ..results import manifest as results_manifest
from ..rng import derive_seed
from ..scenario import ScenarioError, load_scenario
from ..schema import Scenario

__all__ = [
    "BOOTSTRAP_KEY",
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

#: Key under which bootstrap generators are derived from the comparison seed (replicate
#: seeds use keys 0, 1, 2, ...; this one is far away from them).
BOOTSTRAP_KEY = 7_000_001
N_BOOT = 4000
LEVEL = 0.95


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


# --------------------------------------------------------------------------- run outcomes
def outcomes(
    ts: pd.DataFrame,
    index: pd.DataFrame,
    columns: Sequence[str],
    horizon: Horizon,
) -> dict[str, pd.DataFrame]:
    """Each run's outcome at ``horizon``, by scenario label (rows: replicate; cols: columns).

    ``ts`` is a time series (``run_id``, ``step``, metric columns); ``index`` maps ``run_id`` to
    ``label`` and ``replicate``.
    """
    part = ts.loc[ts["step"].between(horizon.first, horizon.last), ["run_id", *columns]]
    per_run = part.groupby("run_id", sort=False)[list(columns)].mean()
    merged = index.set_index("run_id")[["label", "replicate"]].join(per_run, how="inner")
    return {
        label: df.set_index("replicate")[list(columns)].sort_index()
        for label, df in merged.groupby("label", sort=False)
    }


# --------------------------------------------------------------------------- bootstrap
def _expanded_alpha(n: int, level: float) -> float:
    r"""Hesterberg's expanded tail probability :math:`\alpha'` for ``n`` observations."""
    alpha = 1.0 - level
    if n < 2:
        return alpha
    z = math.sqrt(n / (n - 1)) * stats.t.ppf(1 - alpha / 2, n - 1)
    return float(2 * stats.norm.sf(z))


def _resample_means(x: np.ndarray, rng: np.random.Generator, n_boot: int) -> np.ndarray:
    """Bootstrap means of the rows of ``x`` (n, m): an array (n_boot, m)."""
    n = x.shape[0]
    counts = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(np.float64)
    return counts @ x / n


def _interval(boot: np.ndarray, n: int, level: float) -> tuple[np.ndarray, np.ndarray]:
    a = _expanded_alpha(n, level)
    lo, hi = np.quantile(boot, [a / 2, 1 - a / 2], axis=0)
    return lo, hi


def bootstrap_mean_ci(
    x: np.ndarray,
    rng: np.random.Generator,
    *,
    level: float = LEVEL,
    n_boot: int = N_BOOT,
) -> tuple[np.ndarray, np.ndarray]:
    """Expanded-percentile bootstrap interval of the mean of each column of ``x`` (n, ...).

    Columns must be free of NaN. With one observation the interval is NaN.

    >>> lo, hi = bootstrap_mean_ci(np.zeros((5, 2)), np.random.default_rng(0))
    >>> lo.tolist(), hi.tolist()
    ([0.0, 0.0], [0.0, 0.0])
    """
    x = np.asarray(x, dtype=np.float64)
    shape = x.shape[1:]
    flat = x.reshape(x.shape[0], -1)
    n = flat.shape[0]
    if n < 2:
        nan = np.full(shape, np.nan)
        return nan, nan.copy()
    lo, hi = _interval(_resample_means(flat, rng, n_boot), n, level)
    return lo.reshape(shape), hi.reshape(shape)


def bootstrap_diff_ci(
    a: np.ndarray,
    b: np.ndarray,
    rng: np.random.Generator,
    *,
    level: float = LEVEL,
    n_boot: int = N_BOOT,
) -> tuple[np.ndarray, np.ndarray]:
    """Unpaired bootstrap interval of ``mean(b) - mean(a)``, columnwise (each resampled apart)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    n = min(a.shape[0], b.shape[0])
    if n < 2:
        nan = np.full(a.shape[1:], np.nan)
        return nan, nan.copy()
    boot = _resample_means(b, rng, n_boot) - _resample_means(a, rng, n_boot)
    return _interval(boot, n, level)


# --------------------------------------------------------------------------- effect sizes
def cohen_dz(d: np.ndarray) -> float:
    r"""Paired effect size :math:`d_z = \bar d / s_d` (0 when every difference is 0).

    >>> cohen_dz(np.zeros(4)), round(cohen_dz(np.array([1.0, 2.0, 3.0])), 3)
    (0.0, 2.0)
    """
    d = np.asarray(d, dtype=np.float64)
    if len(d) < 2:
        return float("nan")
    mean, sd = float(d.mean()), float(d.std(ddof=1))
    if sd == 0.0:
        return 0.0 if mean == 0.0 else float("nan")
    return mean / sd


def cohen_d(a: np.ndarray, b: np.ndarray) -> float:
    r"""Unpaired effect size :math:`d = (\bar b - \bar a) / s_\text{pooled}`."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    na, nb = len(a), len(b)
    if na < 2 or nb < 2:
        return float("nan")
    pooled = math.sqrt(((na - 1) * a.var(ddof=1) + (nb - 1) * b.var(ddof=1)) / (na + nb - 2))
    diff = float(b.mean() - a.mean())
    if pooled == 0.0:
        return 0.0 if diff == 0.0 else float("nan")
    return diff / pooled


# --------------------------------------------------------------------------- one pair
def compare_outcomes(
    base: pd.DataFrame,
    other: pd.DataFrame,
    rng: np.random.Generator,
    *,
    paired: bool,
    level: float = LEVEL,
    n_boot: int = N_BOOT,
) -> pd.DataFrame:
    """Difference, interval and effect size of ``other`` against ``base``, column by column.

    Both frames are indexed by replicate. Paired: replicates present in both are matched by
    index (a replicate with a missing value in either is dropped for that column). Returns one
    row per column: ``baseline_mean``, ``scenario_mean``, ``difference``, ``ci_low``,
    ``ci_high``, ``effect_size``, ``effect_size_kind``, ``n``, ``n_baseline``, ``n_scenario``.
    """
    columns = list(base.columns)
    rows: dict[str, dict[str, Any]] = {}
    if paired:
        common = base.index.intersection(other.index)
        a_all, b_all = base.loc[common, columns], other.loc[common, columns]
        diff = b_all.to_numpy() - a_all.to_numpy()
        clean = ~np.isnan(diff).any(axis=0)
        lo = np.full(len(columns), np.nan)
        hi = lo.copy()
        if clean.any():
            lo[clean], hi[clean] = bootstrap_mean_ci(
                diff[:, clean], rng, level=level, n_boot=n_boot
            )
        for j, col in enumerate(columns):
            d = diff[:, j]
            ok = ~np.isnan(d)
            if not clean[j] and ok.sum() >= 2:
                lo[j], hi[j] = bootstrap_mean_ci(d[ok], rng, level=level, n_boot=n_boot)
            rows[col] = {
                "baseline_mean": float(a_all[col].to_numpy()[ok].mean()) if ok.any() else np.nan,
                "scenario_mean": float(b_all[col].to_numpy()[ok].mean()) if ok.any() else np.nan,
                "difference": float(d[ok].mean()) if ok.any() else np.nan,
                "ci_low": float(lo[j]),
                "ci_high": float(hi[j]),
                "effect_size": cohen_dz(d[ok]),
                "effect_size_kind": "d_z",
                "n": int(ok.sum()),
                "n_baseline": int(ok.sum()),
                "n_scenario": int(ok.sum()),
            }
    else:
        for col in columns:
            a = base[col].dropna().to_numpy()
            b = other[col].dropna().to_numpy()
            lo, hi = bootstrap_diff_ci(a[:, None], b[:, None], rng, level=level, n_boot=n_boot)
            rows[col] = {
                "baseline_mean": float(a.mean()) if len(a) else np.nan,
                "scenario_mean": float(b.mean()) if len(b) else np.nan,
                "difference": float(b.mean() - a.mean()) if len(a) and len(b) else np.nan,
                "ci_low": float(lo[0]),
                "ci_high": float(hi[0]),
                "effect_size": cohen_d(a, b),
                "effect_size_kind": "d",
                "n": int(min(len(a), len(b))),
                "n_baseline": len(a),
                "n_scenario": len(b),
            }
    return pd.DataFrame.from_dict(rows, orient="index")


# --------------------------------------------------------------------------- every pair
SUMMARY_COLUMNS = [
    "baseline",
    "scenario",
    "metric",
    "group",
    "horizon",
    "from_step",
    "to_step",
    "baseline_mean",
    "scenario_mean",
    "difference",
    "ci_low",
    "ci_high",
    "ci_width",
    "effect_size",
    "effect_size_kind",
    "n",
    "n_baseline",
    "n_scenario",
    "paired",
]


def summarise(
    ts: pd.DataFrame,
    index: pd.DataFrame,
    labels: Sequence[str],
    *,
    steps: int,
    window: int,
    seed: int,
    paired: Mapping[str, bool] | bool = True,
    columns: Sequence[MetricColumn] | None = None,
    level: float = LEVEL,
    n_boot: int = N_BOOT,
) -> pd.DataFrame:
    """One row per (scenario against the first, metric, group, horizon): the summary table.

    ``paired`` is one flag for every scenario, or a flag per label. The bootstrap of pair ``i``
    draws from ``default_rng(derive_seed(seed, BOOTSTRAP_KEY, i))``: the same numbers on every
    rerun.
    """
    columns = list(columns or metric_columns())
    present = [c for c in columns if c.column in ts.columns]
    names = [c.column for c in present]
    frames = []
    for horizon in horizons(steps, window):
        out = outcomes(ts, index, names, horizon)
        base_label = labels[0]
        for i, label in enumerate(labels[1:], start=1):
            if base_label not in out or label not in out:
                continue
            flag = paired if isinstance(paired, bool) else paired.get(label, True)
            key = 0 if horizon.name == "final" else 1
            rng = np.random.default_rng(derive_seed(seed, BOOTSTRAP_KEY, i, key))
            res = compare_outcomes(
                out[base_label], out[label], rng, paired=flag, level=level, n_boot=n_boot
            )
            res.insert(0, "baseline", base_label)
            res.insert(1, "scenario", label)
            res.insert(2, "metric", [c.metric for c in present])
            res.insert(3, "group", [c.group for c in present])
            res.insert(4, "horizon", horizon.name)
            res.insert(5, "from_step", horizon.first)
            res.insert(6, "to_step", horizon.last)
            res["ci_width"] = res["ci_high"] - res["ci_low"]
            res["paired"] = flag
            frames.append(res)
    if not frames:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    return pd.concat(frames, ignore_index=True)[SUMMARY_COLUMNS]


def precision_status(summary: pd.DataFrame, precision: float) -> tuple[bool, float]:
    """Whether every headline interval is narrower than ``precision``; and the widest one.

    Headline intervals: the ``all`` group of every headline metric, both horizons, every
    scenario against the first. A NaN width (too few replicates) counts as not precise.
    """
    head = summary[(summary["group"] == "all") & summary["metric"].isin(HEADLINE)]
    widths = head["ci_width"].to_numpy(dtype=float)
    if len(widths) == 0 or np.isnan(widths).any():
        return False, float("nan")
    worst = float(widths.max())
    return worst < precision, worst


# --------------------------------------------------------------------------- bands over time
def bands(
    ts: pd.DataFrame,
    index: pd.DataFrame,
    metrics: Sequence[str],
    *,
    seed: int,
    level: float = LEVEL,
    n_boot: int = 2000,
) -> pd.DataFrame:
    """Mean and bootstrap interval across replicates, per scenario, step and metric.

    Returns columns ``label``, ``step``, ``metric``, ``mean``, ``low``, ``high``, ``n``.
    """
    merged = ts.merge(index[["run_id", "label", "replicate"]], on="run_id", how="inner")
    frames = []
    for i, (label, df) in enumerate(merged.groupby("label", sort=False)):
        wide = df.pivot_table(index="replicate", columns="step", values=list(metrics))
        x = wide.to_numpy(dtype=np.float64)  # (replicates, metric x step)
        mean = np.nanmean(x, axis=0)
        lo = np.full(x.shape[1], np.nan)
        hi = lo.copy()
        clean = ~np.isnan(x).any(axis=0)
        if clean.any():
            rng = np.random.default_rng(derive_seed(seed, BOOTSTRAP_KEY, 0, 100 + i))
            lo[clean], hi[clean] = bootstrap_mean_ci(x[:, clean], rng, level=level, n_boot=n_boot)
        cols = wide.columns
        frames.append(
            pd.DataFrame(
                {
                    "label": label,
                    "metric": cols.get_level_values(0),
                    "step": cols.get_level_values(1).astype(int),
                    "mean": mean,
                    "low": lo,
                    "high": hi,
                    "n": x.shape[0],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


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


# =========================================================================== running a comparison
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

    def run_id(self, i: int, k: int) -> str:
        """Run id of replicate ``k`` of scenario ``i`` (letters, digits, ``._-`` only)."""
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", self.files[i].stem)
        return f"s{i}-{stem}-r{k:04d}"

    def fingerprint(self) -> str:
        """Hash of everything that decides the runs (not how many replicates are wanted)."""
        data = {
            "scenarios": [self.scenarios[lab].model_dump(mode="json") for lab in self.labels],
            "steps": self.steps,
            "seed": self.seed,
            "keep": [list(KEEP.metrics), list(KEEP.timeseries), KEEP.window, KEEP.every],
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()

    def tasks(self, replicates: int) -> list[Any]:
        """Run tasks for replicates ``0 .. replicates-1`` of every scenario (same seeds)."""
        from ..experiments import RunTask

        return [
            RunTask(
                run_id=self.run_id(i, k),
                scenario=self.scenarios[label].model_dump(mode="json"),
                parameters={},
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
) -> ComparisonSetup:
    """Load and validate every scenario (with the same overrides) and check the options.

    Raises :class:`~sim.scenario.ScenarioError` with a message for people.
    """
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
    return ComparisonSetup(
        files=files,
        labels=labels,
        scenarios=scenarios,
        steps=int(steps),
        seed=int(first.seed if seed is None else seed),
        window=int(window),
        replicates=int(replicates),
        precision=precision,
        max_replicates=int(max_replicates),
        overrides=list(overrides),
        notes=notes,
    )


@dataclass
class Comparison:
    """Everything a comparison produced: runs, statistics, and how replication went."""

    setup: ComparisonSetup
    runs: pd.DataFrame
    timeseries: pd.DataFrame
    index: pd.DataFrame  # run_id, label, replicate (successful runs used)
    summary: pd.DataFrame
    bands: pd.DataFrame
    paired: dict[str, tuple[bool, str]]
    differences: pd.DataFrame
    replicates: int
    adaptive: dict[str, Any]
    failed: list[str]
    manifest: dict[str, Any]
    out: Path | None = None

    @property
    def horizons(self) -> list[Horizon]:
        """The final step and the window."""
        return horizons(self.setup.steps, self.setup.window)


def open_store(
    setup: ComparisonSetup,
    out: Path,
    *,
    resume: bool = False,
    force: bool = False,
    command: Sequence[str] | None = None,
) -> Any:
    """The comparison's results directory as a crash-safe :class:`sim.experiments.RunStore`.

    Refuses (with :class:`~sim.results.OutputDirError`) a directory holding other files, or
    earlier results unless ``resume`` (same scenarios, steps and seed) or ``force``.
    """
    from ..experiments import RunStore

    meta = _manifest(setup, dt.datetime.now(dt.UTC), command)
    return RunStore(
        Path(out), fingerprint=setup.fingerprint(), manifest=meta, resume=resume, force=force
    )


def run_comparison(
    setup: ComparisonSetup,
    store: Any,
    *,
    executor: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> Comparison:
    """Run (or resume) the replicates, adding batches until precise enough; summarise.

    Runs go into ``store`` (see :func:`open_store`), one atomic part per finished run, so an
    interrupted comparison keeps its finished runs and a store opened with ``resume=True``
    reuses them. ``progress(event, done, total)`` is called with ``event`` ``"start"`` (a batch
    begins) or ``"run"`` (a run finished).
    """
    from ..experiments import make_executor, run_tasks

    out = store.out
    paired = pairing(setup.scenarios)
    flags = {lab: ok for lab, (ok, _) in paired.items()}
    target = setup.replicates
    batches: list[dict[str, Any]] = []
    with make_executor(
        executor, workers=workers, scheduler=scheduler, local_directory=out / ".dask"
    ) as ex:
        while True:
            tasks = setup.tasks(target)
            todo = len([t for t in tasks if t.run_id not in store.completed_ids()])
            if progress:
                progress("start", len(tasks) - todo, len(tasks))
            run_tasks(
                tasks,
                store,
                ex,
                progress=(lambda r, s: progress("run", s.skipped + s.done + s.failed, s.total))
                if progress
                else None,
            )
            runs = store.finalise()
            ts = pd.read_parquet(out / TIMESERIES)
            index = _index(runs, setup, target)
            _check_enough(index, setup)
            summary = summarise(
                ts, index, setup.labels, steps=setup.steps, window=setup.window,
                seed=setup.seed, paired=flags,
            )  # fmt: skip
            met, worst = (
                precision_status(summary, setup.precision) if setup.precision else (True, np.nan)
            )
            batches.append({"replicates": target, "widest_interval": worst})
            if setup.precision is None or met or target >= setup.max_replicates:
                break
            target = min(setup.max_replicates, target + setup.replicates)
    failed = sorted(set(runs.loc[runs["status"] != "ok", "run_id"])) if len(runs) else []
    adaptive = {
        "precision": setup.precision,
        "cap": setup.max_replicates,
        "met": bool(met) if setup.precision else None,
        "widest_interval": worst,
        "replicates": target,
        "batches": batches,
    }
    seeds = [replicate_seed(setup.seed, k) for k in range(target)]
    extra = {
        "comparison": {
            "replicates": target,
            "adaptive": adaptive,
            "replicate_seeds": seeds,
            "paired": {lab: ok for lab, (ok, _) in paired.items()},
            "failed_runs": failed,
        }
    }
    runs = store.finalise(extra)
    used = ts[ts["run_id"].isin(index["run_id"])]
    return Comparison(
        setup=setup,
        runs=runs,
        timeseries=used,
        index=index,
        summary=summary,
        bands=bands(used, index, list(HEADLINE), seed=setup.seed),
        paired=paired,
        differences=scenario_differences(setup.scenarios),
        replicates=target,
        adaptive=adaptive,
        failed=failed,
        manifest=store.manifest,
        out=Path(out),
    )


def _index(runs: pd.DataFrame, setup: ComparisonSetup, target: int) -> pd.DataFrame:
    """Successful runs of the wanted replicates: ``run_id``, ``label``, ``replicate``."""
    wanted = {setup.run_id(i, k) for i in range(len(setup.labels)) for k in range(target)}
    ok = runs[(runs["status"] == "ok") & runs["run_id"].isin(wanted)]
    return pd.DataFrame(
        {
            "run_id": ok["run_id"].to_numpy(),
            "label": [setup.labels[int(p)] for p in ok["point"]],
            "replicate": ok["replicate"].astype(int).to_numpy(),
        }
    )


def _check_enough(index: pd.DataFrame, setup: ComparisonSetup) -> None:
    counts = index["label"].value_counts()
    short = [lab for lab in setup.labels if counts.get(lab, 0) < 2]
    if short:
        raise ScenarioError(
            f"fewer than 2 runs finished for {', '.join(short)}, so no interval can be given "
            "(see runs.parquet, column 'error', in the output directory)."
        )


def _manifest(
    setup: ComparisonSetup, started: dt.datetime, command: Sequence[str] | None
) -> dict[str, Any]:
    """Provenance of the comparison (see :func:`sim.results.manifest`)."""
    data = results_manifest(
        kind="compare",
        scenarios=setup.scenarios,
        seeds={
            "seed": setup.seed,
            "derivation": "replicate k of every scenario runs with derive_seed(seed, k) "
            "(common random numbers); bootstrap of pair i: derive_seed(seed, 7000001, i, h)",
        },
        started=started,
        extra={
            "scenario_files": [str(f.resolve()) for f in setup.files],
            "labels": setup.labels,
            "steps": setup.steps,
            "window": setup.window,
            "overrides": setup.overrides,
            "precision": setup.precision,
            "max_replicates": setup.max_replicates,
        },
    )
    if command is not None:
        data["command"] = list(command)
    return data
