"""A real one-node SLURM for tests: munged, slurmctld and slurmd on loopback, all private.

Everything (munge key and socket, slurm.conf, state, spool, logs) lives in one temporary
folder; clients find it through ``SLURM_CONF``. Nothing of the system's munge or SLURM set-up
is read or changed. Needs root (slurmd runs jobs as their user) and Debian's ``slurm-wlm`` and
``munge`` (``scripts/bootstrap.sh --test`` installs them when run as root).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

__all__ = ["SlurmCluster", "missing"]

DAEMONS = ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo", "scancel")


def missing() -> str | None:
    """Why a one-node SLURM cannot start here, or None if it can."""
    if os.geteuid() != 0:
        return "needs root (slurmd runs jobs as their user); CI runs as root"
    absent = [d for d in DAEMONS if shutil.which(d) is None and not Path(f"/usr/sbin/{d}").exists()]
    if absent:
        return f"{', '.join(absent)} not found (apt-get install slurm-wlm munge)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _exe(name: str) -> str:
    return shutil.which(name) or f"/usr/sbin/{name}"


class SlurmCluster:
    """Start munged, slurmctld and slurmd (one node, partition ``debug``) in ``root``."""

    partition = "debug"

    def __init__(self, root: Path) -> None:
        self.root = root
        self.procs: list[subprocess.Popen] = []
        self.conf = root / "slurm.conf"
        self.host = socket.gethostname()
        self.env = {**os.environ, "SLURM_CONF": str(self.conf)}

    # ------------------------------------------------------------------ set-up
    def start(self, timeout: float = 60) -> SlurmCluster:
        """Write the configuration, start the daemons, wait until the node is idle."""
        r = self.root
        r.chmod(0o755)  # munged wants its socket's folder searchable by all
        for sub in ("state", "spool", "log"):
            (r / sub).mkdir(exist_ok=True)
        key = r / "munge.key"
        key.write_bytes(os.urandom(128))
        key.chmod(0o400)
        self.socket = r / "munge.socket"
        self._spawn(
            [
                _exe("munged"),
                "--foreground",
                "--force",  # running as root
                f"--key-file={key}",
                f"--socket={self.socket}",
                f"--pid-file={r / 'munged.pid'}",
                f"--log-file={r / 'log' / 'munged.log'}",
                f"--seed-file={r / 'munged.seed'}",
            ],
            "munged",
        )
        self._wait(lambda: self.socket.exists(), timeout, "munged did not create its socket")
        self.conf.write_text(self._slurm_conf(), encoding="utf-8")
        self._spawn([_exe("slurmctld"), "-D", "-c", "-f", str(self.conf)], "slurmctld")
        self._spawn([_exe("slurmd"), "-D", "-N", self.host, "-f", str(self.conf)], "slurmd")
        self._wait(self._idle, timeout, "the SLURM node did not become idle")
        return self

    def _slurm_conf(self) -> str:
        r = self.root
        node = subprocess.run(
            [_exe("slurmd"), "-C"], capture_output=True, text=True, check=True
        ).stdout.splitlines()[0]  # NodeName=HOST CPUs=... RealMemory=... as slurmd sees them
        return f"""\
ClusterName=govsim-test
SlurmctldHost={self.host}(127.0.0.1)
SlurmctldPort={_free_port()}
SlurmdPort={_free_port()}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={self.socket}
SlurmUser=root
SlurmdUser=root
StateSaveLocation={r / "state"}
SlurmdSpoolDir={r / "spool"}
SlurmctldPidFile={r / "slurmctld.pid"}
SlurmdPidFile={r / "slurmd.pid"}
SlurmctldLogFile={r / "log" / "slurmctld.log"}
SlurmdLogFile={r / "log" / "slurmd.log"}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
{node} NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName={self.partition} Nodes={self.host} Default=YES MaxTime=INFINITE State=UP
"""

    def _spawn(self, cmd: list[str], name: str) -> None:
        log = (self.root / "log" / f"{name}.out").open("w")
        self.procs.append(subprocess.Popen(cmd, env=self.env, stdout=log, stderr=subprocess.STDOUT))

    def _idle(self) -> bool:
        for p in self.procs:
            if p.poll() is not None:
                raise RuntimeError(f"{p.args[0]} exited ({p.returncode}):\n{self.logs()}")
        out = subprocess.run(
            [_exe("sinfo"), "-h", "-o", "%T"], capture_output=True, text=True, env=self.env
        )
        return out.returncode == 0 and out.stdout.strip() == "idle"

    def _wait(self, ready, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{what} within {timeout:.0f} s:\n{self.logs()}")
            time.sleep(0.3)

    # ------------------------------------------------------------------ use and tear-down
    def logs(self, tail: int = 2000) -> str:
        """The last characters of each daemon's log (for failure messages)."""
        out = []
        for path in sorted((self.root / "log").glob("*")):
            out.append(f"--- {path.name}\n{path.read_text(errors='replace')[-tail:]}")
        return "\n".join(out)

    def stop(self) -> None:
        """Cancel every job, then stop slurmd, slurmctld and munged (in that order)."""
        if self.procs and self.procs[-1].poll() is None:
            subprocess.run([_exe("scancel"), "--full", "-u", "root"], env=self.env, check=False)
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        self.procs.clear()
