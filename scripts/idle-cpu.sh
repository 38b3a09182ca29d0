#!/usr/bin/env bash
# Idle is free: start the explorer in a detached tmux terminal, let it settle, then count the
# CPU ticks (utime+stime from /proc/PID/stat, in clock ticks of 1/CLK_TCK s) it uses over an
# idle window. Usage: scripts/idle-cpu.sh [seconds] [binary]
set -euo pipefail
secs="${1:-5}"
bin="${2:-${CARGO_TARGET_DIR:-target}/release/mbx}"
session="mbx-idle-$$"
[ -x "$bin" ] || { echo "build first: cargo build --release" >&2; exit 1; }
tmux new-session -d -s "$session" -x 200 -y 50 "$bin"
trap 'tmux kill-session -t "$session" 2>/dev/null || true' EXIT
sleep 2 # start-up, first search, first frames
pid=$(tmux list-panes -t "$session" -F '#{pane_pid}')
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
before=$(ticks "$pid")
sleep "$secs"
after=$(ticks "$pid")
hz=$(getconf CLK_TCK)
echo "idle ${secs}s: $((after - before)) CPU ticks (1 tick = 1/${hz} s) for pid $pid"
