"""Speed and memory of govsim, against a plain Mesa model and against one sparse product.

    .venv/bin/python benchmarks/run.py            # 1k, 10k, 100k, 1M citizens (~5 minutes)
    .venv/bin/python benchmarks/run.py --sizes 1000,10000 --baseline-steps 5

Prints a table and writes ``benchmarks/out/benchmark.csv``; then (unless ``--no-kernels``)
the fused-kernel report of ``benchmarks/kernels.py`` for the same sizes (numpy / numba CPU
ratio per process, first-run compile cost, ``govsim sweep`` runs per core-second), written to
``benchmarks/out/kernels.json``.  Each size runs in a fresh
subprocess (so its peak memory is its own):

* ``model``: the model is built ``--builds`` times (median construction time), then runs
  ``--steps`` steps; every tenth step one sparse matrix-vector product over the model's own
  graph (``world.graph.matrix @ x``, float64, average degree 10) is timed next to it, so
  ``step / spmv`` is a ratio of medians measured side by side.  Peak memory is the
  subprocess's peak resident set size over construction and all steps.  Up to
  ``sim.resources.HANDLE_LIMIT`` citizens a second model without citizen handles steps
  alternately with the first (``handles`` = step time with handles / without).
  ``threads``: the threads a step uses (from ``sim.kernels.PARALLEL_FROM`` citizens the
  DeGroot pass runs on numba's threads; the spmv is scipy's, on one), and ``step CPU ms``
  the median CPU time of a step over all of them (``NUMBA_NUM_THREADS=1``: one thread).
* ``baseline`` (up to ``--baseline-max`` citizens): the same rules as one Mesa agent per
  citizen (``benchmarks/mesa_baseline.py``).  The baseline and the model take turns in one
  process, ``--baseline-steps`` rounds (at least 10 below 100,000 citizens): one baseline
  step, then model steps, back to back as a run takes them, until they have used as much
  time as that baseline step (at least 3, at most 2,000).  So both are measured under the
  same machine conditions and with the same share of the time, and ``speed-up`` is the
  ratio of their median step times.  A baseline step sweeps tens of MB of Python objects
  through the caches, and the model steps right after it refill them: the first is ~3x
  slower than the rest, the second ~1.5x, the third ~1.2x (the same after sweeping a 64 MB
  array instead, so it is the cache, not the baseline).  ``after Mesa`` divides the same
  baseline median by the median of the first three model steps of each round alone: what
  a step costs when every third one follows a cache flush (the ``speed-up`` of this
  benchmark until 3 Dec 2026, which ran only those three).
  Objects alive after construction are frozen out of the garbage collector
  (``gc.freeze``), so its passes do not land in the model's steps.

The machine may be shared: every number is a median, and every ratio compares runs
interleaved in one process.
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
COLUMNS = (
    "citizens",
    "build_s",
    "step_ms",
    "spmv_ms",
    "step_over_spmv",
    "peak_rss_mb",
    "steps",
    "handles",
    "baseline_build_s",
    "baseline_step_ms",
    "speedup_vs_mesa",
    "speedup_after_mesa",
    "threads",
    "step_cpu_ms",
)


def _median(xs: list[float]) -> float:
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2])


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def child_model(n: int, steps: int, builds: int, seed: int) -> dict:
    """Construction, step and spmv times, and peak memory, of the model at ``n`` citizens."""
    import numpy as np

    import sim
    from sim.resources import HANDLE_LIMIT

    params = {"population.size": n, "network.mean_degree": 10}
    build = []
    for _ in range(builds):
        model = None  # free the previous one first (peak memory is one model's):
        gc.collect()  # a model is a reference cycle (Mesa agents point back at it)
        t = time.perf_counter()
        model = sim.GovernanceModel(rng=seed, **params)
        build.append(time.perf_counter() - t)
    other = None
    if n <= HANDLE_LIMIT:
        other = sim.GovernanceModel(rng=seed, citizen_handles=False, **params)
    matrix = model.world.graph.matrix
    x = np.random.default_rng(0).random(n)
    step, cpu, spmv, bare = [], [], [], []
    for i in range(steps):
        t, c = time.perf_counter(), time.process_time()
        model.step()
        step.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        if other is not None:
            t = time.perf_counter()
            other.step()
            bare.append(time.perf_counter() - t)
        if i % 10 == 0:
            for _ in range(3):
                t = time.perf_counter()
                matrix @ x
                spmv.append(time.perf_counter() - t)
    if other is not None:  # handles change nothing
        a = model.datacollector.get_model_vars_dataframe()
        b = other.datacollector.get_model_vars_dataframe()
        assert a.equals(b), "citizen handles changed the results"
    return {
        "citizens": n,
        "build_s": _median(build),
        "step_ms": 1e3 * _median(step),
        "spmv_ms": 1e3 * _median(spmv),
        "step_over_spmv": _median(step) / _median(spmv),
        "peak_rss_mb": _peak_rss_mb(),
        "steps": steps,
        "handles": _median(step) / _median(bare) if bare else float("nan"),
        "threads": _threads(n),
        "step_cpu_ms": 1e3 * _median(cpu),
    }


def _threads(n: int) -> int:
    """Threads a model of ``n`` citizens steps on (``sim.kernels.parallel_chunks``)."""
    from sim import kernels

    if kernels.backend() != "numba" or not kernels.parallel_chunks(n):
        return 1
    from numba import config

    return int(config.NUMBA_NUM_THREADS)


def child_baseline(n: int, steps: int, seed: int) -> dict:
    """Median step of the Mesa baseline and of the model, stepping alternately."""
    sys.path.insert(0, str(HERE))
    from mesa_baseline import MesaBaseline

    import sim

    params = {"population.size": n, "network.mean_degree": 10}
    model = sim.GovernanceModel(rng=seed, **params)
    t = time.perf_counter()
    base = MesaBaseline(rng=seed, **params)
    build = time.perf_counter() - t
    # the baseline's millions of Python objects would make the cyclic garbage collector's full
    # passes land in whichever step runs next; freeze them, which only helps the baseline
    gc.collect()
    gc.freeze()
    ours, after, theirs = [], [], []
    for _ in range(steps):
        t = time.perf_counter()
        base.step()
        theirs.append(time.perf_counter() - t)
        spent = 0.0
        for k in range(2_000):  # the model's turn: as long as the baseline's step took
            t = time.perf_counter()
            model.step()
            took = time.perf_counter() - t
            ours.append(took)
            if k < 3:
                after.append(took)
            spent += took
            if k >= 2 and spent >= theirs[-1]:
                break
    return {
        "baseline_build_s": build,
        "baseline_step_ms": 1e3 * _median(theirs),
        "model_step_ms_alongside": 1e3 * _median(ours),
        "model_steps_alongside": len(ours),
        "speedup_vs_mesa": _median(theirs) / _median(ours),
        "speedup_after_mesa": _median(theirs) / _median(after),
    }


def _spawn(args: list[str]) -> dict:
    env = dict(os.environ)
    out = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, env=env, check=False
    )
    if out.returncode != 0:
        raise SystemExit(f"benchmark child {args} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _fmt(value: object) -> str:
    if isinstance(value, float):
        if value != value:  # NaN
            return "-"
        return f"{value:,.3g}" if value < 100 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark table (or, with ``--child``, one measurement)."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--sizes", default="1000,10000,100000,1000000")
    p.add_argument("--steps", type=int, default=120, help="model steps per size")
    p.add_argument("--builds", type=int, default=3, help="constructions per size")
    p.add_argument("--baseline-max", type=int, default=100_000)
    p.add_argument("--baseline-steps", type=int, default=3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", type=Path, default=HERE / "out")
    p.add_argument(
        "--no-kernels",
        action="store_true",
        help="skip the fused-kernel report (benchmarks/kernels.py) after the table",
    )
    p.add_argument("--sweep-runs", type=int, default=80, help="runs per sweep (kernel report)")
    p.add_argument("--child", choices=["model", "baseline"], help=argparse.SUPPRESS)
    p.add_argument("--n", type=int, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child == "model":
        print(json.dumps(child_model(a.n, a.steps, a.builds, a.seed)))
        return
    if a.child == "baseline":
        print(json.dumps(child_baseline(a.n, a.baseline_steps, a.seed)))
        return

    rows = []
    sizes = [int(s) for s in a.sizes.split(",")]
    for n in sizes:
        common = ["--n", str(n), "--seed", str(a.seed)]
        row = _spawn(
            ["--child", "model", "--steps", str(a.steps), "--builds", str(a.builds)] + common
        )
        if n <= a.baseline_max:
            steps = a.baseline_steps if n >= 100_000 else max(a.baseline_steps, 10)
            row.update(_spawn(["--child", "baseline", "--baseline-steps", str(steps)] + common))
        rows.append(row)
        print(f"  measured {n:,} citizens", file=sys.stderr, flush=True)

    a.out.mkdir(parents=True, exist_ok=True)
    path = a.out / "benchmark.csv"
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, extrasaction="ignore")
        w.writeheader()
        for row in rows:
            w.writerow({c: row.get(c, "") for c in COLUMNS})
    headers = (
        "citizens",
        "build s",
        "step ms",
        "spmv ms",
        "step/spmv",
        "peak MB",
        "steps",
        "handles",
        "Mesa build s",
        "Mesa step ms",
        "speed-up",
        "after Mesa",
        "threads",
        "step CPU ms",
    )
    table = [[_fmt(row.get(c, float("nan"))) for c in COLUMNS] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(headers)]
    print("  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True)))
    for r in table:
        print("  ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)))
    print(f"\nwritten {path}")
    if not a.no_kernels:
        import kernels  # benchmarks/kernels.py, beside this file

        print()
        result = kernels.report(sizes, 50, a.sweep_runs)
        (a.out / "kernels.json").write_text(json.dumps(result, indent=1))
        print(f"\nwritten {a.out / 'kernels.json'}")


if __name__ == "__main__":
    main()
