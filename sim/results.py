"""The results directory: ``runs.parquet``, ``timeseries.parquet``, ``manifest.json``.

Files are written atomically (a temporary file in the same directory, then ``os.replace``), so a
reader never sees half a file and a crash leaves the previous complete file in place.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import subprocess
import sys
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .errors import OutputDirError

if TYPE_CHECKING:
    from .runner import RunResult

__all__ = [
    "MANIFEST",
    "RUNS",
    "TIMESERIES",
    "atomic_write_bytes",
    "check_output_dir",
    "git_commit",
    "manifest",
    "package_versions",
    "write_json_atomic",
    "write_parquet_atomic",
    "write_results",
]

RUNS = "runs.parquet"
TIMESERIES = "timeseries.parquet"
MANIFEST = "manifest.json"
_PACKAGES = ("govsim", "mesa", "numpy", "scipy", "networkx", "pandas", "pyarrow", "pydantic")


def check_output_dir(out: Path, *, force: bool = False, allow_results: bool = True) -> None:
    """Refuse to write into a directory that holds files that are not govsim results."""
    if not out.exists():
        return
    if not out.is_dir():
        raise OutputDirError(f"{out}: exists and is not a directory.")
    entries = [p for p in out.iterdir() if not p.name.startswith(".")]
    if not entries or force:
        return
    if allow_results and (out / MANIFEST).exists():
        return
    raise OutputDirError(
        f"{out}: already holds files that are not govsim results "
        f"({', '.join(sorted(p.name for p in entries)[:5])}). Choose another --out, or pass "
        "--force to write there anyway."
    )


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_parquet_atomic(df: pd.DataFrame, path: Path) -> None:
    """Write a DataFrame as Parquet, atomically (deterministic bytes for identical data)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    df.to_parquet(tmp, index=False, engine="pyarrow")
    os.replace(tmp, path)


def write_json_atomic(obj: Any, path: Path) -> None:
    """Write JSON atomically, pretty-printed."""
    atomic_write_bytes(path, (json.dumps(obj, indent=2, default=str) + "\n").encode())


def package_versions() -> dict[str, str]:
    """Versions of govsim and the packages that decide its results."""
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_commit(path: Path | None = None) -> str | None:
    """The git commit of the source tree, if it is a git checkout (None otherwise)."""
    here = path or Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=here,
        capture_output=True,
        text=True,
        timeout=5,
    ).stdout.strip()
    return out.stdout.strip() + ("-dirty" if dirty else "")


def file_hash(text: str) -> str:
    """SHA-256 of a text (scenario provenance)."""
    return hashlib.sha256(text.encode()).hexdigest()


def manifest(
    *,
    kind: str,
    scenarios: Mapping[str, Any],
    seeds: Mapping[str, Any],
    started: dt.datetime,
    finished: dt.datetime | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Provenance of a results directory.

    ``scenarios`` maps a label to a validated :class:`~sim.schema.Scenario`, whose resolved text
    (after ``extends`` and overrides) and hash are recorded.
    """
    scen = {}
    for label, sc in scenarios.items():
        text = json.dumps(sc.model_dump(mode="json"), sort_keys=True, indent=1)
        scen[label] = {"name": sc.name, "sha256": file_hash(text), "resolved": json.loads(text)}
    return {
        "kind": kind,
        "command": sys.argv,
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds") if finished else None,
        "versions": package_versions(),
        "git_commit": git_commit(),
        "seeds": dict(seeds),
        "scenarios": scen,
        **dict(extra or {}),
    }


def write_results(out: Path, results: Iterable[RunResult], manifest_data: Mapping) -> None:
    """Write a complete results directory for finished runs."""
    results = list(results)
    out.mkdir(parents=True, exist_ok=True)
    runs = pd.DataFrame([r.runs_row() for r in results])
    ts = pd.concat([r.timeseries_frame() for r in results], ignore_index=True)
    write_parquet_atomic(runs, out / RUNS)
    write_parquet_atomic(ts, out / TIMESERIES)
    write_json_atomic(dict(manifest_data), out / MANIFEST)
