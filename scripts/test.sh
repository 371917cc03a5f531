#!/usr/bin/env bash
# The tests on a fresh machine: set up from uv.lock (with the test extra, Chromium, SLURM),
# lint and format-check the whole tree (the README's development command), then pytest.
# Fails first if pyproject.toml and uv.lock disagree (re-lock with `uv lock`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --test
printf '\n==> ruff check . && ruff format --check .\n'
.venv/bin/ruff check .
.venv/bin/ruff format --check .
printf '\n==> pytest %s\n' "$*"
.venv/bin/python -m pytest -q "$@"
