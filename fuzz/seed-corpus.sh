#!/usr/bin/env bash
# Seeds the fuzz corpora from the shipped files.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/model corpus/experiment corpus/units
cp ../models/*.toml corpus/model/
cp ../experiments/*.toml corpus/experiment/
for u in 250ms 5s 3m 1h30m 2d 12/min 3/s 45erl "20 erl" 1e13/s mon monday; do
    printf '%s' "$u" > "corpus/units/$(printf '%s' "$u" | tr -c 'a-z0-9' '_')"
done
