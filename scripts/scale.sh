#!/usr/bin/env bash
# Scale: start `mbx serve --scale S` (a separate process, JWT on every request) for each scale
# given, and time the catalog (search, table details), a 20-row preview and an aggregation
# (sum of TOTAL by CREATED_AT month over all of ORDERS) with the load example, one client each.
# Usage: scripts/scale.sh [seconds per scenario] [scales...]   e.g. scripts/scale.sh 3 1 10
set -euo pipefail
secs="${1:-3}"
shift || true
[ $# -gt 0 ] && scales=("$@") || scales=(1 10)
target="${CARGO_TARGET_DIR:-target}/release"
bin="$target/mbx"
load="$target/examples/load"
[ -x "$bin" ] && [ -x "$load" ] || { echo "build first: cargo build --release --bin mbx --example load" >&2; exit 1; }
port=$((20000 + $$ % 20000))
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null || true' EXIT
for scale in "${scales[@]}"; do
  started=$(date +%s%N)
  "$bin" serve --port "$port" --scale "$scale" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do # at most 60 s to build the data
    curl -s -o /dev/null "http://127.0.0.1:$port/api/agent/v1/ping" && break
    sleep 0.1
  done
  echo "== --scale $scale: serving after $(( ($(date +%s%N) - started) / 1000000 )) ms, RSS $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status)"
  for scenario in search table preview aggregate; do
    "$load" --url "http://127.0.0.1:$port" --scenario "$scenario" --concurrency 1 --seconds "$secs" | head -1
  done
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  pid=""
done
