"""The results store: one segment per writer, torn tails, resume, tidy Parquet, joins (issue 14)."""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest

from sim.experiments import store as store_mod
from sim.experiments.store import RunStore, scan_parts
from sim.experiments.tasks import FailedRun
from sim.runner import RunResult

STEPS = 11


def result(i: int, *, params: dict | None = None) -> RunResult:
    """A small finished run (no model: the store is what is tested)."""
    rng = np.random.default_rng(i)
    steps = np.arange(STEPS)
    ts = pd.DataFrame(
        {
            "step": steps,
            "trust_local": rng.random(STEPS),
            "election": (steps % 4 == 0).astype(float),
            "government": np.full(STEPS, float(i % 2)),
            "government_changed": np.zeros(STEPS),
        }
    )
    return RunResult(
        run_id=f"p{i:05d}-r0",
        seed=1000 + i,
        parameters=params if params is not None else {"council.cooperation": i / 10},
        final={c: float(ts[c].iloc[-1]) for c in ts.columns if c != "step"},
        timeseries=ts,
        seconds=0.0,
        scenario_name="toy",
        extra={"point": i, "replicate": 0},
    )


def failed(i: int) -> FailedRun:
    return FailedRun(
        run_id=f"p{i:05d}-r0",
        seed=1000 + i,
        parameters={"council.cooperation": i / 10},
        error="ValueError: boom",
        scenario_name="toy",
        extra={"point": i, "replicate": 0},
    )


def open_store(out: Path, **kw) -> RunStore:
    man = {"kind": "sweep", "versions": {"govsim": "9.9"}, "scenarios": {"s": {"sha256": "ab"}}}
    return RunStore(out, fingerprint="fp", manifest=man, **kw)


def segments(out: Path) -> list[Path]:
    return sorted((out / ".runs").glob("*.seg"))


def test_a_torn_tail_is_ignored_and_the_run_done_again(tmp_path):
    out = tmp_path / "o"
    store = open_store(out)
    for i in range(3):
        store.add(result(i))
    store.close()
    (seg,) = segments(out)
    whole = seg.read_bytes()
    # kill -9 in the middle of writing a 4th record: only part of it reached the file
    record = store_mod.encode_record(pa.Table.from_pylist([result(3).runs_row()]), None)
    seg.write_bytes(whole + record[: len(record) // 2])
    again = open_store(out, resume=True)
    assert again.completed_ids() == {f"p{i:05d}-r0" for i in range(3)}
    assert again.torn == [seg]
    again.add(result(3))  # into a new segment: nothing is ever appended after a torn tail
    assert len(segments(out)) == 2
    runs = again.finalise()
    assert list(runs["run_id"]) == [f"p{i:05d}-r0" for i in range(4)]
    assert pq.read_table(out / "timeseries.parquet").num_rows == 4 * STEPS
    assert not (out / ".runs").exists()


def test_a_damaged_record_is_not_counted(tmp_path):
    out = tmp_path / "o"
    store = open_store(out)
    store.add(result(0))
    store.add(result(1))
    store.close()
    (seg,) = segments(out)
    data = bytearray(seg.read_bytes())
    data[-5] ^= 0xFF  # a flipped byte in the last record: its CRC no longer matches
    seg.write_bytes(bytes(data))
    chosen, torn = scan_parts(out / ".runs")
    assert set(chosen) == {"p00000-r0"} and torn == [seg]


def add_in_worker(store: RunStore, i: int) -> int:
    store.add(result(i))
    import os

    return os.getpid()


@pytest.mark.slow  # a 2-process pool: a few seconds on a busy machine
def test_each_worker_process_appends_to_its_own_segment(tmp_path):
    out = tmp_path / "o"
    store = open_store(out)
    ctx = multiprocessing.get_context("forkserver")  # not fork: this process has threads
    ctx.set_forkserver_preload(["sim.experiments.store"])  # imported once, not per worker
    ids = list(range(40)) + list(range(10))  # the first ten twice: a Dask retry elsewhere
    with cf.ProcessPoolExecutor(2, mp_context=ctx) as pool:
        pids = set(pool.map(add_in_worker, [store] * len(ids), ids))
    assert len(segments(out)) == len(pids) <= 2
    runs = store.finalise()
    assert list(runs["run_id"]) == [f"p{i:05d}-r0" for i in range(40)]
    ts = pq.read_table(out / "timeseries.parquet")
    assert ts.num_rows == 40 * STEPS


def test_success_beats_failure_and_the_latest_failure_is_kept(tmp_path):
    out = tmp_path / "o"
    store = open_store(out)
    store.add(failed(0))
    store.add(result(0))
    store.add(failed(0))  # a retry failing after the success: ignored
    store.add(failed(1))
    store.close()
    late = failed(1)
    late.error = "ValueError: still boom"
    again = open_store(out, resume=True)
    assert again.completed_ids() == {"p00000-r0"} and again.failed_ids() == {"p00001-r0"}
    again.add(late)
    runs = again.finalise().set_index("run_id")
    assert runs.loc["p00000-r0", "status"] == "ok" and pd.isna(runs.loc["p00000-r0", "error"])
    assert runs.loc["p00001-r0", "error"] == "ValueError: still boom"


def test_finalise_then_more_runs_then_finalise_merges(tmp_path):
    # a comparison adds replicates in batches, finalising after each
    out = tmp_path / "o"
    store = open_store(out)
    for i in (0, 2):
        store.add(result(i))
    first = store.finalise()
    store.add(result(1))
    store.add(result(0))  # already finalised: nothing changes
    runs = store.finalise({"extra": 1})
    assert list(runs["run_id"]) == ["p00000-r0", "p00001-r0", "p00002-r0"]
    pd.testing.assert_frame_equal(runs.iloc[[0, 2]].reset_index(drop=True), first)
    ts = pq.read_table(out / "timeseries.parquet").to_pandas()
    assert ts["run_id"].is_monotonic_increasing and len(ts) == 3 * STEPS
    expect = pd.concat([result(i).timeseries_frame() for i in range(3)], ignore_index=True)
    assert np.array_equal(ts["trust_local"], expect["trust_local"])


def test_resume_reads_parts_of_the_previous_store_format(tmp_path):
    out = tmp_path / "o"
    open_store(out)
    old = result(7)  # an interrupted sweep of govsim before segments: one part file per run
    feather.write_feather(
        pa.Table.from_pandas(old.timeseries_frame()), out / ".runs" / f"{old.run_id}.ts.arrow"
    )
    feather.write_feather(
        pa.Table.from_pylist([old.runs_row()]), out / ".runs" / f"{old.run_id}.ok.arrow"
    )
    store = open_store(out, resume=True)
    assert store.completed_ids() == {old.run_id}
    store.add(result(8))
    runs = store.finalise()
    assert list(runs["run_id"]) == [old.run_id, "p00008-r0"]


def test_row_groups_hold_many_runs(tmp_path, monkeypatch):
    monkeypatch.setattr(store_mod, "ROW_GROUP_ROWS", 10 * STEPS)
    out = tmp_path / "o"
    store = open_store(out)
    for i in range(35):
        store.add(result(i))
    store.finalise()
    meta = pq.read_metadata(out / "timeseries.parquet")
    assert meta.num_rows == 35 * STEPS
    assert meta.num_row_groups == 4  # 10 + 10 + 10 + 5 runs, not 35 groups of one run


def tidy_sweep(tmp_path: Path) -> Path:
    out = tmp_path / "o"
    store = open_store(out)
    for i in range(6):
        store.add(
            result(i, params={"council.programmes": ["youth_trust", "tenant_voice"][: i % 3]})
        )
    store.add(failed(6))
    store.finalise()
    return out


def test_one_type_per_column_flags_lists_nulls_and_provenance(tmp_path):
    out = tidy_sweep(tmp_path)
    runs = pq.read_table(out / "runs.parquet")
    ts = pq.read_table(out / "timeseries.parquet")
    assert runs.schema.field("run_id").type == ts.schema.field("run_id").type == pa.string()
    for table in (runs, ts):
        assert table.schema.field("election").type == pa.bool_()
        assert table.schema.field("government_changed").type == pa.bool_()
        assert table.schema.field("government").type == pa.int64()  # a party index
        meta = table.schema.metadata
        assert meta[b"govsim.version"] == b"9.9" and meta[b"govsim.fingerprint"] == b"fp"
        assert meta[b"govsim.scenarios"] == b'{"s": "ab"}'
    assert runs.schema.field("param.council.programmes").type == pa.list_(pa.string())
    assert runs["param.council.programmes"].to_pylist()[:3] == [
        [],
        ["youth_trust"],
        ["youth_trust", "tenant_voice"],
    ]
    assert runs["error"].to_pylist() == [None] * 6 + ["ValueError: boom"]
    assert runs["status"].to_pylist()[-1] == "failed" and runs["election"][6].as_py() is None


def test_runs_join_timeseries_in_pyarrow_duckdb_and_polars(tmp_path):
    out = tidy_sweep(tmp_path)
    runs_p, ts_p = out / "runs.parquet", out / "timeseries.parquet"
    expect = 6 * STEPS  # the failed run has no time series
    runs = pq.read_table(runs_p)
    # Acero's join carries no list columns (pyarrow 26): leave the list parameter out
    runs = runs.drop_columns(["param.council.programmes"])
    joined = pq.read_table(ts_p).join(runs, "run_id", right_suffix="_run")
    assert joined.num_rows == expect

    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    n, mean = con.execute(
        f"SELECT count(*), avg(t.trust_local) FROM '{ts_p}' t JOIN '{runs_p}' r USING (run_id) "
        "WHERE r.status = 'ok' AND t.election"
    ).fetchone()
    ts = pd.read_parquet(ts_p)
    assert n == ts["election"].sum() and mean == pytest.approx(
        ts.loc[ts["election"], "trust_local"].mean()
    )

    pl = pytest.importorskip("polars")
    frame = pl.read_parquet(ts_p).join(pl.read_parquet(runs_p), on="run_id", suffix="_run")
    assert frame.height == expect
    assert frame.schema["election"] == pl.Boolean
    assert frame.schema["param.council.programmes"] == pl.List(pl.String)


def test_a_writer_whose_segment_was_finalised_away_opens_a_new_one(tmp_path):
    # a worker process kept between a comparison's batches still holds its old segment open
    out = tmp_path / "o"
    store = open_store(out)
    writer = store_mod.process_writer(out / ".runs")
    store.add(result(0))
    import shutil

    shutil.rmtree(out / ".runs")  # what finalise does, seen from a process that did not close
    store.add(result(1))
    assert writer.path.exists() and set(scan_parts(out / ".runs")[0]) == {"p00001-r0"}


def test_a_late_failure_never_replaces_a_finalised_success(tmp_path):
    out = tmp_path / "o"
    store = open_store(out)
    store.add(result(0))
    store.finalise()
    copy = open_store(out, resume=True)
    copy._ok.clear()  # a stale copy of the store, e.g. in a worker, that saw no success
    copy.add(failed(0))
    runs = store.finalise()
    assert runs["status"].tolist() == ["ok"]
    assert pq.read_table(out / "timeseries.parquet").num_rows == STEPS
