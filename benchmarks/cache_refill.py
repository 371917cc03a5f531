"""What a model step costs right after something else has swept the caches.

    .venv/bin/python benchmarks/cache_refill.py            # 1,000 citizens, 30 rounds

Each round runs one "sweep" of the caches, then five model steps back to back, timing each
step; the table gives the median over rounds of the 1st, 2nd, ... 5th step after the sweep.
Three sweeps: one step of the plain Mesa baseline (``benchmarks/mesa_baseline.py``), one
pass over a 64 MB numpy array (no Python objects at all), and, for comparison, what the same
array sweep does to a pure-Python loop and to a loop of numpy calls on 1,000 values.  Why
``benchmarks/run.py`` gives the model as much time as the baseline's step took, back to
back, rather than three steps (docs/performance.md, "Issue 11, fourth round").
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def after_sweeps(sweep, step, rounds: int, follow: int = 5) -> list[float]:
    """Median microseconds of the 1st..``follow``-th call of ``step`` after each ``sweep``."""
    times: list[list[float]] = [[] for _ in range(follow)]
    for _ in range(rounds):
        sweep()
        for k in range(follow):
            t = time.perf_counter()
            step()
            times[k].append(time.perf_counter() - t)
    return [1e6 * float(np.median(t)) for t in times]


def main() -> None:
    """Print the table."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--rounds", type=int, default=30)
    a = p.parse_args()
    sys.path.insert(0, str(HERE))
    from mesa_baseline import MesaBaseline

    import sim

    params = {"population.size": a.n, "network.mean_degree": 10}
    model = sim.GovernanceModel(rng=1, **params)
    base = MesaBaseline(rng=1, **params)
    big = np.ones(64 * 1024 * 1024 // 8)

    def array_sweep() -> None:
        big[::8] += 1.0  # touches every cache line of the 64 MB

    def python_loop() -> None:
        d: dict[int, int] = {}
        for i in range(2500):
            d[i % 97] = d.get(i % 97, 0) + i

    x, y = np.random.default_rng(0).random(1000), np.empty(1000)

    def numpy_calls() -> None:
        for _ in range(60):
            np.multiply(x, 1.0001, out=y)
            np.add(y, x, out=y)

    gc.collect()
    gc.freeze()  # the baseline's objects out of the collector's passes, as in run.py
    rows = {
        "model step after a Mesa step": after_sweeps(base.step, model.step, a.rounds),
        "model step after a 64 MB array sweep": after_sweeps(array_sweep, model.step, a.rounds),
        "Python loop after the array sweep": after_sweeps(array_sweep, python_loop, a.rounds),
        "numpy calls after the array sweep": after_sweeps(array_sweep, numpy_calls, a.rounds),
    }
    print(f"{a.n:,} citizens; median us of the k-th call after each sweep, {a.rounds} rounds")
    print(f"{'':38s}" + "".join(f"{k:>8d}" for k in range(1, 6)))
    for name, values in rows.items():
        print(f"{name:38s}" + "".join(f"{v:8.0f}" for v in values))


if __name__ == "__main__":
    main()
