"""The results directory of a sweep, written run by run so that a crash loses almost nothing.

Layout while a sweep runs (``out/``)::

    manifest.json          provenance + the experiment's fingerprint (written first)
    .runs/<id>.ts.arrow    the run's time series          (written atomically, first)
    .runs/<id>.ok.arrow    the run's row of runs.parquet  (written atomically, last: the commit)
    .runs/<id>.failed.arrow    a failed run's row (status "failed", error text)

Parts are Arrow IPC files (uncompressed): about ten times faster to write and read than small
Parquet files, and they only live until :meth:`RunStore.finalise`.
A run counts as completed once its ``.ok.arrow`` part exists, and a part appears only whole
(temporary file + ``os.replace``), so ``kill -9`` at any moment loses at most the runs in
flight. Writing the same run twice (a Dask retry) replaces identical files: adding is
idempotent by run id. :meth:`RunStore.finalise` consolidates the parts into one
``runs.parquet`` and one ``timeseries.parquet`` (sorted by run id) and removes them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq

from ..errors import StoreError
from ..results import (
    MANIFEST,
    RUNS,
    TIMESERIES,
    OutputDirError,
    check_output_dir,
    write_json_atomic,
    write_parquet_atomic,
)
from ..runner import RunResult
from .tasks import FailedRun

__all__ = ["PARTS", "RunStore", "StoreError"]

#: Hidden folder of per-run parts (ignored by :func:`sim.results.check_output_dir`).
PARTS = ".runs"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]+$")


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
        self._ok, self._failed = self._scan()

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

    def _scan(self) -> tuple[set[str], set[str]]:
        ok: set[str] = set()
        failed: set[str] = set()
        runs = self.out / RUNS
        if runs.exists():
            df = pd.read_parquet(runs, columns=["run_id", "status"])
            ok |= set(df.loc[df["status"] == "ok", "run_id"])
            failed |= set(df.loc[df["status"] != "ok", "run_id"])
        for p in self.parts.glob("*.ok.arrow"):
            ok.add(p.name.removesuffix(".ok.arrow"))
        for p in self.parts.glob("*.failed.arrow"):
            failed.add(p.name.removesuffix(".failed.arrow"))
        return ok, failed - ok

    def completed_ids(self) -> set[str]:
        """Run ids finished successfully (failed runs are tried again on resume)."""
        return set(self._ok)

    def failed_ids(self) -> set[str]:
        """Run ids whose latest attempt failed."""
        return set(self._failed)

    # ------------------------------------------------------------------ writing
    def add(self, result: RunResult | FailedRun) -> None:
        """Write one finished run atomically; writing the same run again changes nothing."""
        rid = result.run_id
        if not _SAFE_ID.match(rid):
            raise ValueError(f"run id {rid!r} must use only letters, digits, '.', '_' and '-'")
        row = pa.Table.from_pylist([result.runs_row()])
        if isinstance(result, FailedRun):
            if rid in self._ok:
                return  # a retry failed after a success: keep the success
            _write_part(row, self.parts / f"{rid}.failed.arrow")
            self._failed.add(rid)
            return
        _write_part(_frame_to_table(result.timeseries_frame()), self.parts / f"{rid}.ts.arrow")
        _write_part(row, self.parts / f"{rid}.ok.arrow")  # the commit point
        (self.parts / f"{rid}.failed.arrow").unlink(missing_ok=True)
        self._ok.add(rid)
        self._failed.discard(rid)

    def finalise(self, extra: dict[str, Any] | None = None) -> pd.DataFrame:
        """Consolidate parts into ``runs.parquet`` and ``timeseries.parquet``; finish manifest.

        Returns the runs table (one row per run, sorted by run id).
        """
        parts: dict[str, Path] = {}
        for p in sorted(self.parts.glob("*.failed.arrow")):
            rid = p.name.removesuffix(".failed.arrow")
            if rid not in self._ok:
                parts[rid] = p
        for p in sorted(self.parts.glob("*.ok.arrow")):
            parts[p.name.removesuffix(".ok.arrow")] = p
        frames = []
        old_runs = self.out / RUNS
        if old_runs.exists():  # rows finalised earlier, unless a part replaces them
            old = pd.read_parquet(old_runs)
            frames.append(old[~old["run_id"].astype(str).isin(parts)])
        if parts:
            tables = [_read_part(parts[rid]) for rid in sorted(parts)]
            frames.append(pa.concat_tables(tables, promote_options="permissive").to_pandas())
        frames = [f for f in frames if not f.empty]
        runs = (
            pd.concat(frames, ignore_index=True).sort_values("run_id", kind="stable")
            if frames
            else pd.DataFrame({"run_id": pd.Series([], dtype="str")})
        )
        runs = runs.reset_index(drop=True)
        runs = runs[_column_order(runs.columns)]
        self._write_timeseries(sorted(self._ok))
        write_parquet_atomic(runs, self.out / RUNS)
        data = dict(self.manifest)
        data.update(extra or {})
        data["status"] = "complete"
        data["finished"] = _now()
        data["runs"] = {
            "total": len(runs),
            "ok": int((runs.get("status") == "ok").sum()) if len(runs) else 0,
            "failed": int((runs.get("status") != "ok").sum()) if len(runs) else 0,
        }
        self.manifest = data
        write_json_atomic(data, self.out / MANIFEST)
        shutil.rmtree(self.parts, ignore_errors=True)
        return runs

    def _write_timeseries(self, ok_ids: list[str]) -> None:
        """Stream every ok run's series, in run-id order, into one Parquet file."""
        target = self.out / TIMESERIES
        old = pq.read_table(target) if target.exists() else None
        tmp = self.out / f".{TIMESERIES}.tmp"
        writer: pq.ParquetWriter | None = None
        try:
            for rid in ok_ids:
                part = self.parts / f"{rid}.ts.arrow"
                if part.exists():
                    table = _read_part(part)
                elif old is not None:
                    table = old.filter(pa.compute.equal(old["run_id"], rid))
                else:
                    continue
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema)
                writer.write_table(table.cast(writer.schema))
        finally:
            if writer is not None:
                writer.close()
        if writer is None:
            pd.DataFrame({"run_id": pd.Series([], dtype="str"), "step": []}).to_parquet(tmp)
        tmp.replace(target)


def _frame_to_table(df: pd.DataFrame) -> pa.Table:
    """A flat DataFrame as an Arrow table, column by column (skips pandas metadata: faster)."""
    return pa.table({str(c): df[c].to_numpy() for c in df.columns})


def _write_part(table: pa.Table, path: Path) -> None:
    """Write a small part atomically, as an uncompressed Arrow IPC file."""
    path.parent.mkdir(parents=True, exist_ok=True)  # finalise() removes it; more runs may follow
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    feather.write_feather(table, tmp, compression="uncompressed")
    os.replace(tmp, path)


def _read_part(path: Path) -> pa.Table:
    """Read a part written by :func:`_write_part`."""
    return feather.read_table(path, memory_map=False)


_FIRST = ("run_id", "scenario", "point", "replicate", "seed", "status", "error")


def _column_order(columns: pd.Index) -> list[str]:
    """Identity columns, then parameters, then metrics (stable whatever finished first)."""
    first = [c for c in _FIRST if c in columns]
    params = [c for c in columns if c.startswith("param.")]
    return first + params + [c for c in columns if c not in first and c not in params]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
