#!/usr/bin/env bash
# The main job on a fresh machine: set up, validate every shipped scenario, run each one, and
# compare the centralised baseline with the co-operative council. Results go to results/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export PATH="$PWD/.venv/bin:$PATH"
govsim --version
printf '\n==> govsim validate scenarios/*.toml\n'
govsim validate scenarios/*.toml
force=()  # a re-run replaces the earlier results/run/* (govsim run refuses them without --force)
run_help=$(govsim run --help)
if [[ $run_help == *--force* ]]; then force=(--force); fi
for f in scenarios/*.toml; do
  printf '\n==> govsim run %s\n' "$f"
  govsim run "$f" --out "results/run/$(basename "$f" .toml)" "${force[@]}"
done
if govsim compare --help >/dev/null 2>&1; then
  # 20 replicates: quotable by the report's rule (10 or more); 7 s on 2 idle cores (docs/compare.md)
  govsim compare scenarios/centralised_baseline.toml scenarios/cooperative_council.toml \
    --replicates 20 --executor processes --out results/compare/centralised-vs-cooperative --force
fi
echo "done: see results/"
