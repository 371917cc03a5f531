"""Run a govsim sweep on a SLURM cluster through dask-jobqueue (worked example).

Start this on a login node (it submits worker jobs and stays running as the scheduler):

    pip install dask-jobqueue              # once, in the same environment as govsim
    python experiments/cluster/slurm.py experiments/sobol_main.toml --jobs 8 --out results/sobol

Each SLURM job runs one Dask worker process per core; every worker imports govsim from the
same (shared) environment. Results are written by this process only, into --out, as runs
finish; if the allocation ends, run the same command again with --resume.
For PBS use ``PBSCluster`` (same arguments, ``resource_spec="select=1:ncpus=8:mem=16GB"``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from dask_jobqueue import SLURMCluster  # pip install dask-jobqueue

from sim.experiments.spec import load_experiment
from sim.experiments.sweep import run_sweep


def main() -> None:
    """Start the SLURM cluster, run the sweep on it, close it."""
    ap = argparse.ArgumentParser()
    ap.add_argument("experiment", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--jobs", type=int, default=4, help="SLURM jobs (nodes) to request")
    ap.add_argument("--cores", type=int, default=8, help="cores per job (one worker each)")
    ap.add_argument("--resume", action="store_true")
    args = ap.parse_args()

    cluster = SLURMCluster(
        queue="compute",  # your partition
        account=None,  # your project account, if the site needs one
        cores=args.cores,
        processes=args.cores,  # one single-threaded worker process per core
        memory=f"{2 * args.cores}GB",  # about 2 GB per worker is ample up to 1e5 citizens
        walltime="02:00:00",
        job_script_prologue=["source ~/govsim/.venv/bin/activate"],
        local_directory="$TMPDIR",  # node-local scratch
    )
    cluster.scale(jobs=args.jobs)
    print(cluster.job_script())  # what was submitted
    try:
        summary, runs = run_sweep(
            load_experiment(args.experiment),
            args.out,
            executor="dask",
            scheduler=cluster.scheduler_address,
            resume=args.resume,
        )
    finally:
        cluster.close()
    print(f"{summary.done} runs done, {summary.failed} failed, {summary.skipped} already there")


if __name__ == "__main__":
    main()
