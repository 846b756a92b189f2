#!/usr/bin/env bash
# soak/run.sh: route messages through one luna router for SOAK_SECS (600)
# from 4 senders to one target, and print the router's resident memory at
# the start and at the end (it must stay flat). Loopback only; every process
# is bounded by a timeout and stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
LUNA=${LUNA:-../bin/luna}
SECS=${SOAK_SECS:-600}
LOG=$(mktemp -d -t luna-soak.XXXXXX)
export LOAD_MAX_S=$((SECS + 60))
pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

start() { # start LOG ARGS...
    local log=$1; shift
    timeout -k 2 $((SECS + 90)) "$LUNA" "$@" >"$log" 2>&1 &
    pids+=($!)
}
wait_line() { # wait_line LOG PREFIX
    for _ in $(seq 1 200); do grep -q "^$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
    echo "soak: no '$2' in $1" >&2; cat "$1" >&2; exit 1
}
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

start "$LOG/router.log" lua/load_router.lua 64
wait_line "$LOG/router.log" READY
port=$(awk '/^READY/ {print $2; exit}' "$LOG/router.log")
router_pid=$(pgrep -f "lua/load_router.lua 64" | sort -n | tail -1)
per=2000000000
start "$LOG/target.log" lua/load_target.lua "$port" 4 "$per"
target_wrapper=${pids[-1]}
wait_line "$LOG/target.log" "TARGET READY"
for i in 1 2 3 4; do start "$LOG/sender$i.log" lua/load_sender.lua "$port" "$i" "$per"; done

sleep 5 # warm-up: buffers reach their working size
rss0=$(rss_kib "$router_pid")
echo "soak: router pid $router_pid, RSS at start ${rss0} KiB; running ${SECS}s (logs: $LOG)"
for ((t = 0; t < SECS; t += 60)); do
    sleep $((SECS - t < 60 ? SECS - t : 60))
    echo "soak: t=$((t + 60 < SECS ? t + 60 : SECS))s RSS $(rss_kib "$router_pid") KiB"
done
rss1=$(rss_kib "$router_pid")
echo "soak: RSS start ${rss0} KiB, end ${rss1} KiB, growth $(((rss1 - rss0) * 100 / rss0))%"
kill -TERM "$target_wrapper"
wait_line "$LOG/target.log" "TARGET TOTAL"
echo "soak: $(grep '^TARGET TOTAL' "$LOG/target.log") (messages routed, checked in order)"
grep -h "ERROR\|OUT OF ORDER" "$LOG"/*.log && { echo "soak: errors above" >&2; exit 1; }
echo "soak: ok"
