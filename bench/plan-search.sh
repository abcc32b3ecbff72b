#!/usr/bin/env bash
# The plan search against a baseline simcall built from another revision,
# same machine, one run: for each shipped plan, each one's effort line (loads
# simulated, replications; calls where it counts them) and wall time, and
# the baseline's time over this one's.
#
#   bench/plan-search.sh [REV]   (default 9c49701: the search that certified
#                                every combination it considered)
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:-9c49701}
base=$(mktemp -d)
git worktree add --quiet --detach "$base/tree" "$rev"
trap 'git worktree remove --force "$base/tree"; rm -rf "$base"' EXIT
cargo build --release --quiet
(cd "$base/tree" && CARGO_TARGET_DIR="$base/target" cargo build --release --quiet)
for plan in experiments/plan.toml experiments/turns-plan.toml; do
  echo "$plan"
  times=()
  for bin in "$base/target/release/simcall" ./target/release/simcall; do
    t0=$(date +%s.%N)
    line=$("$bin" plan "$plan" --out "$base/out" | grep '^search:')
    t1=$(date +%s.%N)
    times+=("$(python3 -c "print($t1 - $t0)")")
    name=$([ "$bin" = ./target/release/simcall ] && echo "this   " || echo "$rev")
    printf '  %s: %.1f s; %s\n' "$name" "${times[-1]}" "$line"
  done
  printf '  baseline time / this time: %.1f\n' "$(python3 -c "print(${times[0]} / ${times[1]})")"
done
