"""The results directory: ``runs.parquet``, ``timeseries.parquet``, ``manifest.json``.

Files are written atomically (a temporary file in the same directory, then ``os.replace``), so a
reader never sees half a file and a crash leaves the previous complete file in place.

Both Parquet files are *tidy* (:func:`tidy_table`): one Arrow type per column in every file
(``run_id`` and every text column ``string``; ``point``, ``replicate``, ``seed`` ``int64``),
flags as booleans (:data:`FLAGS`), party indices as integers (:data:`INTEGERS`), list
parameters as lists, and null, not ``''``, where a run has no error. Each file carries its
provenance in the Parquet key-value metadata (:func:`parquet_metadata`: govsim version,
scenario hashes, the experiment's fingerprint), so a file copied out of its folder still says
where it came from.
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
import pyarrow as pa
import pyarrow.parquet as pq

from .errors import OutputDirError

if TYPE_CHECKING:
    from .runner import RunResult

__all__ = [
    "FLAGS",
    "INTEGERS",
    "MANIFEST",
    "RUNS",
    "TIMESERIES",
    "atomic_write_bytes",
    "check_output_dir",
    "git_commit",
    "manifest",
    "package_versions",
    "parquet_metadata",
    "tidy_table",
    "write_json_atomic",
    "write_parquet_atomic",
    "write_results",
    "write_table_atomic",
]

RUNS = "runs.parquet"
TIMESERIES = "timeseries.parquet"
MANIFEST = "manifest.json"
_PACKAGES = (
    "govsim",
    "mesa",
    "numpy",
    "scipy",
    "networkx",
    "pandas",
    "pyarrow",
    "pydantic",
    "SALib",  # decides the design points of lhs, sobol and morris sweeps and their intervals
    "dask",
    "distributed",
)

#: Metrics that are yes/no flags (stored as booleans). ``election`` is 1 in a month with an
#: election; ``government_changed`` 1 when that election changed the government.
FLAGS = ("election", "government_changed")
#: Metrics that are integer codes (stored as int64): ``government`` is the governing party's index.
INTEGERS = ("government",)
#: Identity columns of ``runs.parquet`` and their types (``error`` is null for a run without one).
IDENTITY = {
    "run_id": pa.string(),
    "scenario": pa.string(),
    "point": pa.int64(),
    "replicate": pa.int64(),
    "seed": pa.int64(),
    "status": pa.string(),
    "error": pa.string(),
    "step": pa.int64(),
}


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


def _tidy_type(name: str, typ: pa.DataType, settle: bool = True) -> pa.DataType:
    """The tidy Arrow type of column ``name`` currently of type ``typ``."""
    if not settle and (pa.types.is_null(typ) or _is_list_of_null(typ)):
        return typ  # decided once tables are concatenated
    if name in IDENTITY:
        return IDENTITY[name]
    if name in FLAGS and not pa.types.is_null(typ):
        return pa.bool_()
    if name in INTEGERS and not pa.types.is_null(typ):
        return pa.int64()
    if pa.types.is_large_string(typ):
        return pa.string()
    if pa.types.is_large_list(typ) or pa.types.is_list(typ):
        value = typ.value_type  # a list parameter whose levels were all empty: list of text
        return pa.list_(pa.string() if pa.types.is_null(value) else _tidy_type("", value))
    if pa.types.is_null(typ):  # every value missing (e.g. a metric of runs that all failed)
        return pa.float64()
    return typ


def _is_list_of_null(typ: pa.DataType) -> bool:
    return (pa.types.is_list(typ) or pa.types.is_large_list(typ)) and pa.types.is_null(
        typ.value_type
    )


def tidy_table(table: pa.Table, *, settle: bool = True) -> pa.Table:
    """One type per column whatever the file: see the module docstring.

    ``settle=False`` leaves all-null columns and lists of nothing as they are (for pieces to
    be concatenated and then tidied again, when another piece decides their type).

    A flag with values other than 0 and 1, or an integer code with a fraction, is an error
    (``ValueError``) rather than a silent change of meaning.

    >>> t = tidy_table(pa.table({"run_id": pa.array(["a"], pa.large_string()),
    ...                          "error": [""], "election": [1.0], "government": [2.0]}))
    >>> [str(f.type) for f in t.schema], t.to_pylist()
    (['string', 'string', 'bool', 'int64'], [{'run_id': 'a', 'error': None, 'election': True, \
'government': 2}])
    """
    cols = []
    for name, col in zip(table.column_names, table.columns, strict=True):
        if name == "error" and (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
            col = pa.compute.if_else(pa.compute.equal(col, ""), pa.scalar(None, col.type), col)
        target = _tidy_type(name, col.type, settle)
        if name in FLAGS and not col.type.equals(target):
            bad = pa.compute.invert(pa.compute.is_in(col, pa.array([0, 1], col.type)))
            if pa.compute.any(pa.compute.and_kleene(bad, pa.compute.is_valid(col))).as_py():
                raise ValueError(f"column {name!r} is a flag but holds values other than 0 and 1")
        if not col.type.equals(target):
            col = col.cast(target)  # safe cast: a fraction in an integer code raises
        cols.append(col)
    return pa.Table.from_arrays(cols, names=table.column_names)


def parquet_metadata(manifest_data: Mapping[str, Any]) -> dict[bytes, bytes]:
    """Provenance for a Parquet file's key-value metadata, from a results manifest.

    Keys ``govsim.version``, ``govsim.kind``, ``govsim.fingerprint`` and ``govsim.scenarios``
    (JSON: label -> SHA-256 of the resolved scenario). Nothing time- or machine-dependent, so
    identical runs still give identical files.
    """
    versions = manifest_data.get("versions") or {}
    scen = {
        label: info.get("sha256")
        for label, info in (manifest_data.get("scenarios") or {}).items()
        if isinstance(info, Mapping)
    }
    meta = {
        "govsim.version": str(versions.get("govsim", _version("govsim"))),
        "govsim.kind": str(manifest_data.get("kind", "")),
        "govsim.fingerprint": str(manifest_data.get("fingerprint", "")),
        "govsim.scenarios": json.dumps(scen, sort_keys=True),
    }
    return {k.encode(): v.encode() for k, v in meta.items()}


def with_metadata(table: pa.Table, metadata: Mapping[bytes, bytes] | None) -> pa.Table:
    """``table`` with ``metadata`` added to its schema's key-value metadata."""
    if not metadata:
        return table
    return table.replace_schema_metadata({**(table.schema.metadata or {}), **dict(metadata)})


def write_table_atomic(
    table: pa.Table, path: Path, *, metadata: Mapping[bytes, bytes] | None = None
) -> None:
    """Write an Arrow table as Parquet, atomically, with provenance ``metadata``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(with_metadata(table, metadata), tmp)
    os.replace(tmp, path)


def write_json_atomic(obj: Any, path: Path) -> None:
    """Write JSON atomically, pretty-printed."""
    atomic_write_bytes(path, (json.dumps(obj, indent=2, default=str) + "\n").encode())


def package_versions() -> dict[str, str]:
    """Versions of govsim and the packages that decide its results."""
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        out[name] = _version(name)
    return out


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


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
    meta = parquet_metadata(manifest_data)
    runs = tidy_table(pa.Table.from_pylist([r.runs_row() for r in results]))
    ts = pd.concat([r.timeseries_frame() for r in results], ignore_index=True)
    ts_table = tidy_table(pa.table({str(c): ts[c].to_numpy() for c in ts.columns}))
    write_table_atomic(runs, out / RUNS, metadata=meta)
    write_table_atomic(ts_table, out / TIMESERIES, metadata=meta)
    write_json_atomic(dict(manifest_data), out / MANIFEST)
