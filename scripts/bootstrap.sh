#!/usr/bin/env bash
# Set up govsim on a fresh machine: find Python >= 3.12, get uv, install the locked environment
# (uv.lock) into .venv.
#   bash scripts/bootstrap.sh          # the package and what it needs to run
#   bash scripts/bootstrap.sh --test   # plus the test extra (test tools, EMA Workbench,
#                                      # dask-jobqueue) and, as root, Debian's Chromium, SLURM, munge
# Without uv or a lock (your own environment): pip install -e ".[test]"  (README "Set up").
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1
step() { printf '\n==> %s\n' "$*"; }

find_python() {
  for cand in "${PYTHON:-}" python3.12 python3.13 python3; do
    [ -n "$cand" ] || continue
    if command -v "$cand" >/dev/null 2>&1 &&
       "$cand" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
      "$cand" -c 'import sys; print(sys.executable)'; return 0
    fi
  done
  # pyenv installs that are not the global version (as on the project's machines); oldest >= 3.12 first
  root=${PYENV_ROOT:-$HOME/.pyenv}
  command -v pyenv >/dev/null 2>&1 && root=$(pyenv root)
  if [ -d "$root/versions" ]; then
    for v in $(ls -1 "$root/versions" 2>/dev/null | sort -V); do
      py="$root/versions/$v/bin/python3"
      if [ -x "$py" ] && "$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then
        echo "$py"; return 0
      fi
    done
  fi
  return 1
}

# uv: the one on PATH if it is the 0.13 series the lock was written with, else a private copy
# in .tools/ (pip install uv: a single wheel from the package registry).
find_uv() {
  for cand in "${UV:-}" uv .tools/bin/uv; do
    [ -n "$cand" ] || continue
    if command -v "$cand" >/dev/null 2>&1 && "$cand" --version 2>/dev/null | grep -q '^uv 0\.13\.'; then
      command -v "$cand"; return 0
    fi
  done
  return 1
}

if [ -x .venv/bin/python ] && .venv/bin/python -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then
  py=$(.venv/bin/python -c 'import sys, os; print(os.path.realpath(sys.executable))')
  step "Python: $py (from the existing .venv)"
else
  py=$(find_python) || { echo "govsim needs Python >= 3.12 (Mesa 3.5 does); none found. Install one, or set PYTHON=/path/to/python3.12." >&2; exit 1; }
  step "Python: $py ($("$py" --version))"
fi

if ! uv=$(find_uv); then
  step "installing uv 0.13 into .tools/ (pip install uv)"
  "$py" -m venv .tools
  # --isolated: the package registry itself, not a local pip configuration
  .tools/bin/python -m pip --isolated install -q --disable-pip-version-check "uv>=0.13,<0.14"
  uv=$PWD/.tools/bin/uv
fi
step "uv: $uv ($("$uv" --version))"

# --compile-bytecode (below): every later process imports mesa, pandas, scipy and numba from
# .pyc files, also where PYTHONDONTWRITEBYTECODE=1 stops Python from caching them itself
# (~2 s less per fresh process, each sweep worker included; docs/performance.md)
export UV_PYTHON="$py" UV_PYTHON_DOWNLOADS=never UV_NO_PROGRESS=1
step "checking that uv.lock matches pyproject.toml (uv lock --check)"
if ! "$uv" lock --check --quiet; then
  echo "error: pyproject.toml and uv.lock disagree (a dependency was added or changed without" >&2
  echo "re-locking). Run: $uv lock   then commit uv.lock with pyproject.toml." >&2
  exit 1
fi
if [ "$want_test" = 1 ]; then
  step "installing govsim + the test extra from uv.lock into .venv (uv sync --locked --extra test)"
  "$uv" sync --locked --compile-bytecode --extra test
else
  # --inexact: keep test tools a developer already has in .venv. The extras calibrate (pyabc,
  # for govsim calibrate) and fast (numba, the fused kernels) are what a researcher runs.
  step "installing govsim + the calibrate and fast extras from uv.lock into .venv (uv sync --locked --extra calibrate --extra fast)"
  "$uv" sync --locked --compile-bytecode --inexact --extra calibrate --extra fast
fi

if [ "$want_test" = 1 ]; then
  # System packages of the browser and scheduler tests (Debian's; installed when root, as CI runs)
  need=()
  [ -x /usr/bin/chromium ] || need+=(chromium)
  command -v slurmctld >/dev/null 2>&1 || need+=(slurm-wlm)
  command -v munged >/dev/null 2>&1 || need+=(munge)
  command -v npm >/dev/null 2>&1 || need+=(npm)  # fetches axe-core for the accessibility test
  if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      step "installing Debian packages for the browser and SLURM tests: ${need[*]}"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    else
      echo "note: missing ${need[*]}: the browser or SLURM tests will be skipped (sudo apt-get install ${need[*]})" >&2
    fi
  fi
fi
# numba compiles each kernel on first use and caches it on disk (sim/__pycache__): do it once
# here (~27 s CPU), so no run, dashboard or sweep worker pays for it later (~0.5 s to load)
if .venv/bin/python -c "import numba" >/dev/null 2>&1; then
  step "compiling the numba kernels into their on-disk cache (once per install)"
  .venv/bin/python -c "from sim.runner import warm_kernels; warm_kernels()" ||
    echo "note: compiling the kernels failed; each will compile on first use instead" >&2
fi
step "ready: $(.venv/bin/govsim --version); the command is .venv/bin/govsim (.venv/bin/govsim --help)"
