"""After the ABC run: posterior predictive, figures, tables and the page, in the output dir.

Files written in ``OUT/``: ``posterior.parquet`` (by the runner), ``predictive.parquet`` (every
draw's yearly statistics), ``points.csv`` (every data point: band, inside, error, naive error),
``fit.json`` (RMSE and coverage), ``predictive.png``, ``posterior.png`` and ``calibration.html``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .figures import posterior_png, predictive_png
from .page import REPORT, write_page
from .posterior import describe_models, parameter_columns, weighted_median
from .predictive import Predictive, predictive_check
from .runner import POSTERIOR, CalibrationRun, scenario_dict

__all__ = ["fit_sentence", "holdout_sentence", "write_outputs"]


def fit_sentence(fit: dict[str, float]) -> str:
    """Plain words for the in-sample fit.

    >>> s = fit_sentence({"fit_points": 6.0, "fit_rmse": 2.54, "fit_coverage": 5 / 6})
    >>> "by 2.5 points (RMSE); 5 of 6 (83%) lie inside the 90% predictive band" in s
    True
    """
    n = int(fit["fit_points"])
    inside = round(fit["fit_coverage"] * n)
    return (
        f"In sample: the posterior-predictive median misses the {n} fitted data points by "
        f"{fit['fit_rmse']:.1f} points (RMSE); {inside} of {n} ({fit['fit_coverage']:.0%}) lie "
        "inside the 90% predictive band."
    )


def holdout_sentence(fit: dict[str, float]) -> str:
    """Plain words for the out-of-sample check ('' when nothing was held out).

    >>> holdout_sentence({"holdout_points": 0.0})
    ''
    """
    n = int(fit.get("holdout_points", 0))
    if not n:
        return ""
    inside = round(fit["holdout_coverage"] * n)
    naive = fit["naive_rmse"]
    cmp = (
        "no naive baseline (no earlier fitted value)"
        if math.isnan(naive)
        else f"the naive baseline (last fitted value carried forward) misses by {naive:.1f}; the "
        f"model is {'better' if fit['holdout_rmse'] < naive else 'worse'}"
    )
    return (
        f"Out of sample: on the {n} held-out data points the model's median misses by "
        f"{fit['holdout_rmse']:.1f} points (RMSE) and {cmp}. The 90% band covers {inside} of "
        f"{n} ({fit['holdout_coverage']:.0%})."
    )


def _duration(s: float) -> str:
    return f"{s / 60:.1f} minutes" if s >= 90 else f"{s:.0f} seconds"


def write_outputs(
    run: CalibrationRun,
    *,
    executor: str = "serial",
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Predictive, Path]:
    """Run the posterior predictive and write every output file; return it and the page."""
    cal, out = run.calibration, run.out
    pred = predictive_check(
        cal, out / POSTERIOR, scenario_dict(cal), executor=executor, workers=workers,
        progress=progress,
    )  # fmt: skip
    pred.draws.to_parquet(out / "predictive.parquet", index=False)
    pred.points.to_csv(out / "points.csv", index=False)
    fit = {k: None if math.isnan(v) else v for k, v in pred.fit.items()}  # JSON has no NaN
    (out / "fit.json").write_text(json.dumps(fit, indent=2))
    predictive_png(pred.bands, pred.points, out / "predictive.png")
    priors = {p: pr.uniform for p, pr in cal.priors.items()}
    posterior_png(run.posterior, priors, out / "posterior.png")
    fr = run.posterior
    params = []
    for c in parameter_columns(fr):
        ok = fr[c].notna()
        x, w = fr.loc[ok, c].to_numpy(float), fr.loc[ok, "weight"].to_numpy(float)
        order = np.argsort(x)
        cw = np.cumsum(w[order]) / w.sum()
        params.append(
            {
                "path": c,
                "prior": f"{priors[c][0]:g} to {priors[c][1]:g}",
                "median": weighted_median(x, w),
                "q05": float(x[order][np.searchsorted(cw, 0.05)]),
                "q95": float(x[order][min(len(x) - 1, np.searchsorted(cw, 0.95))]),
            }
        )
    models = [
        {"name": m.name, "overrides": m.overrides or "-", "p": run.probabilities.get(m.name, 0.0)}
        for m in cal.model_list()
    ]
    stats = {t.statistic for t in (*cal.targets, *cal.holdout)}
    ctx: dict[str, Any] = {
        "name": cal.name or cal.source.stem,
        "description": cal.description,
        "simulations": run.simulations,
        "generations": len(run.generations),
        "seconds": _duration(run.seconds),
        "fit_sentence": fit_sentence(pred.fit),
        "holdout_sentence": holdout_sentence(pred.fit),
        "models_sentence": describe_models(run.probabilities),
        "draws": cal.abc.predictive_draws,
        "points": pred.points.to_dict("records"),
        "stat_note": "levels; 'change' series are points since their first fitted year"
        if "change" in stats
        else "levels",
        "params": params,
        "models": models,
        "gens": run.generations.to_dict("records"),
        "stopped": run.stopped,
        "source": str(cal.source),
        "scenario": str(cal.scenario_path()),
        "seed": cal.seed,
    }
    return pred, write_page(out, ctx)


__all__ += ["REPORT"]
