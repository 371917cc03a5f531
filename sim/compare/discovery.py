r"""Scenario discovery: the region of parameter space where a finding reverses, found by PRIM.

The Patient Rule Induction Method (Friedman and Fisher 1999), as used for scenario discovery
(Bryant and Lempert 2010) and implemented in the EMA Workbench (Kwakkel 2017), peels a box
from the space of uncertain parameters, a sliver at a time, keeping the points where the finding
reverses. Along that peeling trajectory it trades *coverage* (the share of all reversals that
lie in the box) against *density* (the share of points in the box that reverse). We take the
box with the highest coverage among those of density at least :data:`MIN_DENSITY`. PRIM is
run on each parameter alone and on pairs of the most telling ones, so the region restricts at most
:data:`MAX_DIMENSIONS` parameters and reads as one sentence (the interpretability that Bryant
and Lempert ask of a scenario).

References
----------
.. [1] Friedman, J. H. and Fisher, N. I. (1999). Bump hunting in high-dimensional data.
   *Statistics and Computing* 9, 123-143. https://doi.org/10.1023/A:1008894516817
.. [2] Bryant, B. P. and Lempert, R. J. (2010). Thinking inside the box: a participatory,
   computer-assisted approach to scenario discovery. *Technological Forecasting and Social
   Change* 77(1), 34-49. https://doi.org/10.1016/j.techfore.2009.08.002
.. [3] Kwakkel, J. H. (2017). The Exploratory Modeling Workbench. *Environmental Modelling &
   Software* 96, 239-250. https://doi.org/10.1016/j.envsoft.2017.06.054
"""

from __future__ import annotations

import itertools
import logging
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["MAX_DIMENSIONS", "MIN_DENSITY", "PAIRS_FROM", "Box", "prim_available", "reversal_box"]

#: Share of reversing points a box should hold to be reported as "where it reverses".
MIN_DENSITY = 0.75
#: Most parameters a reported box may restrict.
MAX_DIMENSIONS = 2
#: Pairs are searched among this many parameters, the best alone (coverage x density).
PAIRS_FROM = 5


@dataclass
class Box:
    """A region of parameter space: ``limits`` maps each restricted parameter to (low, high)."""

    limits: dict[str, tuple[float, float]] = field(default_factory=dict)
    bounds: dict[str, tuple[float, float]] = field(default_factory=dict)  # the whole range
    coverage: float = float("nan")
    density: float = float("nan")
    n_in: int = 0
    method: str = "PRIM (EMA Workbench)"


def prim_available() -> bool:
    """Whether the EMA Workbench (``pip install 'govsim[robustness]'``) can be imported."""
    try:
        _prim()
    except ImportError:
        return False
    return True


def _prim():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "ipyparallel not installed" and the like
        from ema_workbench.analysis import prim
    logging.getLogger("EMA").setLevel(logging.WARNING)
    return prim


def _best_on_trajectory(alg: Any, box: Any) -> tuple[int, float, float] | None:
    traj = box.peeling_trajectory
    dense = traj[(traj["res_dim"] >= 1) & (traj["density"] >= MIN_DENSITY)]
    if dense.empty:
        return None
    best = dense.sort_values(["coverage", "density"], ascending=False).iloc[0]
    return int(best["id"]), float(best["coverage"]), float(best["density"])


def reversal_box(x: pd.DataFrame, reversed_: np.ndarray) -> Box | None:
    """The PRIM box where ``reversed_`` is most concentrated, or None if there is none to find.

    ``x`` holds one row per parameter set (float columns), ``reversed_`` a boolean per row.
    PRIM runs on every parameter alone and on the pairs of the :data:`PAIRS_FROM` best of
    them (so that the region reads as one sentence); the box of highest coverage with
    density at least :data:`MIN_DENSITY` wins, then the higher density, then the fewer
    parameters. Returns None when no point or every
    point reverses, or when no box is dense enough. Raises ImportError without the EMA
    Workbench.

    >>> x = pd.DataFrame({"a": np.linspace(0, 1, 40), "b": np.tile([0.0, 1.0], 20)})
    >>> box = reversal_box(x, (x["a"] < 0.3).to_numpy())
    >>> list(box.limits), box.limits["a"][1] < 0.35, box.density > 0.9
    (['a'], True, True)
    """
    y = np.asarray(reversed_, dtype=bool)
    if y.sum() == 0 or y.all():
        return None
    prim = _prim()
    x = x.astype(float).reset_index(drop=True)
    mass_min = max(0.05, 3 / len(x))  # a box holds at least 3 parameter sets
    best: tuple[tuple[float, float, int], pd.DataFrame, pd.DataFrame] | None = None
    score: dict[str, float] = {}

    def search(cols: list[str]) -> None:
        nonlocal best
        alg = prim.Prim(x[cols], y, peel_alpha=0.1, paste_alpha=0.05, mass_min=mass_min)
        box = alg.find_box()
        if box is None:
            return
        traj = box.peeling_trajectory
        if len(cols) == 1:
            score[cols[0]] = float((traj["coverage"] * traj["density"]).max())
        pick = _best_on_trajectory(alg, box)
        if pick is None:
            return
        i, coverage, density = pick
        key = (coverage, density, -len(cols))
        if best is None or key > best[0]:
            best = (key, box.box_lims[i], alg.box_init)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for c in x.columns:
            search([c])
        top = sorted(score, key=score.get, reverse=True)[:PAIRS_FROM]
        for pair in itertools.combinations(top, 2):
            search(list(pair))
    if best is None:
        return None
    _, lims, init = best
    bounds = {c: (float(x[c].min()), float(x[c].max())) for c in x.columns}
    limits: dict[str, tuple[float, float]] = {}
    for c in lims.columns:
        lo, hi = float(lims.loc[0, c]), float(lims.loc[1, c])
        if lo > float(init.loc[0, c]) or hi < float(init.loc[1, c]):
            limits[c] = (lo, hi)
    inside = np.ones(len(x), dtype=bool)
    for c, (lo, hi) in limits.items():
        inside &= (x[c] >= lo).to_numpy() & (x[c] <= hi).to_numpy()
    n_in = int(inside.sum())
    return Box(
        limits=limits,
        bounds=bounds,
        coverage=float(y[inside].sum() / y.sum()),
        density=float(y[inside].mean()) if n_in else float("nan"),
        n_in=n_in,
    )
