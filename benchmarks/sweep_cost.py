"""What a ``govsim sweep`` run costs, split into a fixed part and a part per run, per source tree.

    .venv/bin/python benchmarks/sweep_cost.py                     # this checkout
    git worktree add /tmp/govsim-old dcbf243                      # the tree issue 11 measured
    .venv/bin/python benchmarks/sweep_cost.py --tree /tmp/govsim-old --tree .

For each tree, ``python -m sim sweep`` (serial executor, Parquet store) runs a small and a
large design of 1,000 citizens x 120 steps (``scenarios/centralised_baseline.toml``, two
responsiveness levels x replicates) in a fresh subprocess; CPU is the subprocess's user +
system time, and ``peak MB`` its largest resident set in the large design (``MB/run``: how
much more the large design held per extra run; near 0 when a run frees what it used).
The difference between the two designs, divided by the extra runs, is the cost of one more
run: what a design of thousands of runs pays per run.  The rest is the fixed
cost of a sweep process (imports, numba's cached kernels, the plan).  Trees and sizes
alternate, ``--rounds`` times; medians.  Every tree runs on this interpreter's packages.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from kernels import sweep_experiment  # benchmarks/kernels.py, beside this file

ROOT = Path(__file__).resolve().parent.parent


def sweep_cpu(tree: Path, runs: int, tmp: Path) -> tuple[float, float]:
    """CPU seconds and peak resident MB of one ``govsim sweep`` of ``runs`` runs of ``tree``.

    Both from the sweep process's own resource usage (``os.wait4``), so one sweep's peak is
    not hidden by an earlier, larger one.
    """
    exp = tmp / f"design_{runs}.toml"
    scenario = (tree / "scenarios" / "centralised_baseline.toml").as_posix()
    exp.write_text(sweep_experiment(scenario, runs // 2))
    out = tmp / f"out_{tree.name}_{runs}"
    env = {**os.environ, "PYTHONPATH": str(tree)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "sweep", str(exp), "--out", str(out)],
        cwd=tree,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    err = proc.stderr.read() if proc.stderr is not None else b""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"govsim sweep failed in {tree}:\n{err.decode(errors='replace')}")
    subprocess.run(["rm", "-rf", str(out)], check=True)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024  # Linux: KB


def main() -> None:
    """Print fixed and per-run CPU for each tree."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--tree", action="append", type=Path, help="a source tree (default: .)")
    p.add_argument("--small", type=int, default=16)
    p.add_argument("--large", type=int, default=80)
    p.add_argument("--rounds", type=int, default=2)
    a = p.parse_args()
    trees = [t.resolve() for t in (a.tree or [ROOT])]
    cpu: dict[tuple[Path, int], list[float]] = {}
    peak: dict[tuple[Path, int], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for tree in trees:  # a first sweep compiles a fresh tree's numba cache: not timed
            sweep_cpu(tree, 2, Path(tmp))
        for _ in range(a.rounds):
            for runs in (a.small, a.large):
                for tree in trees:
                    seconds, mb = sweep_cpu(tree, runs, Path(tmp))
                    cpu.setdefault((tree, runs), []).append(seconds)
                    peak.setdefault((tree, runs), []).append(mb)
    print(f"govsim sweep, 1,000 citizens x 120 steps, {a.small} and {a.large} runs, CPU s")
    head = ("small", "large", "per run", "fixed", "runs/core-s", "peak MB", "MB/run")
    print(f"{'tree':40s} " + " ".join(f"{h:>{max(7, len(h))}s}" for h in head))
    for tree in trees:
        small = float(np.median(cpu[(tree, a.small)]))
        large = float(np.median(cpu[(tree, a.large)]))
        per_run = (large - small) / (a.large - a.small)
        fixed = small - a.small * per_run
        mb_small = float(np.median(peak[(tree, a.small)]))
        mb_large = float(np.median(peak[(tree, a.large)]))
        mb_run = (mb_large - mb_small) / (a.large - a.small)
        print(
            f"{str(tree)[-40:]:40s} {small:7.2f} {large:7.2f} {per_run:7.4f} {fixed:7.2f} "
            f"{1 / per_run:11.1f} {mb_large:7.0f} {mb_run:7.3f}"
        )


if __name__ == "__main__":
    main()
