"""What one compiled call a month (and runs of months in one call) save: sim.month, issue 11.

    .venv/bin/python benchmarks/month.py                      # 1,000 to 50,000 citizens
    .venv/bin/python benchmarks/month.py --sizes 1000 --steps 120 --rounds 7

For each size, the default model runs ``--steps`` months three ways, in turn, ``--rounds``
times in one process (new models each round, seeds 0, 1, ...): ``run()`` (runs of quiet
months in one call each), a loop of ``step()`` (one call a quiet month), and
``fused_months=False`` with ``run()`` (process by process).  CPU time per month, medians;
the ratios compare those medians.  Every way gives the same bits (``tests/test_month.py``).
From ``sim.month.FUSED_BELOW`` citizens (20,000) all three are the process-by-process path,
chosen there from this benchmark's figures.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main() -> None:
    """Print one row per size: ms a month each way, and the ratios to process by process."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--sizes", default="1000,5000,20000,50000")
    p.add_argument("--steps", type=int, default=120)
    p.add_argument("--rounds", type=int, default=5)
    a = p.parse_args()
    from sim import GovernanceModel
    from sim.runner import warm_kernels

    warm_kernels()
    ways = ("runs of months", "one call a month", "process by process")
    print(f"{'citizens':>9} " + " ".join(f"{w:>19}" for w in ways) + "   ratios to the last")
    for n in (int(s) for s in a.sizes.split(",")):
        times: dict[str, list[float]] = {w: [] for w in ways}
        for seed in range(a.rounds):
            for way in ways:
                model = GovernanceModel(
                    rng=seed,
                    citizen_handles=False,
                    fused_months=way != "process by process",
                    **{"population.size": n},
                )
                start = time.process_time()
                if way == "one call a month":
                    for _ in range(a.steps):
                        model.step()
                else:
                    model.run(a.steps)
                times[way].append((time.process_time() - start) / a.steps * 1e3)
        med = {w: float(np.median(v)) for w, v in times.items()}
        base = med["process by process"]
        ratios = " ".join(f"{base / med[w]:.2f}x" for w in ways[:2])
        print(f"{n:>9,} " + " ".join(f"{med[w]:>16.4f} ms" for w in ways) + f"   {ratios}")


if __name__ == "__main__":
    main()
