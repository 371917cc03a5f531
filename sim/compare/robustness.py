r"""Where a finding breaks: the comparison repeated over plausible parameter settings.

Rules
-----
*Parameter sets*: :math:`N` points of a Latin hypercube (McKay, Beckman and Conover 1979) over
the plausible ranges of :data:`sim.compare.uncertain.RANGES`, seeded from the comparison seed
(``derive_seed(seed, ROBUSTNESS_KEY)``). A range on a parameter that the compared scenarios set
differently is left out (it is the policy being compared, not an uncertainty), and so is a range
the scenarios cannot take; both are reported.

*Pairing*: set :math:`j` is applied to every scenario, and replicate :math:`k` of every scenario
and every set runs with the comparison's replicate seed :math:`s_k`, so the difference
:math:`d_{jk} = y^B_{jk} - y^A_{jk}` is paired as in the main comparison.

*A finding holds* in set :math:`j` when the mean difference over its replicates,
:math:`\bar d_j`, has the sign of the main comparison's difference. A finding is a headline
measure, or a group measure that the main comparison found clearly worse (a loss), whose 95%
interval excludes zero. The share of sets where it holds estimates the probability of the finding
under a uniform prior on the ranges; its reversal region is found by PRIM
(:mod:`sim.compare.discovery`).

References
----------
.. [1] McKay, M. D., Beckman, R. J. and Conover, W. J. (1979). A comparison of three methods for
   selecting values of input variables in the analysis of output from a computer code.
   *Technometrics* 21(2), 239-245. https://doi.org/10.1080/00401706.1979.10489755
.. [2] Lempert, R. J., Popper, S. W. and Bankes, S. C. (2003). *Shaping the Next One Hundred
   Years*. RAND MR-1626. https://doi.org/10.7249/MR1626
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ScenarioError
from ..metrics import HEADLINE
from ..results import manifest as results_manifest
from ..rng import derive_seed
from ..scenario import scenario_from_dict
from .meaning import GOOD_WHEN_HIGHER, GROUP_LABELS, PROSE
from .setup import ComparisonSetup, metric_columns, replicate_seed
from .uncertain import RANGES, Range

__all__ = [
    "ROBUSTNESS_DIR",
    "ROBUSTNESS_KEY",
    "Robustness",
    "RobustnessSetup",
    "findings_to_test",
    "open_robustness_store",
    "robustness_setup",
    "run_robustness",
]

#: Key under which the Latin hypercube's seed is derived from the comparison seed.
ROBUSTNESS_KEY = 7_000_002
#: Subdirectory of the comparison's output directory holding the robustness runs.
ROBUSTNESS_DIR = "robustness"


# --------------------------------------------------------------------------- set-up
@dataclass
class RobustnessSetup:
    """The parameter sets to repeat a comparison over, and how many replicates each."""

    setup: ComparisonSetup
    ranges: list[Range]
    sets: pd.DataFrame  # one row per set, one column per range path
    replicates: int = 2
    skipped: list[str] = field(default_factory=list)  # ranges left out, with the reason

    @property
    def n_sets(self) -> int:
        """Number of parameter sets."""
        return len(self.sets)

    def run_id(self, j: int, i: int, k: int) -> str:
        """Run id of set ``j``, scenario ``i``, replicate ``k``."""
        return f"p{j:04d}-s{i}-r{k:03d}"

    def tasks(self) -> list[Any]:
        """Every run: each set applied to each scenario, with the comparison's replicate seeds."""
        from ..experiments import Keep, RunTask

        cols = tuple(c.column for c in metric_columns())
        keep = Keep(metrics=cols, window=0, timeseries=(), every=1)
        setup = self.setup
        dumps = [setup.scenarios[lab].model_dump(mode="json") for lab in setup.labels]
        n = len(setup.labels)
        out = []
        for j, row in enumerate(self.sets.to_dict(orient="records")):
            for k in range(self.replicates):
                for i in range(n):
                    out.append(
                        RunTask(
                            run_id=self.run_id(j, i, k),
                            scenario=dumps[i],
                            parameters={p: float(v) for p, v in row.items()},
                            seed=replicate_seed(setup.seed, k),
                            steps=setup.steps,
                            keep=keep,
                            point=j * n + i,
                            replicate=k,
                        )
                    )
        return out

    def fingerprint(self) -> str:
        """Hash of everything that decides the robustness runs."""
        data = {
            "comparison": self.setup.fingerprint(),
            "sets": self.sets.round(12).to_dict(orient="list"),
            "replicates": self.replicates,
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _usable(setup: ComparisonSetup, ranges: Sequence[Range]) -> tuple[list[Range], list[str]]:
    from .setup import scenario_differences

    levers = set(scenario_differences(setup.scenarios)["parameter"])
    kept, skipped = [], []
    for r in ranges:
        if r.path in levers:
            skipped.append(f"{r.path}: set differently by the compared scenarios (the policy)")
            continue
        try:
            for label in setup.labels:
                dump = setup.scenarios[label].model_dump(mode="json")
                for v in (r.low, r.high):
                    scenario_from_dict(dump, {r.path: v}, source="robustness range")
        except ScenarioError as exc:
            skipped.append(f"{r.path}: {exc}")
            continue
        kept.append(r)
    return kept, skipped


def robustness_setup(
    setup: ComparisonSetup,
    n_sets: int,
    *,
    replicates: int = 2,
    ranges: Sequence[Range] = RANGES,
    sets: pd.DataFrame | None = None,
) -> RobustnessSetup:
    """Draw ``n_sets`` parameter sets by Latin hypercube over the usable ``ranges``.

    ``sets`` (one row per set, one column per dotted parameter path) replaces the hypercube,
    e.g. draws from a calibration posterior; its first ``n_sets`` rows are used. Raises
    :class:`~sim.errors.ScenarioError` for fewer than 10 sets, no usable range, or given sets
    that vary a policy lever or a value the scenarios cannot take.
    """
    from scipy.stats import qmc

    if n_sets < 10:
        raise ScenarioError(
            f"--robustness {n_sets}: needs at least 10 parameter sets to say how often a "
            "finding holds (40 or more to find where it reverses)."
        )
    if replicates < 1:
        raise ScenarioError(f"--robustness-replicates {replicates}: needs 1 or more.")
    if sets is not None:
        return _given_sets(setup, n_sets, replicates, sets)
    kept, skipped = _usable(setup, ranges)
    if not kept:
        raise ScenarioError(
            "--robustness: none of the uncertain parameters can be varied here: "
            + "; ".join(skipped)
        )
    sampler = qmc.LatinHypercube(d=len(kept), seed=derive_seed(setup.seed, ROBUSTNESS_KEY))
    unit = sampler.random(n_sets)
    lows = np.array([r.low for r in kept])
    highs = np.array([r.high for r in kept])
    values = qmc.scale(unit, lows, highs)
    sets = pd.DataFrame(values, columns=[r.path for r in kept])
    return RobustnessSetup(setup, kept, sets, replicates=int(replicates), skipped=skipped)


def _given_sets(
    setup: ComparisonSetup, n_sets: int, replicates: int, sets: pd.DataFrame
) -> RobustnessSetup:
    from .setup import scenario_differences

    if len(sets) < n_sets:
        raise ScenarioError(f"--robustness {n_sets}: only {len(sets)} parameter sets given.")
    sets = sets.iloc[:n_sets].astype(float).reset_index(drop=True)
    levers = set(scenario_differences(setup.scenarios)["parameter"]) & set(sets.columns)
    if levers:
        raise ScenarioError(
            f"parameter sets vary {', '.join(sorted(levers))}, which the compared scenarios "
            "set differently (the policy being compared); leave it out of the sets."
        )
    lo, hi = sets.min(), sets.max()
    for label in setup.labels:
        dump = setup.scenarios[label].model_dump(mode="json")
        for row in (lo, hi):
            scenario_from_dict(dump, row.to_dict(), source="parameter sets")
    ranges = [
        Range(c, float(lo[c]), float(hi[c]), c.split(".")[-1].replace("_", " "), "given sets")
        for c in sets.columns
    ]
    return RobustnessSetup(setup, ranges, sets, replicates=int(replicates))


def open_robustness_store(
    rsetup: RobustnessSetup,
    out: Path,
    *,
    resume: bool = False,
    force: bool = False,
    command: Sequence[str] | None = None,
) -> Any:
    """The robustness runs' store: ``out/robustness``, crash-safe and resumable like the rest."""
    from ..experiments import RunStore

    setup = rsetup.setup
    meta = results_manifest(
        kind="compare-robustness",
        scenarios=setup.scenarios,
        seeds={
            "seed": setup.seed,
            "derivation": "Latin hypercube seeded with derive_seed(seed, 7000002); replicate k "
            "of every set and scenario runs with derive_seed(seed, k)",
        },
        started=dt.datetime.now(dt.UTC),
        extra={
            "labels": setup.labels,
            "steps": setup.steps,
            "overrides": setup.overrides,
            "replicates_per_set": rsetup.replicates,
            "ranges": [
                {"path": r.path, "low": r.low, "high": r.high, "reason": r.reason}
                for r in rsetup.ranges
            ],
            "skipped_ranges": rsetup.skipped,
            "sets": rsetup.sets.to_dict(orient="list"),
        },
    )
    if command is not None:
        meta["command"] = list(command)
    return RunStore(
        Path(out) / ROBUSTNESS_DIR,
        fingerprint=rsetup.fingerprint(),
        manifest=meta,
        resume=resume,
        force=force,
    )


# --------------------------------------------------------------------------- results
@dataclass
class Robustness:
    """How often each finding holds across the parameter sets, and where it reverses."""

    rsetup: RobustnessSetup
    effects: pd.DataFrame  # set, scenario, metric, group, difference (mean over replicates)
    findings: pd.DataFrame  # scenario, metric, group, direction, holds, n_sets, share, region
    reused: int = 0
    ran: int = 0
    failed: int = 0
    prim: bool = True

    @property
    def n_sets(self) -> int:
        """Number of parameter sets."""
        return self.rsetup.n_sets

    def _row(self, scenario: str, metric: str, group: str) -> pd.Series | None:
        f = self.findings
        hit = f[(f["scenario"] == scenario) & (f["metric"] == metric) & (f["group"] == group)]
        return None if hit.empty else hit.iloc[0]

    def share(self, scenario: str, metric: str, group: str = "all") -> float | None:
        """Share of the sets in which the finding holds (None if it was not tested)."""
        row = self._row(scenario, metric, group)
        return None if row is None or not row["n_sets"] else float(row["share"])

    def holds_text(self, scenario: str, metric: str, group: str = "all") -> str:
        """``holds in 94% of 40 plausible settings`` (empty if the finding was not tested)."""
        row = self._row(scenario, metric, group)
        if row is None or not row["n_sets"]:
            return ""
        return f"holds in {100 * row['share']:.0f}% of {row['n_sets']} plausible settings"

    def sentences(self, scenario: str) -> list[str]:
        """How often each finding holds and where it reverses, in sentences.

        One sentence per finding that some setting reverses, then one naming every finding
        that held in all settings.
        """
        f = self.findings[self.findings["scenario"] == scenario]
        always = f[f["holds"] == f["n_sets"]]
        out = [str(s) for s in f.loc[f["holds"] != f["n_sets"], "sentence"]]
        if len(always):
            names = [s.split(" holds in all ")[0] for s in always["sentence"]]
            names = [n[0].lower() + n[1:] for n in names]
            out.append(
                f"In all {int(always['n_sets'].iloc[0])} plausible settings tried: "
                + "; ".join(names)
                + "."
            )
        return out


def findings_to_test(summary: pd.DataFrame, horizon: str = "final") -> pd.DataFrame:
    """The findings of a comparison: clear headline differences and clear group losses."""
    s = summary[summary["horizon"] == horizon]
    clear = (s["ci_low"] > 0) | (s["ci_high"] < 0)
    head = s["metric"].isin(HEADLINE) & (s["group"] == "all")
    good = s["metric"].map(GOOD_WHEN_HIGHER)
    up = s["difference"] > 0
    loss = (s["group"] != "all") & good.notna() & (up != good.fillna(True).astype(bool))
    return s[clear & (head | loss)][["scenario", "metric", "group", "difference"]].copy()


def _effects(rsetup: RobustnessSetup, runs: pd.DataFrame) -> pd.DataFrame:
    """Mean paired difference over replicates, per set, scenario, metric and group."""
    setup = rsetup.setup
    n = len(setup.labels)
    cols = [c for c in metric_columns() if c.column in runs.columns]
    ok = runs[runs["status"] == "ok"].copy()
    ok["set"] = ok["point"].astype(int) // n
    ok["scen"] = ok["point"].astype(int) % n
    base = ok[ok["scen"] == 0].set_index(["set", "replicate"])
    frames = []
    for i in range(1, n):
        other = ok[ok["scen"] == i].set_index(["set", "replicate"])
        common = base.index.intersection(other.index)
        names = [c.column for c in cols]
        d = other.loc[common, names] - base.loc[common, names]
        mean = d.groupby(level="set").mean()
        long = mean.reset_index().melt(id_vars="set", var_name="column", value_name="difference")
        lookup = {c.column: c for c in cols}
        long["metric"] = [lookup[c].metric for c in long["column"]]
        long["group"] = [lookup[c].group for c in long["column"]]
        long["scenario"] = setup.labels[i]
        frames.append(long.drop(columns="column"))
    if not frames:
        return pd.DataFrame(columns=["set", "difference", "metric", "group", "scenario"])
    return pd.concat(frames, ignore_index=True)


def _number(x: float) -> str:
    return f"{x:.3g}"


def _region_text(box: Any, words: dict[str, str]) -> str:
    parts = []
    for path, (lo, hi) in box.limits.items():
        blo, bhi = box.bounds[path]
        name = words.get(path, path)
        if lo <= blo + 1e-12:
            parts.append(f"{name} is below {_number(hi)}")
        elif hi >= bhi - 1e-12:
            parts.append(f"{name} is above {_number(lo)}")
        else:
            parts.append(f"{name} is between {_number(lo)} and {_number(hi)}")
    return " and ".join(parts)


def _sentence(name: str, share: float, n: int, holds: int, region: str, box: Any) -> str:
    if holds == n:
        return f"{name} holds in all {n} plausible settings tried: no setting reverses it."
    if holds == 0:
        return f"{name} reverses in all {n} plausible settings tried: it does not hold up."
    text = f"{name} holds in {100 * share:.0f}% of {n} plausible settings"
    rev = n - holds
    if rev < 3:
        few = "one setting reverses" if rev == 1 else "two settings reverse"
        return text + f"; {few} it, too few to say where."
    if region:
        inside = int(round(box.coverage * rev))
        text += (
            f"; it reverses when {region} ({inside} of the {rev} reversals lie there, and "
            f"{int(round(box.density * box.n_in))} of the {box.n_in} settings there reverse)."
        )
    elif box == "no-prim":
        text += "; install govsim[robustness] (the EMA Workbench) to find where it reverses."
    else:
        text += "; the reversals are scattered: no simple region of the ranges holds most of them."
    return text


def summarise_robustness(
    rsetup: RobustnessSetup, runs: pd.DataFrame, summary: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, bool]:
    """Effects per set, and for each finding of ``summary`` its share of sets and region."""
    from . import discovery

    effects = _effects(rsetup, runs)
    words = {r.path: r.words for r in rsetup.ranges}
    rows = []
    have_prim = discovery.prim_available()
    for _, f in findings_to_test(summary).iterrows():
        e = effects[
            (effects["scenario"] == f["scenario"])
            & (effects["metric"] == f["metric"])
            & (effects["group"] == f["group"])
        ].sort_values("set")
        d = e["difference"].to_numpy(dtype=float)
        sign = np.sign(f["difference"])
        holds = np.sign(d) == sign
        n = int(np.isfinite(d).sum())
        share = float(holds.sum() / n) if n else float("nan")
        region, box = "", None
        if n and 0 < holds.sum() < n:
            if have_prim:
                x = rsetup.sets.iloc[e["set"].to_numpy()].reset_index(drop=True)
                box = discovery.reversal_box(x, ~holds)
                region = _region_text(box, words) if box is not None else ""
            else:
                box = "no-prim"
        word = "advantage" if sign > 0 else "fall"
        name = PROSE.get(f["metric"], f["metric"])
        if f["group"] != "all":
            who = GROUP_LABELS.get(f["group"], f["group"]).lower()
            name = f"{name} for {who if who.startswith(('young', 'social')) else 'the ' + who}"
        label = f"The {'rise' if sign > 0 else word} in {name}"
        rows.append(
            {
                "scenario": f["scenario"],
                "metric": f["metric"],
                "group": f["group"],
                "direction": int(sign),
                "holds": int(holds.sum()),
                "n_sets": n,
                "share": share,
                "region": region,
                "coverage": getattr(box, "coverage", np.nan),
                "density": getattr(box, "density", np.nan),
                "sentence": _sentence(label, share, n, int(holds.sum()), region, box),
            }
        )
    cols = ["scenario", "metric", "group", "direction", "holds", "n_sets", "share", "region"]
    findings = pd.DataFrame(rows, columns=[*cols, "coverage", "density", "sentence"])
    return effects, findings, have_prim


def run_robustness(
    rsetup: RobustnessSetup,
    store: Any,
    summary: pd.DataFrame,
    *,
    executor: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> Robustness:
    """Run (or resume) every parameter set and summarise the findings of ``summary``.

    ``summary`` is the main comparison's table (:attr:`sim.compare.Comparison.summary`): its
    clear findings are the ones tested. ``progress`` is called as in
    :func:`sim.compare.run_comparison`.
    """
    from ..experiments import make_executor, run_tasks

    tasks = rsetup.tasks()
    found = store.completed_ids() & {t.run_id for t in tasks}
    if progress:
        progress("start", len(found), len(tasks))
    with make_executor(
        executor, workers=workers, scheduler=scheduler, local_directory=store.out / ".dask"
    ) as ex:
        done = run_tasks(
            tasks,
            store,
            ex,
            progress=(lambda r, s: progress("run", s.skipped + s.done + s.failed, s.total))
            if progress
            else None,
        )
    runs = store.finalise()
    effects, findings, have_prim = summarise_robustness(rsetup, runs, summary)
    failed = int((runs["status"] != "ok").sum()) if len(runs) else 0
    store.finalise(
        {
            "robustness": {
                "n_sets": rsetup.n_sets,
                "reused_runs": len(found),
                "new_runs": done.done + done.failed,
                "findings": findings.drop(columns=["coverage", "density"]).to_dict("records"),
            }
        }
    )
    return Robustness(
        rsetup,
        effects,
        findings,
        reused=len(found),
        ran=done.done + done.failed,
        failed=failed,
        prim=have_prim,
    )
