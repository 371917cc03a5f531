"""Where a step's time goes: each process timed alone, next to one sparse product.

    .venv/bin/python benchmarks/profile_step.py                 # 1,000,000 citizens
    .venv/bin/python benchmarks/profile_step.py --n 100000 --pyinstrument

Builds the default model, runs one step, then times (median of ``--reps`` rounds, each
round timing every part once, in turn) one matrix-vector product over the model's graph,
each process of the schedule on its own, observation (metrics and DataCollector) and a whole
step.  CPU time of this process is shown next to wall time: on a shared machine the wall
clock also counts time spent waiting for a core.  With ``--pyinstrument`` it then profiles
``--steps`` whole steps (``pip install pyinstrument``, in the ``test`` extra).
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main() -> None:
    """Print the per-process table (and optionally a pyinstrument profile)."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--n", type=int, default=1_000_000)
    p.add_argument("--reps", type=int, default=7)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--pyinstrument", action="store_true")
    p.add_argument("--steps", type=int, default=5)
    a = p.parse_args()

    import sim

    m = sim.GovernanceModel(rng=a.seed, **{"population.size": a.n})
    m.step()
    w = m.world
    x = np.random.default_rng(0).random(a.n)
    parts = {"one spmv (A @ x)": lambda: w.graph.matrix @ x}
    for proc in m.processes:  # every registered process that this scenario switches on
        spec = m._process_spec(proc)
        if spec.enabled:
            parts[proc.name] = lambda proc=proc, spec=spec: proc.step(w, spec, m.streams[proc.name])
    parts.update(
        {
            "observe (metrics + DataCollector)": lambda: m._observe(),
            "whole step": m.step,
        }
    )
    wall = {k: [] for k in parts}
    cpu = {k: [] for k in parts}
    for _ in range(a.reps):
        for k, f in parts.items():
            t0, c0 = time.perf_counter(), time.process_time()
            f()
            wall[k].append(time.perf_counter() - t0)
            cpu[k].append(time.process_time() - c0)
    ref_w = np.median(wall["one spmv (A @ x)"])
    ref_c = np.median(cpu["one spmv (A @ x)"])
    print(f"{a.n:,} citizens, {w.graph.edge_count:,} ties; medians of {a.reps} rounds")
    print(f"{'part':34s} {'wall ms':>8s} {'x spmv':>7s} {'CPU ms':>8s} {'x spmv':>7s}")
    for k in parts:
        mw, mc = np.median(wall[k]), np.median(cpu[k])
        print(f"{k:34s} {1e3 * mw:8.3f} {mw / ref_w:7.2f} {1e3 * mc:8.3f} {mc / ref_c:7.2f}")
    if a.pyinstrument:
        from pyinstrument import Profiler

        prof = Profiler(interval=0.001)
        prof.start()
        for _ in range(a.steps):
            m.step()
        prof.stop()
        print(prof.output_text(unicode=False, color=False))


if __name__ == "__main__":
    main()
