"""Where a step's time goes: each process timed alone, next to one sparse product.

    .venv/bin/python benchmarks/profile_step.py                 # 1,000,000 citizens
    .venv/bin/python benchmarks/profile_step.py --n 100000 --pyinstrument
    .venv/bin/python benchmarks/profile_step.py --n 1000 --reps 201 --split

Builds the default model, runs one step, then times (median of ``--reps`` rounds, each
round timing every part once, in turn) one matrix-vector product over the model's graph,
each process of the schedule on its own, observation (metrics and DataCollector) and a whole
step.  CPU time of this process is shown next to wall time: on a shared machine the wall
clock also counts time spent waiting for a core.  With ``--pyinstrument`` it then profiles
``--steps`` whole steps (``pip install pyinstrument``, in the ``test`` extra).

With ``--split`` (numba path) it then splits a step into its compiled kernel calls and the
rest: one step runs with every kernel call recorded, then each call is repeated on the
arguments it was given and timed, median of ``--reps`` rounds; the rest of a whole step is
the Python between the kernels, random draws included.  A repeat does the same work (the
same loops over the same inputs); its outputs go into the arrays the step filled, and
``trust_experience`` moves trust in the governing party on again in place, so the model
is not used after ``--split``.
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
    p.add_argument("--split", action="store_true", help="kernel calls against the rest")
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
    if a.split:
        split = step_split(m, a.reps)
        if not split:
            print("--split: the numba kernels are not in use (GOVSIM_KERNELS=numpy or no numba)")
            return
        whole = 1e6 * np.median(wall["whole step"])
        print("a step's kernel calls, each repeated on its own arguments (us, medians)")
        print(f"{'kernel':34s} {'calls':>6s} {'us/call':>8s} {'us/step':>8s}")
        total = 0.0
        for name, (calls, us) in split.items():
            total += calls * us
            print(f"{name:34s} {calls:6d} {us:8.2f} {calls * us:8.2f}")
        print(f"{'all kernel calls':34s} {'':6s} {'':8s} {total:8.2f}")
        print(f"{'whole step':34s} {'':6s} {'':8s} {whole:8.2f}")
        print(f"{'rest: Python, random draws':34s} {'':6s} {'':8s} {whole - total:8.2f}")


def step_split(m, reps: int) -> dict[str, tuple[int, float]]:
    """Kernel name -> (calls in one step of ``m``, median us per call on those arguments).

    Empty on the numpy path.  The kernels' namespace (``sim.kernels``) is wrapped for one
    step, so each call's arguments are recorded, then restored.
    """
    from sim import kernels

    ns = kernels.kernels()
    if ns is None or m.world.kernel_backend != "numba":
        return {}
    originals = dict(vars(ns))
    calls: dict[str, list[tuple]] = {}

    def recording(name, kernel):
        def call(*args):
            calls.setdefault(name, []).append(args)
            return kernel(*args)

        return call

    for name, kernel in originals.items():
        setattr(ns, name, recording(name, kernel))
    try:
        m.step()
    finally:
        for name, kernel in originals.items():
            setattr(ns, name, kernel)
    out = {}
    for name, recorded in calls.items():
        kernel = originals[name]
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            for args in recorded:
                kernel(*args)
            times.append((time.perf_counter() - t0) / len(recorded))
        out[name] = (len(recorded), 1e6 * float(np.median(times)))
    return out


if __name__ == "__main__":
    main()
