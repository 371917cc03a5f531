"""Peak memory of a ``govsim sweep`` against its number of runs, per executor and source tree.

    git worktree add /tmp/govsim-8d7 8d75d2c           # before sweep runs freed their models
    .venv/bin/python benchmarks/sweep_memory.py --tree /tmp/govsim-8d7 --tree .

For each tree and executor (``serial``, ``processes``, ``dask``; one worker), a sweep of
``--citizens`` citizens x ``--steps`` steps (``scenarios/centralised_baseline.toml``) runs
twice, with ``--small`` and ``--large`` runs, in a fresh process group.  The largest
resident set of any process in the group (the driver, a pool worker, a Dask worker) is
sampled every 0.1 s with psutil.  ``MB/run`` is how much more the large sweep held per
extra run: ~0 when each run frees what it used.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from kernels import sweep_experiment  # benchmarks/kernels.py, beside this file

ROOT = Path(__file__).resolve().parent.parent


def _tree_rss(root: psutil.Process) -> int:
    """Largest resident set (bytes) of ``root`` and its descendants now."""
    biggest = 0
    for proc in [root, *root.children(recursive=True)]:
        try:
            biggest = max(biggest, proc.memory_info().rss)
        except psutil.Error:  # ended between listing and reading
            continue
    return biggest


def sweep_peak(tree: Path, executor: str, runs: int, a: argparse.Namespace, tmp: Path) -> float:
    """Peak MB of any process of one ``govsim sweep`` of ``runs`` runs with ``tree``'s sources."""
    exp = tmp / f"mem_{runs}.toml"
    scenario = (tree / "scenarios" / "centralised_baseline.toml").as_posix()
    exp.write_text(sweep_experiment(scenario, runs // 2, steps=a.steps, citizens=a.citizens))
    out = tmp / f"out_{tree.name}_{executor}_{runs}"
    cmd = [sys.executable, "-m", "sim", "sweep", str(exp), "--out", str(out)]
    cmd += ["--executor", executor, "--workers", "1"]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    log = tmp / "sweep.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(cmd, cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=err)
        root, peak = psutil.Process(proc.pid), 0
        while proc.poll() is None:
            try:
                peak = max(peak, _tree_rss(root))
            except psutil.Error:
                pass
            time.sleep(0.1)
    if proc.returncode:
        raise SystemExit(f"govsim sweep failed in {tree} ({executor}):\n{log.read_text()}")
    subprocess.run(["rm", "-rf", str(out)], check=True)
    return peak / 2**20


def main() -> None:
    """Print peak MB at both sizes and MB per extra run, per tree and executor."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--tree", action="append", type=Path, help="a source tree (default: .)")
    p.add_argument("--executor", action="append", help="serial, processes, dask (default: all)")
    p.add_argument("--citizens", type=int, default=50_000)
    p.add_argument("--steps", type=int, default=12)
    p.add_argument("--small", type=int, default=2)
    p.add_argument("--large", type=int, default=12)
    a = p.parse_args()
    trees = [t.resolve() for t in (a.tree or [ROOT])]
    executors = a.executor or ["serial", "processes", "dask"]
    print(f"govsim sweep, {a.citizens:,} citizens x {a.steps} steps, one worker, peak MB")
    print(f"{'tree':40s} {'executor':>10s} {a.small:>7d} {a.large:>7d} {'MB/run':>7s}")
    with tempfile.TemporaryDirectory() as tmp:
        for tree in trees:
            for executor in executors:
                small = sweep_peak(tree, executor, a.small, a, Path(tmp))
                large = sweep_peak(tree, executor, a.large, a, Path(tmp))
                per_run = (large - small) / (a.large - a.small)
                print(
                    f"{str(tree)[-40:]:40s} {executor:>10s} {small:7.0f} {large:7.0f} "
                    f"{per_run:7.1f}"
                )


if __name__ == "__main__":
    main()
