#!/usr/bin/env bash
# Sandbox under load: `mbx serve` (release, JWT verified on every request) as its own process,
# driven by the load example from a second process: ping and a 2000-row execute. Besides the
# load tool's req/s and latencies, prints the server's own CPU time per request (utime+stime from
# /proc/PID/stat): on a 2-core machine shared by client, server and other builds the wall-clock
# req/s is bounded by the client and the neighbours, the CPU cost per request is not.
# Usage: scripts/load.sh [seconds] [ping concurrency] [execute concurrency]
set -euo pipefail
secs="${1:-10}"
pc="${2:-32}"
ec="${3:-1}"
target="${CARGO_TARGET_DIR:-target}/release"
bin="$target/mbx"
load="$target/examples/load"
[ -x "$bin" ] && [ -x "$load" ] || { echo "build first: cargo build --release --bin mbx --example load" >&2; exit 1; }
port=$((20000 + $$ % 20000))
"$bin" serve --port "$port" >/dev/null 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -s -o /dev/null "http://127.0.0.1:$port/api/agent/v1/ping" && break
  sleep 0.1
done
hz=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for run in "ping $pc" "execute $ec"; do
  set -- $run
  before=$(ticks)
  out=$("$load" --url "http://127.0.0.1:$port" --scenario "$1" --concurrency "$2" --seconds "$secs" --pid "$pid")
  used=$(( $(ticks) - before ))
  echo "$out"
  n=$(sed -E 's/^[A-Za-z]+: ([0-9]+) requests.*/\1/' <<<"$out" | head -1)
  awk -v t="$used" -v hz="$hz" -v n="$n" 'BEGIN {
    us = t / hz * 1e6 / n
    printf "  server CPU: %.2f s for %d requests = %.0f µs/request (one core alone: ~%.0f req/s)\n", t / hz, n, us, 1e6 / us }'
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
