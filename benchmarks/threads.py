"""Where numba's threads start paying: a step on two threads against one (sim.kernels).

    .venv/bin/python benchmarks/threads.py                  # 20,000, 50,000, 100,000 citizens
    .venv/bin/python benchmarks/threads.py --sizes 100000 --models 5

For each size, ``--models`` default models take turns with the threaded kernels on
(``sim.kernels.PARALLEL_FROM`` set to the size) and off (set above it); each is run 3 steps,
then timed over ``--steps`` steps, median wall time of a step.  Prints the range of those
medians each way (the threads share the machine's cores; the bits are the same either way,
``tests/test_kernels.py``).
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main() -> None:
    """Print, per size, the range of median step times with threads and without."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--sizes", default="20000,50000,100000")
    p.add_argument("--models", type=int, default=3)
    p.add_argument("--steps", type=int, default=30)
    a = p.parse_args()
    from sim import GovernanceModel, kernels
    from sim.runner import warm_kernels

    warm_kernels()
    default = kernels.PARALLEL_FROM
    print(f"{'citizens':>9}  {'two threads ms':>16}  {'one thread ms':>16}")
    try:
        for n in (int(s) for s in a.sizes.split(",")):
            times: dict[bool, list[float]] = {True: [], False: []}
            for _ in range(a.models):
                for threaded in (False, True):
                    kernels.PARALLEL_FROM = n if threaded else n + 1
                    model = GovernanceModel(rng=1, citizen_handles=False, **{"population.size": n})
                    model.run(3)
                    steps = []
                    for _ in range(a.steps):
                        start = time.perf_counter()
                        model.step()
                        steps.append(time.perf_counter() - start)
                    times[threaded].append(1e3 * float(np.median(steps)))
            two, one = (f"{min(times[t]):.2f}-{max(times[t]):.2f}" for t in (True, False))
            print(f"{n:>9,}  {two:>16}  {one:>16}")
    finally:
        kernels.PARALLEL_FROM = default


if __name__ == "__main__":
    main()
