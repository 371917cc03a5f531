r"""Run a govsim sweep on a SLURM cluster through dask-jobqueue's ``SLURMCluster``.

Start this on a login node (it submits worker jobs with ``sbatch`` and stays running as the
Dask scheduler; results are written by this process only, into ``--out``, as runs finish):

    pip install "govsim[interop]"     # or: uv sync --extra interop (brings dask-jobqueue)
    python experiments/cluster/slurm.py experiments/sobol_main.toml --out results/sobol \
        --jobs 8 --cores 8 --queue compute --walltime 02:00:00

Each SLURM job runs one single-threaded Dask worker process per core; the workers start the
same Python as this process (``--python``; a shared file system or the same image), or
activate an environment first (``--prologue "source ~/govsim/.venv/bin/activate"``). If the
allocation ends before the sweep, run the same command again with ``--resume``.
``tests/test_slurm.py`` runs exactly this script against a one-node SLURM (slurmctld + slurmd
on loopback) and checks the results are identical to a serial sweep.
For PBS use ``PBSCluster`` (same arguments, ``resource_spec="select=1:ncpus=8:mem=16GB"``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dask_jobqueue import SLURMCluster  # pip install dask-jobqueue (govsim's interop extra)

from sim.experiments.spec import load_experiment
from sim.experiments.sweep import run_sweep


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options (``--help`` lists them)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("experiment", type=Path, help="experiment file (TOML)")
    ap.add_argument("--out", type=Path, required=True, help="results directory")
    ap.add_argument("--jobs", type=int, default=4, help="SLURM jobs (nodes) to request")
    ap.add_argument("--cores", type=int, default=8, help="cores per job (one worker each)")
    ap.add_argument("--memory-per-worker", type=float, default=2.0, help="GB (ample to 1e5)")
    ap.add_argument("--queue", default=None, help="partition (default: the site's default)")
    ap.add_argument("--account", default=None, help="project account, if the site needs one")
    ap.add_argument("--walltime", default="02:00:00", help="per job, HH:MM:SS")
    ap.add_argument("--python", default=sys.executable, help="Python the workers start")
    ap.add_argument("--prologue", action="append", default=[], help="shell line run first")
    ap.add_argument("--local-directory", default=None, help="node-local scratch, e.g. $TMPDIR")
    ap.add_argument("--resume", action="store_true", help="run only the missing runs")
    ap.add_argument("--force", action="store_true", help="replace earlier results in --out")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Start the SLURM cluster, run the sweep on it, close it."""
    args = parse_args(argv)
    cluster = SLURMCluster(
        queue=args.queue,
        account=args.account,
        cores=args.cores,
        processes=args.cores,  # one single-threaded worker process per core
        memory=f"{args.memory_per_worker * args.cores:g}GB",
        walltime=args.walltime,
        python=args.python,
        job_script_prologue=args.prologue,
        local_directory=args.local_directory,
    )
    try:
        cluster.scale(jobs=args.jobs)
        print(cluster.job_script(), flush=True)  # what is submitted
        summary, _ = run_sweep(
            load_experiment(args.experiment),
            args.out,
            executor="dask",
            scheduler=cluster.scheduler_address,
            resume=args.resume,
            force=args.force,
        )
    finally:
        cluster.close()
    print(f"{summary.done} runs done, {summary.failed} failed, {summary.skipped} already there")


if __name__ == "__main__":
    main()
