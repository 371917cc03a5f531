#!/usr/bin/env bash
# The tests on a fresh machine: set up (with test tools and Chromium), lint, then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --test
.venv/bin/ruff check sim tests benchmarks dashboards
.venv/bin/ruff format --check sim tests benchmarks dashboards docs experiments
.venv/bin/python -m pytest -q "$@"
