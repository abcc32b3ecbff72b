#!/usr/bin/env bash
# simcall beside the peer simulators of bench/peers/ (SimPy 4.1.2, Ciw 3.2.7),
# same models, same machine, one run: prints each one's arrivals per second
# and simcall's speed-up over it. The whole `simcall run` command is timed
# (process start, model parsing, statistics), 10^6 arrivals, one replication.
#
#   bench/peers.sh [PEERS]     (default: bench/peers; the folder holds
#                              simpy_bench.py and ciw_bench.py)
set -euo pipefail
cd "$(dirname "$0")/.."
peers=${1:-bench/peers}
python3 -m pip install --quiet simpy==4.1.2 ciw==3.2.7
cargo build --release --quiet
n=1000000
for model in erlangb erlanga; do
  t0=$(date +%s.%N)
  ./target/release/simcall --threads 1 run "bench/models/$model.toml" --json > /tmp/simcall-$model.json
  t1=$(date +%s.%N)
  ours=$(python3 -c "print($n / ($t1 - $t0))")
  printf '%s: simcall %.0f arrivals/s (whole command)\n' "$model" "$ours"
  for peer in simpy ciw; do
    line=$(python3 "$peers/${peer}_bench.py" "$model" "$n" 1)
    theirs=$(echo "$line" | sed -E 's/.*arrivals\/s=([0-9,]+).*/\1/' | tr -d ,)
    printf '  %s: %s arrivals/s; simcall is %.0fx faster\n' "$peer" "$theirs" "$(python3 -c "print($ours / $theirs)")"
  done
done
