#!/usr/bin/env python3
"""Checks that Cargo.toml's `rust-version` is the real minimum supported Rust
version of the locked dependency tree: the highest `rust-version` any locked
package declares (a lower claim would not build; a higher one over-claims).
Exits 1 with both numbers when they differ."""
import json, subprocess, sys, tomllib

meta = json.loads(subprocess.run(
    ["cargo", "metadata", "--format-version", "1", "--locked"],
    check=True, capture_output=True, text=True).stdout)
resolved = {n["id"] for n in meta["resolve"]["nodes"]}
version = lambda v: tuple(int(x) for x in v.split("."))[:2]
ours = tomllib.load(open("Cargo.toml", "rb"))["package"]["rust-version"]
deps = [(version(p["rust_version"]), p["name"]) for p in meta["packages"]
        if p.get("rust_version") and p["id"] in resolved and p["name"] != "simcall"]
need, who = max(deps)
if version(ours) != need:
    print(f"Cargo.toml says rust-version = {ours}, but {who} needs {need[0]}.{need[1]}: set it to that")
    sys.exit(1)
print(f"rust-version {ours} = the highest of the locked dependencies ({who})")
