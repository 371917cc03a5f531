"""The results store alone: files created, time to add and finalise, and the Parquet it writes.

Usage: .venv/bin/python benchmarks/bench_store.py [--runs 10000] [--steps 121] [--workers 2]

Adds ``--runs`` small synthetic runs (``--steps`` rows of the 10 headline metrics each, like a
sweep keeping its default time series; no model runs, so only the store is timed) to a
:class:`sim.experiments.RunStore`, in two ways:

- ``driver``: one process adds every run, as ``govsim sweep`` does (results arrive in the
  driver, which writes them);
- ``workers``: ``--workers`` worker processes each add their share through a copy of the store
  (each appends to its own segment), the way a store on a shared HPC filesystem is fed.

For each it reports the files under the results folder just before ``finalise`` (the peak: what
an HPC quota counts) and after, the time per ``add`` and for ``finalise``, the size and row
groups of ``timeseries.parquet``, and the time of one DuckDB aggregate over it (if DuckDB is
installed). The script uses only ``RunStore``'s public methods, so running it with an older
checkout on ``PYTHONPATH`` measures that version's store the same way.

Writes benchmarks/out/store.csv and prints a table.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import multiprocessing
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from sim.experiments import RunStore
from sim.metrics import HEADLINE
from sim.runner import RunResult

ROOT = Path(__file__).resolve().parents[1]


def make_result(i: int, steps: int) -> RunResult:
    rng = np.random.default_rng(i)
    ts = pd.DataFrame({"step": np.arange(steps)})
    for m in HEADLINE:
        ts[m] = rng.random(steps)
    return RunResult(
        run_id=f"p{i:06d}-r0",
        seed=i,
        parameters={"council.cooperation": float(rng.random())},
        final={m: float(ts[m].iloc[-1]) for m in HEADLINE},
        timeseries=ts,
        seconds=0.0,
        scenario_name="bench",
        extra={"point": i, "replicate": 0},
    )


def count_files(folder: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(folder))


def add_range(store: RunStore, start: int, stop: int, steps: int) -> float:
    """Add runs start..stop-1 in this process; return the seconds spent in ``add``."""
    results = [make_result(i, steps) for i in range(start, stop)]
    t0 = time.perf_counter()
    for r in results:
        store.add(r)
    return time.perf_counter() - t0


def bench(mode: str, args: argparse.Namespace, tmp: Path) -> dict:
    out = tmp / mode
    store = RunStore(out, fingerprint="bench", manifest={"kind": "sweep"})
    if mode == "driver":
        add_s = add_range(store, 0, args.runs, args.steps)
    else:
        ctx = multiprocessing.get_context("forkserver")
        chunk = 250  # tasks of 250 runs: a worker adds many runs over the sweep
        bounds = [(s, min(s + chunk, args.runs)) for s in range(0, args.runs, chunk)]
        with cf.ProcessPoolExecutor(args.workers, mp_context=ctx) as pool:
            futures = [pool.submit(add_range, store, a, b, args.steps) for a, b in bounds]
            add_s = sum(f.result() for f in futures) / args.workers  # wall time per worker
    peak = count_files(out)
    t0 = time.perf_counter()
    store.finalise()
    fin_s = time.perf_counter() - t0
    ts = out / "timeseries.parquet"
    meta = pq.read_metadata(ts)
    row = {
        "mode": mode,
        "runs": args.runs,
        "files_before_finalise": peak,
        "files_after": count_files(out),
        "add_ms_per_run": 1000 * add_s / args.runs,
        "finalise_s": fin_s,
        "timeseries_MB": ts.stat().st_size / 1e6,
        "row_groups": meta.num_row_groups,
    }
    try:
        import duckdb
    except ImportError:
        return row
    con = duckdb.connect()
    q = f"SELECT step, avg(trust_local) FROM '{ts}' GROUP BY step"
    best = min(_timed(lambda: con.execute(q).fetchall()) for _ in range(5))
    row["duckdb_query_ms"] = 1000 * best
    return row


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--steps", type=int, default=121)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--modes", default="driver,workers")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        for mode in args.modes.split(","):
            rows.append(bench(mode, args, Path(tmp)))
            print(rows[-1], flush=True)
    df = pd.DataFrame(rows)
    target = ROOT / "benchmarks" / "out"
    target.mkdir(parents=True, exist_ok=True)
    df.to_csv(target / "store.csv", index=False)
    print(df.to_string(index=False, float_format=lambda v: f"{v:.3g}"))


if __name__ == "__main__":
    main()
