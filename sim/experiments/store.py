"""The results directory of a sweep, written run by run so that a crash loses almost nothing.

Layout while a sweep runs (``out/``)::

    manifest.json                     provenance + the experiment's fingerprint (written first)
    .runs/<time>-<host>-<pid>.seg     one append-only segment per writing process and session

Fit for shared HPC filesystems, where one small file per run is what administrators forbid:
each process that adds runs appends them to **its own** segment (the driver of a sweep, or any
worker handed a copy of the store), so a 10,000-run sweep writes one segment per writer and
session, not 20,000 files (``benchmarks/bench_store.py``).

A segment is a sequence of records, one per finished run, each written with one ``write`` to a
file opened for appending::

    b"GVR1" | crc32 (u32) | row length (u32) | payload length (u64) | payload
    payload = the run's row of runs.parquet, then its time series (Arrow IPC streams)

A run counts as completed once its whole record is in a segment. ``kill -9`` mid-write leaves a
torn last record: its length or CRC does not match, so readers stop there and ignore it (the
run is simply done again on resume), and since a killed writer never appends to its segment
again, nothing valid follows a torn record. A writer whose ``write`` fails starts a new segment.
Adding the same run twice (Dask may run a task twice) is idempotent by run id: the first
successful record wins, a success beats any failure, and the latest failure is the one kept.

:meth:`RunStore.finalise` consolidates everything into one tidy ``runs.parquet`` and one
``timeseries.parquet`` (sorted by run id, row groups of many runs: :data:`ROW_GROUP_ROWS`)
with provenance in their key-value metadata (:func:`sim.results.parquet_metadata`), then
removes the segments. Results finalised earlier stay and are merged (a resumed or growing
comparison). Interrupted sweeps of govsim versions that wrote one part file per run
(``.runs/<id>.ok.arrow``) are read too.
"""

from __future__ import annotations

import datetime as dt
import json
import mmap
import os
import re
import shutil
import socket
import struct
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.feather as feather
import pyarrow.parquet as pq

from ..errors import StoreError
from ..results import (
    MANIFEST,
    RUNS,
    TIMESERIES,
    OutputDirError,
    check_output_dir,
    parquet_metadata,
    tidy_table,
    with_metadata,
    write_json_atomic,
    write_table_atomic,
)
from ..runner import RunResult
from .tasks import FailedRun

__all__ = [
    "PARTS",
    "ROW_GROUP_ROWS",
    "Record",
    "RunStore",
    "SegmentWriter",
    "StoreError",
    "close_process_writer",
    "process_writer",
    "read_segment",
    "scan_parts",
]

#: Hidden folder of segments (ignored by :func:`sim.results.check_output_dir`).
PARTS = ".runs"
#: Rows per row group of ``timeseries.parquet`` (many runs each; DuckDB and polars scan them
#: in parallel, and a reader filtering on ``run_id`` skips groups by their statistics).
ROW_GROUP_ROWS = 131_072
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]+$")
_MAGIC = b"GVR1"
_HEADER = struct.Struct("<4sIIQ")  # magic, crc32(payload), row length, payload length
_SUFFIX = ".seg"


# --------------------------------------------------------------------------- segments
def _ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _from_ipc(data: bytes | memoryview) -> pa.Table:
    return pa.ipc.open_stream(pa.py_buffer(data)).read_all()


def encode_record(row: pa.Table, series: pa.Table | None) -> bytes:
    """One run as a segment record (header + row + time series)."""
    head = _ipc(row)
    payload = head + (_ipc(series) if series is not None else b"")
    return _HEADER.pack(_MAGIC, zlib.crc32(payload), len(head), len(payload)) + payload


class SegmentWriter:
    """Appends records to one segment file of its own (per process, per session).

    Parameters
    ----------
    folder : Path
        The store's ``.runs`` folder.
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.pid = os.getpid()
        self.path: Path | None = None
        self._fd: int | None = None

    def _open(self) -> int:
        self.folder.mkdir(parents=True, exist_ok=True)
        host = re.sub(r"[^A-Za-z0-9.-]", "-", socket.gethostname()) or "host"
        name = f"{time.time_ns():020d}-{host}-{self.pid}{_SUFFIX}"
        self.path = self.folder / name
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_EXCL, 0o644)
        return self._fd

    def append(self, record: bytes) -> None:
        """Append one record with a single ``write`` (a failed write closes this segment)."""
        if self._fd is not None and os.fstat(self._fd).st_nlink == 0:
            self.close()  # finalise removed the segment (a worker kept between batches)
        fd = self._fd if self._fd is not None else self._open()
        try:
            view = memoryview(record)
            while view:  # regular files take it all at once; loop on the rare short write
                view = view[os.write(fd, view) :]
        except BaseException:
            self.close()  # a torn record may now end this segment: never append after it
            raise

    def close(self, *, sync: bool = False) -> None:
        """Close the segment (``sync``: fsync it first); the next append opens a new one."""
        if self._fd is not None:
            try:
                if sync:
                    os.fsync(self._fd)
            finally:
                os.close(self._fd)
                self._fd = None


#: This process's open writer per ``.runs`` folder: every copy of a store in one process
#: (a Dask worker unpickles one per task) appends to the same segment.
_WRITERS: dict[tuple[int, Path], SegmentWriter] = {}


def process_writer(parts: Path) -> SegmentWriter:
    """The segment writer of this process for the folder ``parts`` (opened on first append)."""
    key = (os.getpid(), Path(os.path.abspath(parts)))
    writer = _WRITERS.get(key)
    if writer is None:
        writer = _WRITERS[key] = SegmentWriter(parts)
    return writer


def close_process_writer(parts: Path, *, sync: bool = True) -> None:
    """Close (and fsync) this process's segment in ``parts``, if it has one."""
    writer = _WRITERS.pop((os.getpid(), Path(os.path.abspath(parts))), None)
    if writer is not None:
        writer.close(sync=sync)


@dataclass(frozen=True)
class Record:
    """One run's record in a segment: where it is, what it says, and its bytes."""

    path: Path
    offset: int
    run_id: str
    status: str
    payload: memoryview = field(repr=False, compare=False)
    row_len: int = 0

    def row(self) -> pa.Table:
        """The run's row of ``runs.parquet``."""
        return _from_ipc(self.payload[: self.row_len])

    def series(self) -> pa.Table | None:
        """The run's time series (None for a failed run)."""
        if len(self.payload) == self.row_len:
            return None
        return _from_ipc(self.payload[self.row_len :])

    def series_schema(self) -> pa.Schema | None:
        """The schema of the run's time series, without reading its values."""
        if len(self.payload) == self.row_len:
            return None
        return pa.ipc.open_stream(pa.py_buffer(self.payload[self.row_len :])).schema


def read_segment(path: Path) -> tuple[list[Record], bool]:
    """The whole records of one segment, and whether a torn or damaged tail was ignored.

    The segment is memory-mapped: records hold views of it, not copies.
    """
    records: list[Record] = []
    size = Path(path).stat().st_size
    if size == 0:
        return records, False
    with open(path, "rb") as fh:
        data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    pos, end = 0, size
    view = memoryview(data)
    while pos < end:
        if end - pos < _HEADER.size:
            return records, True
        magic, crc, row_len, length = _HEADER.unpack_from(data, pos)
        start = pos + _HEADER.size
        if magic != _MAGIC or row_len > length or start + length > end:
            return records, True
        payload = view[start : start + length]
        if zlib.crc32(payload) != crc:
            return records, True
        try:
            row = _from_ipc(payload[:row_len])
            rid, status = str(row["run_id"][0].as_py()), str(row["status"][0].as_py())
        except (pa.ArrowException, KeyError, IndexError):
            return records, True
        records.append(Record(Path(path), pos, rid, status, payload, row_len))
        pos = start + length
    return records, False


@dataclass
class _Legacy:
    """A run written as part files by govsim before segments (``<id>.ok.arrow`` + ``.ts``)."""

    path: Path
    run_id: str
    status: str

    def row(self) -> pa.Table:
        return feather.read_table(self.path, memory_map=False)

    def series(self) -> pa.Table | None:
        ts = self.path.with_name(f"{self.run_id}.ts.arrow")
        return feather.read_table(ts, memory_map=False) if self.status == "ok" else None

    def series_schema(self) -> pa.Schema | None:
        series = self.series()
        return None if series is None else series.schema


def scan_parts(parts: Path) -> tuple[dict[str, Record | _Legacy], list[Path]]:
    """The record that counts for each run id in a ``.runs`` folder, and segments with torn tails.

    A success beats a failure; among successes the first written wins (they are identical);
    among failures the latest written wins. Segments are read in name order (their names
    start with the time they were opened).
    """
    chosen: dict[str, Record | _Legacy] = {}
    torn: list[Path] = []
    if not parts.is_dir():
        return chosen, torn

    def offer(rec: Record | _Legacy) -> None:
        old = chosen.get(rec.run_id)
        if old is None or old.status != "ok":  # the first success stays; a later failure not
            chosen[rec.run_id] = rec

    for p in sorted(parts.glob(f"*{_SUFFIX}")):
        records, damaged = read_segment(p)
        if damaged:
            torn.append(p)
        for rec in records:
            offer(rec)
    for p in sorted(parts.glob("*.failed.arrow")):  # legacy part files
        offer(_Legacy(p, p.name.removesuffix(".failed.arrow"), "failed"))
    for p in sorted(parts.glob("*.ok.arrow")):
        offer(_Legacy(p, p.name.removesuffix(".ok.arrow"), "ok"))
    return chosen, torn


# --------------------------------------------------------------------------- the store
class RunStore:
    """Crash-safe, resumable results directory of one sweep.

    Parameters
    ----------
    out : Path
        The results directory.
    fingerprint : str
        Hash of everything that decides the runs (scenario, design, seeds, steps, what is kept).
        Resuming is refused when it differs from the one recorded.
    manifest : dict
        Provenance to record in ``manifest.json`` (see :func:`sim.results.manifest`).
    resume : bool
        Continue a sweep already in ``out`` (same fingerprint), skipping its completed runs.
    force : bool
        Replace earlier govsim results in ``out``, or write into a directory holding other files.

    Notes
    -----
    A copy of the store sent to another process (pickled, e.g. to a Dask worker) can
    :meth:`add` runs there: each process appends to its own segment. :meth:`finalise`, in the
    process that opened the store once no run is in flight, reads every segment.
    """

    def __init__(
        self,
        out: Path,
        *,
        fingerprint: str,
        manifest: dict[str, Any],
        resume: bool = False,
        force: bool = False,
    ):
        self.out = Path(out)
        self.parts = self.out / PARTS
        self.fingerprint = fingerprint
        old = self._old_manifest()
        if old is not None:
            same = old.get("fingerprint") == fingerprint
            if resume and not same and not force:
                raise StoreError(
                    f"{self.out}: cannot resume: the experiment has changed since this sweep "
                    f"started (fingerprint {str(old.get('fingerprint'))[:12]} recorded, "
                    f"{fingerprint[:12]} now; scenario, parameters, design, seed, steps or kept "
                    "metrics differ). Resume with the original experiment file, write to a new "
                    "--out, or pass --force to discard the old results."
                )
            if not resume and not force:
                raise StoreError(
                    f"{self.out}: already holds govsim results ({MANIFEST}). Pass --resume to "
                    "complete that sweep, --force to replace it, or choose another --out."
                )
            if not (resume and same):
                self._wipe()
                old = None
        else:
            try:
                check_output_dir(self.out, force=force)
            except OutputDirError as exc:
                raise StoreError(str(exc)) from None
        self.parts.mkdir(parents=True, exist_ok=True)
        data = dict(manifest)
        data["fingerprint"] = fingerprint
        data["status"] = "running"
        if old is not None:
            data["started"] = old.get("started", data.get("started"))
            data["resumed"] = [*old.get("resumed", []), _now()]
        self.manifest = data
        write_json_atomic(data, self.out / MANIFEST)
        self._ok, self._failed, self.torn = self._scan()

    # ------------------------------------------------------------------ state
    def _old_manifest(self) -> dict[str, Any] | None:
        path = self.out / MANIFEST
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StoreError(f"{path}: unreadable ({exc}); choose another --out.") from None
        if not isinstance(data, dict):
            raise StoreError(f"{path}: is not a govsim manifest; choose another --out.")
        return data

    def _wipe(self) -> None:
        for name in (RUNS, TIMESERIES):
            (self.out / name).unlink(missing_ok=True)
        shutil.rmtree(self.parts, ignore_errors=True)

    def _scan(self) -> tuple[set[str], set[str], list[Path]]:
        ok: set[str] = set()
        failed: set[str] = set()
        runs = self.out / RUNS
        if runs.exists():
            table = pq.read_table(runs, columns=["run_id", "status"]).to_pydict()
            for rid, status in zip(table["run_id"], table["status"], strict=True):
                (ok if status == "ok" else failed).add(str(rid))
        chosen, torn = scan_parts(self.parts)
        for rid, rec in chosen.items():
            if rec.status == "ok":
                ok.add(rid)
            else:
                failed.add(rid)
        return ok, failed - ok, torn

    def completed_ids(self) -> set[str]:
        """Run ids finished successfully (failed runs are tried again on resume)."""
        return set(self._ok)

    def failed_ids(self) -> set[str]:
        """Run ids whose latest attempt failed."""
        return set(self._failed)

    def files(self) -> list[Path]:
        """Every file the store holds now (segments included): what a quota counts."""
        return sorted(p for p in self.out.rglob("*") if p.is_file())

    # ------------------------------------------------------------------ writing
    def add(self, result: RunResult | FailedRun) -> None:
        """Append one finished run to this process's segment; adding a run again changes nothing.

        A failure recorded after a success of the same run is ignored (the success is kept).
        """
        rid = result.run_id
        if not _SAFE_ID.match(rid):
            raise ValueError(f"run id {rid!r} must use only letters, digits, '.', '_' and '-'")
        failed = isinstance(result, FailedRun)
        if rid in self._ok:
            return  # a retry (of a success, or failing after one): keep the success
        row = pa.Table.from_pylist([result.runs_row()])
        series = None if failed else _series_table(rid, result.timeseries)
        process_writer(self.parts).append(encode_record(row, series))
        if failed:
            self._failed.add(rid)
        else:
            self._ok.add(rid)
            self._failed.discard(rid)

    def close(self) -> None:
        """Close this process's segment, fsync'd (the next :meth:`add` opens a new one)."""
        close_process_writer(self.parts)

    def finalise(self, extra: dict[str, Any] | None = None) -> pd.DataFrame:
        """Consolidate segments into ``runs.parquet`` and ``timeseries.parquet``; finish manifest.

        Call it once no run is in flight. Returns the runs table (one row per run, sorted by
        run id).
        """
        self.close()
        chosen, self.torn = scan_parts(self.parts)
        meta = parquet_metadata(self.manifest)
        old_path = self.out / RUNS
        tables = []
        if old_path.exists():  # rows finalised earlier, unless a newer record replaces them
            old = pq.read_table(old_path)
            done = pq.read_table(old_path, columns=["run_id", "status"]).to_pydict()
            old_ok = {r for r, st in zip(done["run_id"], done["status"], strict=True) if st == "ok"}
            for rid in [r for r, rec in chosen.items() if rec.status != "ok" and r in old_ok]:
                del chosen[rid]  # a failure never replaces a success finalised earlier
            keep = pc.invert(
                pc.is_in(old["run_id"].cast(pa.string()), pa.array(list(chosen), pa.string()))
            )
            tables.append(tidy_table(old.filter(keep).replace_schema_metadata(None)))
        tables += [tidy_table(chosen[rid].row(), settle=False) for rid in sorted(chosen)]
        tables = [t for t in tables if t.num_rows]
        if tables:
            runs_t = pa.concat_tables(tables, promote_options="permissive")
            runs_t = tidy_table(runs_t)
            order = pc.sort_indices(runs_t, [("run_id", "ascending")])
            runs_t = runs_t.take(order)
            runs_t = runs_t.select(_column_order(runs_t.column_names))
        else:
            runs_t = pa.table({"run_id": pa.array([], pa.string())})
        ok_ids = sorted(
            str(r) for r, s in zip(runs_t["run_id"].to_pylist(), _status(runs_t), strict=True)
            if s == "ok"
        )  # fmt: skip
        new_ok = {rid: rec for rid, rec in chosen.items() if rec.status == "ok"}
        if new_ok or not (self.out / TIMESERIES).exists():
            self._write_timeseries(ok_ids, new_ok, meta)
        write_table_atomic(runs_t, self.out / RUNS, metadata=meta)
        runs = runs_t.to_pandas()
        data = dict(self.manifest)
        data.update(extra or {})
        data["status"] = "complete"
        data["finished"] = _now()
        n_ok = len(ok_ids)
        data["runs"] = {"total": len(runs), "ok": n_ok, "failed": len(runs) - n_ok}
        self.manifest = data
        write_json_atomic(data, self.out / MANIFEST)
        shutil.rmtree(self.parts, ignore_errors=True)
        self._ok, self._failed = set(ok_ids), set(runs["run_id"].astype(str)) - set(ok_ids)
        return runs

    def _write_timeseries(
        self, ok_ids: list[str], new: dict[str, Record | _Legacy], meta: dict[bytes, bytes]
    ) -> None:
        """Stream every ok run's series, in run-id order, into row groups of many runs."""
        target = self.out / TIMESERIES
        old, where = _old_series(target, set(ok_ids) - set(new))
        tmp = self.out / f".{TIMESERIES}.{os.getpid()}.tmp"
        pieces = _series_pieces(ok_ids, new, old, where)
        schema = _unified_schema(new, old)
        writer: pq.ParquetWriter | None = None
        try:
            buffer: list[pa.Table] = []
            rows = 0
            for piece in pieces:
                buffer.append(_conform(piece, schema))
                rows += piece.num_rows
                if rows >= ROW_GROUP_ROWS:
                    writer = _flush(writer, buffer, tmp, schema, meta)
                    buffer, rows = [], 0
            if buffer or writer is None:
                writer = _flush(writer, buffer, tmp, schema, meta)
        finally:
            if writer is not None:
                writer.close()
        tmp.replace(target)


def _status(table: pa.Table) -> list[Any]:
    if "status" not in table.column_names:
        return ["ok"] * table.num_rows
    return table["status"].to_pylist()


def _old_series(path: Path, wanted: set[str]) -> tuple[pa.Table | None, dict[str, tuple[int, int]]]:
    """The earlier ``timeseries.parquet`` (if any runs are taken from it) and each run's slice."""
    if not wanted or not path.exists():
        return None, {}
    old = tidy_table(pq.read_table(path).replace_schema_metadata(None))
    ids = np.asarray(old["run_id"].to_numpy(zero_copy_only=False), dtype=object)
    where: dict[str, tuple[int, int]] = {}
    if len(ids):
        change = np.flatnonzero(ids[1:] != ids[:-1]) + 1
        starts = np.concatenate([[0], change])
        ends = np.concatenate([change, [len(ids)]])
        for s, e in zip(starts, ends, strict=True):
            where.setdefault(str(ids[s]), (int(s), int(e - s)))  # written sorted: contiguous
    return old, where


def _series_pieces(
    ok_ids: list[str],
    new: dict[str, Record | _Legacy],
    old: pa.Table | None,
    where: dict[str, tuple[int, int]],
) -> Iterator[pa.Table]:
    for rid in ok_ids:
        rec = new.get(rid)
        if rec is not None:
            series = rec.series()
            if series is not None:
                yield tidy_table(series)
        elif old is not None and rid in where:
            start, length = where[rid]
            yield old.slice(start, length)


def _unified_schema(new: dict[str, Record | _Legacy], old: pa.Table | None) -> pa.Schema:
    """One schema for every run's series (columns in first-seen order; types tidy)."""
    schemas: dict[str, pa.Schema] = {}
    if old is not None:
        schemas[old.schema.to_string()] = old.schema
    seen: set[str] = set()
    for rid in sorted(new):
        raw = new[rid].series_schema()
        if raw is None or raw.to_string() in seen:
            continue
        seen.add(raw.to_string())
        sch = tidy_table(raw.empty_table()).schema
        schemas.setdefault(sch.to_string(), sch)
    if not schemas:
        return pa.schema([("run_id", pa.string()), ("step", pa.int64())])
    return pa.unify_schemas(list(schemas.values()), promote_options="permissive")


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with ``schema``'s columns, in its order (missing ones null)."""
    if table.schema.equals(schema):
        return table
    cols = [
        table[f.name].cast(f.type)
        if f.name in table.column_names
        else pa.nulls(table.num_rows, f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(cols, schema=schema)


def _flush(
    writer: pq.ParquetWriter | None,
    buffer: list[pa.Table],
    tmp: Path,
    schema: pa.Schema,
    meta: dict[bytes, bytes],
) -> pq.ParquetWriter:
    if writer is None:
        writer = pq.ParquetWriter(tmp, with_metadata(schema.empty_table(), meta).schema)
    table = pa.concat_tables(buffer) if buffer else schema.empty_table()
    writer.write_table(table, row_group_size=max(ROW_GROUP_ROWS, table.num_rows))
    return writer


def _series_table(run_id: str, df: pd.DataFrame) -> pa.Table:
    """A run's time series as Arrow, ``run_id`` first (what ``RunResult.timeseries_frame`` is).

    Column by column from numpy, skipping pandas' metadata and copies: faster.
    """
    cols = {"run_id": pa.repeat(pa.scalar(run_id, pa.string()), len(df))}
    for c, column in df.items():
        cols[str(c)] = pa.array(column.to_numpy())
    return pa.table(cols)


_FIRST = ("run_id", "scenario", "point", "replicate", "seed", "status", "error")


def _column_order(columns: list[str]) -> list[str]:
    """Identity columns, then parameters, then metrics (stable whatever finished first)."""
    first = [c for c in _FIRST if c in columns]
    params = [c for c in columns if c.startswith("param.")]
    return first + params + [c for c in columns if c not in first and c not in params]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
