#!/usr/bin/env bash
# run.sh: start the example cluster on this machine: 2 routers, 2 gamesvr,
# 2 dbagent, 2 matchsvr, every line prefixed with the process's name.
# SIGINT/SIGTERM to this script stops them all: the services first (they
# unregister from the routers), then the routers, then it waits for every
# one (10 s at most each, then SIGKILL). With Ctrl-C the terminal also sends
# SIGINT to every process of the group at once, so the routers may go
# while services still talk to them: "lost router ... (connection_lost)"
# lines during the shutdown are expected.
#
#   scripts/cluster/run.sh          (or: make run)
#
# Environment:
#   LUNA           the luna binary (default: bin/luna of this repository)
#   LUNA_ROUTERS   the routers' addresses; router n listens on the n-th
#                  (default 127.0.0.1:7001,127.0.0.1:7002)
#   LUNA_HEARTBEAT_MS, LUNA_TICK_MS   passed on to every process
#   RUN_SECS       stop by itself after this many seconds (default: run until Ctrl-C)
set -u

here=$(cd "$(dirname "$0")" && pwd)
LUNA=${LUNA:-$here/../../bin/luna}
export LUNA_ROUTERS=${LUNA_ROUTERS:-127.0.0.1:7001,127.0.0.1:7002}
unset LUNA_LISTEN LUNA_INDEX

if [ ! -x "$LUNA" ]; then
    echo "run.sh: no luna binary at $LUNA (run make build, or set LUNA)" >&2
    exit 1
fi

routers=()
services=()

# start NAME SCRIPT INDEX: run luna in the background, its output prefixed by
# NAME; its pid goes to $last. The prefixing sed ignores INT/TERM so that it
# keeps printing until luna's last line; $! is luna's own pid.
start() {
    local name=$1 file=$2 index=$3
    "$LUNA" "$here/$file" "LUNA_INDEX=$index" \
        > >(trap '' INT TERM; exec sed -u "s/^/$(printf '%-11s|' "$name") /") 2>&1 &
    last=$!
}

stop() {
    trap '' INT TERM
    echo "run.sh: stopping the cluster"
    kill -TERM "${services[@]}" 2>/dev/null
    wait_all 10 "${services[@]}"
    kill -TERM "${routers[@]}" 2>/dev/null
    wait_all 10 "${routers[@]}"
    wait
    echo "run.sh: stopped"
}

# wait_all SECS PID...: wait up to SECS for the pids to exit, then SIGKILL them.
wait_all() {
    local secs=$1; shift
    local deadline=$((SECONDS + secs))
    for pid in "$@"; do
        while kill -0 "$pid" 2>/dev/null; do
            if [ $SECONDS -ge $deadline ]; then
                echo "run.sh: process $pid did not stop in ${secs}s, killing it"
                kill -KILL "$pid" 2>/dev/null
                break
            fi
            sleep 0.1
        done
    done
}

trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM

# listening HOST:PORT: something accepts connections there within a second
# (bash's /dev/tcp)
listening() {
    local host=${1%:*} port=${1##*:}
    host=${host#[}; host=${host%]}
    timeout 1 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$host" "$port" 2>/dev/null
}

IFS=, read -r -a addrs <<< "$LUNA_ROUTERS"
for a in "${addrs[@]}"; do
    if listening "$a"; then
        echo "run.sh: $a is already in use: is the example cluster running already? Stop it (Ctrl-C in its terminal), or give this one other ports: LUNA_ROUTERS=127.0.0.1:7101,127.0.0.1:7102 $0" >&2
        exit 1
    fi
done
for n in $(seq 1 ${#addrs[@]}); do
    start "router.$n" router.lua "$n"; routers+=("$last")
done
# every router must listen before the services start (within 5 s): one that
# cannot stops the run, rather than letting services join another cluster
for n in $(seq 1 ${#addrs[@]}); do
    a=${addrs[$((n - 1))]}
    for _ in $(seq 1 50); do
        listening "$a" && break
        kill -0 "${routers[$((n - 1))]}" 2>/dev/null || break
        sleep 0.1
    done
    if ! listening "$a"; then
        sleep 0.2 # let its last lines out
        echo "run.sh: router $n could not listen on $a (its lines above say why); stopping" >&2
        kill -TERM "${routers[@]}" 2>/dev/null
        wait_all 5 "${routers[@]}"
        exit 1
    fi
done
for i in 1 2; do
    start "dbagent.$i" dbagent.lua "$i"; services+=("$last")
    start "matchsvr.$i" matchsvr.lua "$i"; services+=("$last")
done
for i in 1 2; do
    start "gamesvr.$i" gamesvr.lua "$i"; services+=("$last")
done

if [ -n "${RUN_SECS:-}" ]; then
    sleep "$RUN_SECS" &
    wait $!
    stop
    exit 0
fi
# wait returns when a trapped signal arrives (the trap stops everything and
# exits) or when every process has exited by itself.
wait
