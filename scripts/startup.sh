#!/usr/bin/env bash
# Start-up: run the explorer against its in-process sandbox in a detached tmux terminal N times
# and read, from its --log-file, "sandbox ready after X ms" (the sandbox's own start-up) and
# "first frame with data after Y ms" (from the start of the explorer, right after argument
# parsing, to the first frame that shows the catalog's database tree; `--sandbox latest`, whose
# server lists databases). Prints min / median of each, and the
# wall time from launching tmux to that log line (includes tmux and exec).
# Usage: scripts/startup.sh [runs] [binary]
set -euo pipefail
runs="${1:-10}"
bin="${2:-${CARGO_TARGET_DIR:-target}/release/mbx}"
[ -x "$bin" ] || { echo "build first: cargo build --release" >&2; exit 1; }
dir=$(mktemp -d)
session="mbx-startup-$$"
trap 'tmux kill-session -t "$session" 2>/dev/null || true; rm -rf "$dir"' EXIT
sandbox=() first=() outside=()
for i in $(seq 1 "$runs"); do
  log="$dir/run$i.log"
  launched=$(date +%s%N)
  tmux new-session -d -s "$session" -x 200 -y 50 "$bin --sandbox latest --no-history --log-file $log"
  line=""
  for _ in $(seq 1 100); do # at most 5 s
    line=$(grep -h "first frame with data after" "$log" 2>/dev/null || true)
    [ -n "$line" ] && break
    sleep 0.05
  done
  tmux kill-session -t "$session" 2>/dev/null || true
  [ -n "$line" ] || { echo "run $i: no data frame within 5 s (log: $(cat "$log" 2>/dev/null))" >&2; exit 1; }
  stamp=$(awk '{print $1}' <<<"$line")
  logged=$(date -d "$stamp" +%s%N)
  outside+=("$(( (logged - launched) / 1000 ))")
  first+=("$(sed -E 's/.*first frame with data after ([0-9.]+) ms.*/\1/' <<<"$line")")
  sandbox+=("$(grep -h "sandbox ready after" "$log" | sed -E 's/.*sandbox ready after ([0-9.]+) ms.*/\1/')")
  sleep 0.2
done
stats() { sort -n | awk '{a[NR]=$1} END {printf "min %.1f ms, median %.1f ms, max %.1f ms", a[1], (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2), a[NR]}'; }
echo "runs: $runs ($bin)"
echo "first frame with data (in-process):    $(printf '%s\n' "${first[@]}" | stats)"
echo "  of which the sandbox's start-up:     $(printf '%s\n' "${sandbox[@]}" | stats)"
echo "launch (tmux) to first data frame:     $(printf '%s\n' "${outside[@]}" | awk '{printf "%.1f\n", $1/1000}' | stats)"
