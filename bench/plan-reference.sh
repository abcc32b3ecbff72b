#!/usr/bin/env bash
# The reference the certified capacities of experiments/plan.toml are
# checked against: each chosen combination of plans (trunk, platform,
# ElevenLabs connections, LLM tokens per minute) simulated with
# models/plan-stack.toml at loads around its boundary, REPS replications
# each (default 1000), and the busy-hour load where the SLA's worst
# objective (its control-variate estimate: the pooled fraction) crosses
# its limit, interpolated linearly between the loads on either side.
#
#   bench/plan-reference.sh [REPS]
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-1000}
cargo build --release --quiet
python3 - "$reps" <<'PY'
import json, subprocess, sys
reps = int(sys.argv[1])
# name: trunk channels, platform slots, ElevenLabs connections, LLM TPM, busy-hour loads (Erl)
combos = {
    "Starter, 40 channels, Scale (30), 100k TPM": (40, 50, 30, 100000, [17.8, 18.2, 18.6, 19.0, 19.4]),
    "Starter, 40 channels, Business + burst (90), 500k TPM": (40, 50, 90, 500000, [27.2, 27.6, 28.0, 28.4, 28.8]),
    "Starter, 80 channels, Business + burst (90), 500k TPM": (80, 50, 90, 500000, [35.8, 36.2, 36.6, 37.0, 37.4]),
    "Growth, 80 channels, Business + burst (90), 500k TPM": (80, 200, 90, 500000, [62.4, 63.2, 64.0, 64.8]),
}
for name, (trunk, platform, tts, tpm, loads) in combos.items():
    worst = []
    for erl in loads:
        sets = {"limits.trunk.capacity": trunk, "limits.platform.capacity": platform,
                "limits.tts-connections.capacity": tts, "limits.llm-key.tokens_per_minute": tpm,
                "sources.inbound.arrivals.scale": 0.25 * erl / 15, "run.replications": reps, "run.seed": 99991}
        cmd = ["./target/release/simcall", "run", "models/plan-stack.toml", "--json", "--yes"]
        for k, v in sets.items():
            cmd += ["--set", f"{k}={v}"]
        d = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
        ratio = max((o["controlled"]["mean"] if o.get("controlled") else o["value"]["mean"]) / o["objective"]["limit"]
                    for o in d["sla"]["objectives"] if o["objective"]["limit"] > 0)
        worst.append(ratio)
        print(f"  {name} at {erl} Erl: worst objective {ratio:.3f} of its limit", flush=True)
    cross = [a + (1 - ra) * (b - a) / (rb - ra) for (a, ra), (b, rb) in zip(zip(loads, worst), zip(loads[1:], worst[1:])) if ra <= 1 < rb]
    print(f"{name}: the SLA's boundary at {cross[0]:.2f} busy-hour Erl" if cross else f"{name}: no crossing in {loads}")
PY
