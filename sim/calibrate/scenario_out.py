"""A scenario at the posterior medians: ``--write-scenario scenarios/uk_calibrated.toml``.

The scenario ``extends`` the calibration's own scenario (relative path), sets the most probable
model's fixed overrides and every fitted parameter's weighted posterior median (dotted keys),
and carries a header saying where the numbers come from.  The posterior file is copied beside
it as ``<stem>.posterior.parquet`` (for ``govsim compare --posterior``).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path
from typing import Any

from ..scenario import load_scenario
from .config import Calibration
from .posterior import medians, model_probabilities, read_posterior

__all__ = ["write_scenario"]

#: Overrides of the calibration runs that are expedients, not findings: not carried over.
_NOT_CARRIED = ("population.size", "steps")


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, int):
        return str(v)
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_scenario(cal: Calibration, posterior: Path, path: Path, *, command: str = "") -> Path:
    """Write the calibrated scenario and copy the posterior beside it; return the scenario path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame, _meta = read_posterior(posterior)
    probs = model_probabilities(frame)
    best = next(iter(probs))
    med = medians(frame, best)
    spec = next(m for m in cal.model_list() if m.name == best)
    fixed = {k: v for k, v in {**cal.fixed, **spec.overrides}.items() if k not in _NOT_CARRIED}
    parent = os.path.relpath(cal.scenario_path(), path.parent.resolve())
    post_name = f"{path.stem}.posterior.parquet"
    lines = [
        f"# Calibrated: posterior medians of `govsim calibrate {cal.source.name}`"
        + (f" ({command})" if command else "")
        + ".",
        f"# Written {dt.datetime.now(dt.UTC):%Y-%m-%d} by govsim calibrate --write-scenario; do "
        "not edit the numbers by hand, re-run the calibration.",
        f"# Calibration file: calibrations/{cal.source.name} (seed {cal.seed}); fitted to: "
        + ", ".join(f"{t.series} {t.years[0]}-{t.years[-1]}" for t in cal.targets)
        + ".",
        f"# Most probable model: {best} (p = {probs[best]:.2f})"
        + (
            f"; others: {', '.join(f'{k} ({v:.2f})' for k, v in probs.items() if k != best)}"
            if len(probs) > 1
            else ""
        )  # fmt: skip
        + ".",
        "# Reasoning behind the numbers: each value is the weighted posterior median; the whole "
        f"posterior is {post_name}",
        "# (govsim compare A B --posterior " + post_name + " draws one set per replicate).",
    ]
    carried = {k: v for k, v in cal.fixed.items() if k in _NOT_CARRIED}
    if carried:
        lines.append(
            "# Fitted with "
            + ", ".join(f"{k} = {v}" for k, v in carried.items())
            + " (not carried over)."
        )
    lines += [
        f'extends = "{parent}"',
        f'name = "{path.stem}"',
        f'description = "The UK timeline with every fitted parameter at its posterior median '
        f'from {cal.source.name} (see the header for the data it was fitted to)."',
        "",
    ]
    for k, v in {**fixed, **med}.items():
        lines.append(f"{k} = {_toml_value(v)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    load_scenario(path)  # what we wrote must load
    shutil.copyfile(posterior, path.with_name(post_name))
    return path
