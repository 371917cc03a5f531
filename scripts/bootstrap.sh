#!/usr/bin/env bash
# Set up govsim on a fresh machine: find Python >= 3.12, make .venv, install the package.
#   bash scripts/bootstrap.sh          # the package
#   bash scripts/bootstrap.sh --test   # plus test tools and Debian's Chromium for browser tests
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

find_python() {
  for cand in "${PYTHON:-}" python3.12 python3.13 python3; do
    [ -n "$cand" ] || continue
    if command -v "$cand" >/dev/null 2>&1 &&
       "$cand" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
      command -v "$cand"; return 0
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

if [ ! -x .venv/bin/python ]; then
  py=$(find_python) || { echo "govsim needs Python >= 3.12 (Mesa 3.5 does); none found. Install one, or set PYTHON=/path/to/python3.12." >&2; exit 1; }
  echo "using $py ($("$py" --version))"
  "$py" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
if [ "$want_test" = 1 ]; then
  .venv/bin/python -m pip install -q -e ".[test]"
  # npm fetches axe-core for the accessibility browser test (tests/browser/test_accessibility.py)
  if ! command -v npm >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
  fi
  if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" = 0 ]; then
      echo "installing Debian's chromium for the browser tests"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
      echo "note: /usr/bin/chromium missing; browser tests will be skipped (sudo apt-get install chromium)" >&2
    fi
  fi
else
  .venv/bin/python -m pip install -q -e .
fi
echo "ready: .venv/bin/govsim --help"
