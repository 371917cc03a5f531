"""Fused numba kernels against the numpy path: per process, first-run compile cost, sweeps.

    .venv/bin/python benchmarks/kernels.py                      # 1,000 and 1,000,000 citizens
    .venv/bin/python benchmarks/kernels.py --sizes 1000 --sweep-runs 80
    .venv/bin/python benchmarks/kernels.py --cold   # compiling every kernel, empty cache

Three measurements, all in CPU seconds (``time.process_time``, or the children's rusage for
subprocesses), because the machine may be shared:

* ``process``: for each process with a kernel (``sim.kernels``), its ``step`` on the default
  model is timed ``--reps`` times with ``GOVSIM_KERNELS=numpy`` and ``numba`` alternately in
  one process; ``numpy / numba`` is the ratio of the medians (> 1: the kernel is faster).
* ``compile``: a fresh process with a warm numba cache imports :mod:`sim`, builds a small
  model and takes its first step with the kernels, minus the same with the numpy path (the
  first-run cost the kernels add: loading them from numba's cache, or compiling on a cold one).
* ``sweep``: ``govsim sweep`` (serial executor, Parquet store included) of ``--sweep-runs``
  runs of 1,000 citizens x 120 steps, in a subprocess, with each backend (``auto``, the
  default, is numba when it is installed); runs per core-second = runs / (the subprocess's
  user + system CPU time), imports included.  With the default backend a quarter of the
  runs is swept too: the difference is the CPU of one more run (``per_run_s``), what a
  design of thousands of runs pays per run (``benchmarks/sweep_cost.py`` compares trees).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
KERNEL_PROCESSES = (
    "participation",
    "services",
    "trust_experience",
    "trust_voice",
    "social_influence",
    "elections",  # timed holding an election at every call (one is due every few years)
)


def per_process(n: int, reps: int) -> dict[str, float]:
    """Median CPU ms per step of each kernel process, both backends, and their ratio."""
    import sim

    m = sim.GovernanceModel(rng=1, **{"population.size": n})
    m.step()
    w = m.world
    out = {}
    for proc in m.processes:
        if proc.name not in KERNEL_PROCESSES:
            continue
        spec = m._process_spec(proc)
        times = {"numpy": [], "numba": []}
        for _ in range(reps + 1):
            for which in times:
                w.kernel_backend = which
                w.signals.election_called = proc.name == "elections"
                c0 = time.process_time()
                proc.step(w, spec, m.streams[proc.name])
                times[which].append(time.process_time() - c0)
        med = {k: float(np.median(v[1:])) * 1e3 for k, v in times.items()}  # drop warm-up
        out[proc.name] = {**med, "ratio": med["numpy"] / med["numba"]}
    times = {"numpy": [], "numba": []}
    for _ in range(reps + 1):  # observation: metrics, council means and the collector
        for which in times:
            w.kernel_backend = which
            c0 = time.process_time()
            m._observe()
            times[which].append(time.process_time() - c0)
    med = {k: float(np.median(v[1:])) * 1e3 for k, v in times.items()}
    out["observation"] = {**med, "ratio": med["numpy"] / med["numba"]}
    return out


_FIRST = """
import time; c0 = time.process_time()
import sim
m = sim.GovernanceModel(rng=1, **{"population.size": 200}); m.step()
print(time.process_time() - c0)
"""


def _first_step_cpu(which: str) -> float:
    env = {**os.environ, "GOVSIM_KERNELS": which, "PYTHONPATH": str(ROOT)}
    r = subprocess.run(
        [sys.executable, "-c", _FIRST], env=env, capture_output=True, text=True, check=True
    )
    return float(r.stdout.strip().splitlines()[-1])


def compile_cost(rounds: int = 3) -> dict[str, float]:
    """First-run CPU seconds the kernels add in a fresh process with a warm cache."""
    _first_step_cpu("numba")  # warm numba's on-disk cache
    nb = [_first_step_cpu("numba") for _ in range(rounds)]
    npy = [_first_step_cpu("numpy") for _ in range(rounds)]
    return {
        "numba_s": float(np.median(nb)),
        "numpy_s": float(np.median(npy)),
        "added_s": float(np.median(nb) - np.median(npy)),
    }


_COLD = """
import time; c0 = time.process_time()
import sim
from sim.runner import warm_kernels
print(warm_kernels(), time.process_time() - c0)
"""


def cold_cache_cost() -> dict[str, float]:
    """CPU seconds of ``sim.runner.warm_kernels()`` (what ``scripts/bootstrap.sh`` runs once)
    in a fresh process with an empty numba cache, then again with the cache it filled."""
    with tempfile.TemporaryDirectory() as cache_dir:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache_dir, "PYTHONPATH": str(ROOT)}
        env["GOVSIM_KERNELS"] = "numba"
        out = []
        for _ in range(2):
            r = subprocess.run(
                [sys.executable, "-c", _COLD], env=env, capture_output=True, text=True, check=True
            )
            out.append(float(r.stdout.split()[-1]))
    return {"empty_cache_s": out[0], "filled_cache_s": out[1]}


_EXPERIMENT = """
[experiment]
scenario = "{scenario}"
design = "grid"
replicates = {reps}
steps = {steps}
seed = 11

[parameters]
"council.responsiveness" = [0.1, 0.9]

[overrides]
"population.size" = {citizens}
"""


def sweep_experiment(scenario: str, reps: int, *, steps: int = 120, citizens: int = 1000) -> str:
    """The benchmarks' sweep design: two responsiveness levels x ``reps`` replicates (TOML)."""
    return _EXPERIMENT.format(scenario=scenario, reps=reps, steps=steps, citizens=citizens)


def sweep(runs: int) -> dict[str, float]:
    """Runs per core-second of ``govsim sweep`` (serial, store included) per backend."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        exp = Path(tmp) / "bench.toml"
        scenario = (ROOT / "scenarios" / "centralised_baseline.toml").as_posix()
        exp.write_text(sweep_experiment(scenario, max(1, runs // 2)))
        for which in ("numpy", "numba", "auto"):
            env = {**os.environ, "GOVSIM_KERNELS": which, "PYTHONPATH": str(ROOT)}
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run(
                [sys.executable, "-m", "sim", "sweep", str(exp), "--out", f"{tmp}/{which}"],
                env=env,
                check=True,
                capture_output=True,
            )
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            out[which] = 2 * max(1, runs // 2) / cpu
        small = max(2, runs // 4) // 2
        exp.write_text(sweep_experiment(scenario, small))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(
            [sys.executable, "-m", "sim", "sweep", str(exp), "--out", f"{tmp}/small"],
            env={**os.environ, "GOVSIM_KERNELS": "auto", "PYTHONPATH": str(ROOT)},
            check=True,
            capture_output=True,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_small = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        cpu_auto = 2 * max(1, runs // 2) / out["auto"]
        extra = 2 * max(1, runs // 2) - 2 * small
        out["per_run_s"] = (cpu_auto - cpu_small) / extra if extra > 0 else float("nan")
    out["ratio"] = out["numba"] / out["numpy"]
    out["auto_ratio"] = out["auto"] / out["numpy"]
    return out


def report(sizes: list[int], reps: int, sweep_runs: int) -> dict:
    """Measure everything and print a short table; return the numbers."""
    result: dict = {"process": {}, "compile": compile_cost(), "sweep": sweep(sweep_runs)}
    print("fused kernels (numba) against the numpy path, CPU time, medians")
    print(f"{'citizens':>10s} {'process':18s} {'numpy ms':>9s} {'numba ms':>9s} {'ratio':>6s}")
    for n in sizes:
        result["process"][n] = per_process(n, reps if n < 100_000 else max(3, reps // 10))
        for name, r in result["process"][n].items():
            print(f"{n:>10,} {name:18s} {r['numpy']:9.3f} {r['numba']:9.3f} {r['ratio']:6.2f}")
    c = result["compile"]
    print(
        f"first run, fresh process, warm cache: {c['numba_s']:.2f} s CPU with kernels, "
        f"{c['numpy_s']:.2f} s without: kernels add {c['added_s']:.2f} s"
    )
    s = result["sweep"]
    print(
        f"govsim sweep, 1,000 citizens x 120 steps: {s['numpy']:.2f} runs per core-second "
        f"(numpy), {s['numba']:.2f} (numba forced, ratio {s['ratio']:.2f}), "
        f"{s['auto']:.2f} (auto, the default: ratio {s['auto_ratio']:.2f}); one more run "
        f"costs {1e3 * s['per_run_s']:.1f} ms CPU ({1 / s['per_run_s']:.1f} runs per core-second "
        "in a long sweep)"
    )
    return result


def main(argv: list[str] | None = None) -> None:
    """Command line: see the module docstring."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--sizes", default="1000,1000000")
    p.add_argument("--reps", type=int, default=50)
    p.add_argument("--sweep-runs", type=int, default=80)
    p.add_argument("--json", type=Path, help="Also write the numbers here.")
    p.add_argument(
        "--cold",
        action="store_true",
        help="only time compiling every kernel into an empty numba cache (~27 s), then exit",
    )
    a = p.parse_args(argv)
    if a.cold:
        c = cold_cache_cost()
        print(
            f"sim.runner.warm_kernels() in a fresh process: {c['empty_cache_s']:.1f} s CPU with an "
            f"empty numba cache, {c['filled_cache_s']:.1f} s with the cache it filled"
        )
        return
    result = report([int(s) for s in a.sizes.split(",")], a.reps, a.sweep_runs)
    if a.json:
        a.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
