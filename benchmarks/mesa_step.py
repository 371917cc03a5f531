"""What Mesa's step scheduling costs a small model, with and without govsim's short cut.

    .venv/bin/python benchmarks/mesa_step.py --n 1000 --reps 2000

Three models built alike step in turn: ``model.step()`` (the short cut of
``GovernanceModel._advance_one_month``), Mesa's own ``Model.step`` (its event loop: the
recurring step event popped, a new ``Event`` pushed, a log line formatted) and the model's
``step`` body alone (``_user_step``, no clock).  Medians; the differences are each path's
scheduling overhead.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main() -> None:
    """Print the median step of each path."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--reps", type=int, default=2000)
    a = p.parse_args()

    import sim

    def build():
        return sim.GovernanceModel(rng=1, **{"population.size": a.n, "network.mean_degree": 10})

    short, mesa, body = build(), build(), build()
    paths = {
        "model.step() (short cut)": short.step,
        "Mesa's Model.step": mesa._wrapped_step,
        "step body alone": body._user_step,
    }
    for f in paths.values():
        for _ in range(10):
            f()
    times = {name: [] for name in paths}
    for _ in range(a.reps):
        for name, f in paths.items():
            t = time.perf_counter()
            f()
            times[name].append(time.perf_counter() - t)
    base = np.median(times["step body alone"])
    print(f"{a.n:,} citizens, medians of {a.reps} steps each")
    for name, ts in times.items():
        m = np.median(ts)
        print(f"  {name:26s} {1e6 * m:8.1f} us   scheduling {1e6 * (m - base):6.1f} us")


if __name__ == "__main__":
    main()
