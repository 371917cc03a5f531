"""Posterior files: one Parquet row per particle of the last ABC generation.

Columns: ``model`` (name), ``generation``, ``weight`` (the particle's share of the whole
posterior: its model's probability times its weight within the model, so the column sums to 1),
then one column per fitted parameter, named by its dotted path (empty where a model does not
fit that parameter).  The file's metadata (key ``govsim``) holds the models' fixed overrides,
the posterior model probabilities and where the numbers come from.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import CalibrationError

__all__ = [
    "FIXED_COLUMNS",
    "draw_parameter_sets",
    "medians",
    "model_probabilities",
    "read_posterior",
    "write_posterior",
]

FIXED_COLUMNS = ("model", "generation", "weight")
#: Fixed overrides of a calibration that are expedients (run size), not part of a drawn set.
NOT_DRAWN = ("population.size", "steps")
_META_KEY = b"govsim"


def write_posterior(frame: pd.DataFrame, meta: dict[str, Any], path: Path) -> Path:
    """Write a posterior table (see the module docstring) with its metadata, atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
    md = dict(table.schema.metadata or {})
    md[_META_KEY] = json.dumps(meta, sort_keys=True, default=str).encode()
    table = table.replace_schema_metadata(md)
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp)
    tmp.replace(path)
    return path


def read_posterior(path: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read a posterior file: the particles and the metadata.

    Raises
    ------
    CalibrationError
        When the file is missing or is not a govsim posterior.
    """
    path = Path(path)
    if not path.exists():
        raise CalibrationError(f"{path}: no such posterior file (govsim calibrate writes one).")
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowInvalid) as exc:
        raise CalibrationError(f"{path}: not a Parquet file ({exc}).") from None
    md = table.schema.metadata or {}
    if _META_KEY not in md:
        raise CalibrationError(f"{path}: a Parquet file, but not a govsim posterior (no metadata).")
    frame = table.to_pandas()
    missing = [c for c in FIXED_COLUMNS if c not in frame.columns]
    if missing:
        raise CalibrationError(f"{path}: posterior without column(s) {', '.join(missing)}.")
    return frame, json.loads(md[_META_KEY])


def parameter_columns(frame: pd.DataFrame) -> list[str]:
    """The fitted parameters' columns (dotted paths)."""
    return [c for c in frame.columns if c not in FIXED_COLUMNS]


def draw_parameter_sets(path: str | Path, n: int, seed: int) -> list[dict[str, Any]]:
    """Draw ``n`` parameter sets from a posterior file, by weight, reproducibly from ``seed``.

    Each set holds the drawn particle's fitted parameters (dotted paths), its model's fixed
    overrides and the calibration's fixed overrides except the run size (:data:`NOT_DRAWN`).
    Draws are with replacement, by inverse CDF of the weights on uniforms from
    ``numpy.random.default_rng(seed)``: the first ``k`` of ``n`` draws do not depend on ``n``.

    Parameters
    ----------
    path : str or Path
        A posterior file written by ``govsim calibrate``.
    n : int
        Number of sets.
    seed : int
        Seed of the draws (a comparison passes its own seed).

    Returns
    -------
    list of dict
        ``n`` mappings of dotted parameter path to value.
    """
    frame, meta = read_posterior(path)
    w = frame["weight"].to_numpy(dtype=float)
    w = w / w.sum()
    rng = np.random.default_rng(int(seed))
    # inverse-CDF on uniforms: the first k draws do not depend on n
    u = rng.random(int(n))
    idx = np.minimum(np.searchsorted(np.cumsum(w), u, side="right"), len(w) - 1)
    overrides = {m["name"]: m.get("overrides", {}) for m in meta.get("models", [])}
    fixed = {k: v for k, v in meta.get("fixed", {}).items() if k not in NOT_DRAWN}
    cols = parameter_columns(frame)
    out = []
    for i in idx:
        row = frame.iloc[int(i)]
        params = {c: float(row[c]) for c in cols if pd.notna(row[c])}
        out.append({**fixed, **overrides.get(str(row["model"]), {}), **params})
    return out


def model_probabilities(frame: pd.DataFrame) -> dict[str, float]:
    """Posterior probability of each model (sum of its particles' weights), largest first."""
    p = frame.groupby("model")["weight"].sum()
    p = p / p.sum()
    return {str(k): float(v) for k, v in p.sort_values(ascending=False).items()}


def weighted_median(x: np.ndarray, w: np.ndarray) -> float:
    """The weighted median (the smallest x whose cumulative weight reaches one half).

    >>> weighted_median(np.array([1.0, 2.0, 3.0]), np.array([0.2, 0.2, 0.6]))
    3.0
    """
    order = np.argsort(x)
    cw = np.cumsum(w[order]) / w.sum()
    return float(x[order][np.searchsorted(cw, 0.5)])


def medians(frame: pd.DataFrame, model: str | None = None) -> dict[str, float]:
    """Weighted posterior medians of the parameters (of one model, default the most probable)."""
    model = model or next(iter(model_probabilities(frame)))
    sub = frame[frame["model"] == model]
    w = sub["weight"].to_numpy(dtype=float)
    out = {}
    for c in parameter_columns(frame):
        ok = sub[c].notna().to_numpy()
        if ok.any():
            out[c] = weighted_median(sub[c].to_numpy(dtype=float)[ok], w[ok])
    return out


def describe_models(probs: dict[str, float]) -> str:
    """Plain words for posterior model probabilities.

    >>> describe_models({"ratchet": 0.71, "cohorts": 0.22, "contagion": 0.07})
    'The data favour ratchet (p = 0.71) over cohorts (0.22) and contagion (0.07).'
    >>> describe_models({"only": 1.0})
    'One model only (only): no model comparison.'
    """
    items = list(probs.items())
    if len(items) == 1:
        return f"One model only ({items[0][0]}): no model comparison."
    (best, p), rest = items[0], items[1:]
    others = [f"{name} ({q:.2f})" for name, q in rest]
    tail = others[0] if len(others) == 1 else ", ".join(others[:-1]) + " and " + others[-1]
    if p < 0.5 and rest and rest[0][1] > p - 0.1:
        return f"The data do not choose clearly: {best} (p = {p:.2f}), {tail}."
    return f"The data favour {best} (p = {p:.2f}) over {tail}."
