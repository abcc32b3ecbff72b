#!/usr/bin/env bash
# Instructions `simulate` executes for 2·10⁵ arrivals of each engine
# benchmark model (Erlang B, Erlang A), counted by callgrind: repeatable for
# the same binary whatever else the machine is doing, so small engine
# changes can be compared where wall-clock noise would hide them.
#   benches/instructions.sh            # needs valgrind
set -euo pipefail
cd "$(dirname "$0")/.."
bench=$(cargo bench --no-default-features --bench engine --no-run --message-format=json 2>/dev/null |
    python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "engine" and m.get("executable"):
        print(m["executable"])')
out=$(mktemp -d)
for model in erlang_b erlang_a; do
    valgrind --tool=callgrind --callgrind-out-file="$out/$model" \
        --toggle-collect='simcall::simulation::simulate*' "$bench" 2e5 1 "$model" >/dev/null 2>&1
    printf '%s: %s instructions in simulate\n' "$model" \
        "$(callgrind_annotate "$out/$model" | awk '/PROGRAM TOTALS/ {print $1}')"
done
rm -rf "$out"
