#!/usr/bin/env bash
# tests/bench/run.sh: luna's benchmark suite. Runs real luna processes on
# 127.0.0.1 (servers listen on port 0 and print "READY <port>") and prints one
# table, with the C++ reference's figures and our ratio to them. fanin/N
# rows are followed by the kernel floor for the same traffic (fanin.c: epoll
# and read in C, no Lua), when its source and gcc are there.
#
#   tests/bench/run.sh [filter]      (make bench runs it after the Go benchmarks)
#
# filter: only cases whose "bench/case" contains it (oneway, pingpong, router/hash, slow, ...).
# Environment (all optional):
#   LUNA                the binary                                  (bin/luna of this repo)
#   BENCH_SECS          measured seconds per case                   (3)
#   BENCH_WINDOW_BYTES  bytes in flight, oneway and router          (1048576)
#   BENCH_NSVC          services behind the router                  (3)
#   BENCH_TRIES         attempts per case before FAIL               (2)
#   BENCH_PAIRS         turns of a case and what its ratio is to (BENCH_REF's run, or
#                       fanin/*'s floor), alternating; the row is the turn whose ratio
#                       is the median, with the range beside it (1; 5 on a noisy machine)
#   BENCH_HARD_TIMEOUT  limit for any one client process, seconds   (BENCH_SECS + 20)
#   BENCH_FILTER        same as the filter argument
#   BENCH_LOGDIR        keep the process logs there                 (temporary, removed when all passed)
#   BENCH_REF           a C++ luna binary: run every case but router/* on it too, in
#                       turn with ours, and take the ratio to what it measured
#   BENCH_REF_PORT      first port for BENCH_REF's servers (it cannot listen on port 0) (23100)
#   BENCH_FANIN_C       the kernel-floor program for fanin/*          (../shared/bench/limit/fanin.c)
#   BENCH_CONNS         the fan-in connection counts                  ("1 100 1000 3000 10000")
#   BENCH_SLOW_RATE     slow/*: calls a second to each service        (20000)
#   BENCH_SLOW_CACHE    slow/*: the router's send cache per peer      (1048576)
#   GO                  the go command, for the Go version in the header (go)
# Exit status: 0 when every case produced a result, 1 otherwise.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LUA="$HERE/lua"
LUNA=${LUNA:-$ROOT/bin/luna}
SECS=${BENCH_SECS:-3}
WINDOW=${BENCH_WINDOW_BYTES:-1048576}
NSVC=${BENCH_NSVC:-3}
TRIES=${BENCH_TRIES:-2}
PAIRS=${BENCH_PAIRS:-1}
HARD=${BENCH_HARD_TIMEOUT:-$(awk -v s="$SECS" 'BEGIN { printf "%d", s + 20 }')}
FILTER=${1:-${BENCH_FILTER:-}}
KEEP_LOGS=${BENCH_LOGDIR:+1}
LOGDIR=${BENCH_LOGDIR:-$(mktemp -d -t luna-bench.XXXXXX)}
mkdir -p "$LOGDIR"

REF=${BENCH_REF:-}
REF_PORT=${BENCH_REF_PORT:-23100}
FANIN_C=${BENCH_FANIN_C:-$ROOT/../shared/bench/limit/fanin.c}
CONNS=${BENCH_CONNS:-1 100 1000 3000 10000}

[ -x "$LUNA" ] || { echo "bench: not executable: $LUNA (run make build)" >&2; exit 2; }
[ -z "$REF" ] || [ -x "$REF" ] || { echo "bench: BENCH_REF not executable: $REF" >&2; exit 2; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null # fanin/10000: 10 000 descriptors in each process

# every background process is a `timeout -k 2` wrapper (it passes SIGTERM on
# to luna); PIDS holds the ones not yet reaped, so no PID is signalled after
# it could have been reused
PIDS=()
stop_pid() {
    local p=$1 i q keep=()
    if kill -0 "$p" 2>/dev/null; then
        kill -TERM "$p" 2>/dev/null
        for i in $(seq 1 60); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
        kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
    fi
    wait "$p" 2>/dev/null
    for q in "${PIDS[@]}"; do [ "$q" = "$p" ] || keep+=("$q"); done
    PIDS=("${keep[@]}")
    return 0
}
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do stop_pid "$p"; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Scripts get their key=value arguments both on the command line and in
# BENCH_ARGS, and find common.lua through BENCH_LUA: the C++ reference has no
# `arg`. BIN is the binary they run on (LUNA, or REF for a reference run).
BIN=$LUNA
# start_bg LIMIT_S LOG SCRIPT ARGS...: start a luna script in the background (sets BG)
start_bg() {
    local limit=$1 log=$2 script=$3
    shift 3
    BENCH_LUA="$LUA" BENCH_ARGS="$*" timeout -k 2 "$limit" "$BIN" "$LUA/$script" "$@" >"$log" 2>&1 &
    BG=$!
    PIDS+=("$BG")
}
# run_fg LOG SCRIPT ARGS...: run a luna client, bounded by HARD
run_fg() {
    local log=$1 script=$2
    shift 2
    BENCH_LUA="$LUA" BENCH_ARGS="$*" timeout -k 2 "$HARD" "$BIN" "$LUA/$script" "$@" >"$log" 2>&1
}
# server_port: what a server listens on: 0 (it prints the port it got), or
# for the reference, which cannot report it, the next of REF_PORT
server_port() {
    if [ "$BIN" = "$LUNA" ]; then echo 0; else REF_PORT=$((REF_PORT + 1)); echo "$REF_PORT"; fi
}
# wait_line LOG PID PREFIX: up to 5 s for a line starting with PREFIX
wait_line() {
    local i
    for i in $(seq 1 100); do
        grep -q "^$3" "$1" 2>/dev/null && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}
# wait_exit PID: up to 3 s for a process to leave on its own, then stop it
wait_exit() {
    local i
    for i in $(seq 1 60); do kill -0 "$1" 2>/dev/null || break; sleep 0.05; done
    stop_pid "$1"
}
kv() { # kv LINE KEY
    local x
    for x in $1; do case "$x" in "$2="*) echo "${x#*=}"; return ;; esac; done
    echo "-"
}
want() { [ -z "$FILTER" ] || [[ "$1" == *"$FILTER"* ]]; }

# ------------------------------------------------------------------ reference
# C++ luna 19e134d on the same machine class (2 vCPU VM, BENCH_SECS=3, 1 MiB
# window, no TCP_NODELAY): the middle of its 3 runs, from the benchmark kit's README.
REF_LINE="reference (C++ luna 19e134d, same machine class): oneway int 1.2M calls/s, s64 1.13M calls/s, s1k 25 MB/s, table 0.92M calls/s; pingpong 11 rt/s (14k with TCP_NODELAY); router hash 310k, random 350k, master 930k, broadcast-to-3 310k deliveries/s; C++ 4468dd6^ measured beside ours 2026-12-01: lowrate (one connection at 1000 calls/s) server 12-35 us CPU per call over two days, as ours moved (no ratio without BENCH_REF), fanin/1 705 calls/s (no TCP_NODELAY), fanin/100 327k calls/s, fanin/1000 155-205k calls/s and 70-96k on days its floor read half as fast (no ratio to these without BENCH_REF), idle/5000 1.30 KiB per connection (6.5 after one call each); it listens with a backlog of 16, so a storm of connects loses handshakes its client counts as up: its fanin client opens 16 at a time; BENCH_REF=its binary measures it here"
# ref_of CASE -> "value unit label": what the ratio compares (rate, or MB/s for s1k)
ref_of() {
    case "$1" in
        oneway/int) echo "1200000 rate 1.2M/s" ;;
        oneway/s64) echo "1130000 rate 1.13M/s" ;;
        oneway/s1k) echo "25 mbps 25MB/s" ;;
        oneway/table) echo "920000 rate 0.92M/s" ;;
        pingpong/int) echo "11 rate 11/s" ;;
        lowrate/int) echo "- srv_us_call -" ;; # it moves with the machine's state: BENCH_REF
        fanin/*) echo "- rate -" ;; # as lowrate: they move with the machine (the floor row is beside them)
        idle/*) echo "1.30 idle_kib 1.30KiB(4468dd6^)" ;;
        router/hash) echo "310000 rate 310k/s" ;;
        router/random) echo "350000 rate 350k/s" ;;
        router/master) echo "930000 rate 930k/s" ;;
        router/broadcast) echo "310000 rate 310k/s" ;;
        slow/*) echo "- rate -" ;;
        *) echo "- - -" ;;
    esac
}

# ratio UNIT OURS REF: how many times better ours is: REF / OURS for the
# units where smaller is better, OURS / REF otherwise; "-" without both
ratio() {
    awk -v u="$1" -v a="$2" -v b="$3" 'BEGIN {
        if (a == "-" || b == "-" || a <= 0 || b <= 0) { print "-"; exit }
        if (u == "srv_us_call" || u == "idle_kib") printf "%.2f", b / a; else printf "%.2f", a / b }'
}
# ratio_x UNIT OURS REF: ratio with an "x" ("-" stays "-")
ratio_x() {
    local r
    r=$(ratio "$@")
    [ "$r" = - ] || r=${r}x
    echo "$r"
}
# median_at RATIO...: the index of the median of the ratios given, leaving
# out the "-" of failed turns (the lower middle of an even count); empty
# when every turn failed
median_at() {
    printf '%s\n' "$@" | awk '$1 != "-" { print NR - 1, $1 }' | sort -k2 -g |
        awk '{ at[n++] = $1 } END { if (n) print at[int((n - 1) / 2)] }'
}
# ratio_stats RATIO...: "COUNT LO HI MEDIAN" of the ratios given, leaving
# out the "-" of failed turns (the median is the lower middle of an even
# count); empty when none is left
ratio_stats() {
    printf '%s\n' "$@" | awk 'NF && $1 != "-"' | sort -g |
        awk '{ v[n++] = $1 } END { if (n) print n, v[0], v[n - 1], v[int((n - 1) / 2)] }'
}
# turns_note RATIO...: which turn stands and the range of the ratios, for
# BENCH_PAIRS (empty for one turn)
turns_note() {
    local n lo hi med
    read -r n lo hi med <<<"$(ratio_stats "$@")"
    [ "${n:-0}" -gt 1 ] && printf 'the median of %d alternating turns by ratio, %.2fx to %.2fx' "$n" "$lo" "$hi"
    return 0
}
# spread RATIO...: "MEDIANx (LOx to HIx)" of the ratios given; empty when
# every one is "-"
spread() {
    local n lo hi med
    read -r n lo hi med <<<"$(ratio_stats "$@")"
    [ -n "$n" ] && printf '%.2fx (%.2fx to %.2fx)' "$med" "$lo" "$hi"
    return 0
}

FAILED=0
FMT="%-9s %-10s %10s %7s %10s %9s %8s %8s %9s %8s  %s\n"
row() { printf "$FMT" "$@"; }

# result NAME LINE NOTE [REFLINE]: print the table row of one case; with
# REFLINE (BENCH_REF's run of the same case) the ratio is to what it measured
result() {
    local name=$1 line=$2 note=$3 refline=${4:-} bench case ref unit label ours ratio mb p50 p99
    bench=${name%%/*}
    case=${name#*/}
    read -r ref unit label <<<"$(ref_of "$name")"
    if [ -n "$refline" ]; then
        if [[ "$refline" == RESULT* ]]; then
            ref=$(kv "$refline" "$unit")
            label="$ref(${REF_WHAT:-measured})"
        else
            ref=- label="FAIL(measured)" note="$note; reference: ${refline:0:160}"
        fi
    fi
    if [[ "$line" != RESULT* ]]; then
        FAILED=1
        row "$bench" "$case" - - FAIL - - - "$label" - "${line:0:200}"
        return
    fi
    mb=$(kv "$line" mbps) p50=$(kv "$line" p50_us) p99=$(kv "$line" p99_us)
    ours=$(kv "$line" "$unit")
    ratio=$(ratio_x "$unit" "$ours" "$ref")
    row "$bench" "$case" "$(kv "$line" n)" "$(kv "$line" secs)" "$(kv "$line" rate)" "$mb" "$p50" "$p99" \
        "$label" "$ratio" "$note"
}

# ------------------------------------------------------ sink.lua and a client
# pair CLIENT TAG: sink.lua (with SRV_ARGS) and CLIENT (with CLI_ARGS, then
# REF_CLI_ARGS on the reference, and the server's port) on BIN, a fresh pair
# per attempt, up to TRIES; sets LINE (the client's RESULT or ERROR line) and
# TRY (the attempts made)
SRV_ARGS=()
CLI_ARGS=()
REF_CLI_ARGS=()
pair() {
    local client=$1 tag=$2 log slog spid port args=("${CLI_ARGS[@]}")
    [ "$BIN" = "$LUNA" ] || args+=("${REF_CLI_ARGS[@]}")
    for TRY in $(seq 1 "$TRIES"); do
        slog="$LOGDIR/${tag}_server_$TRY.log"
        log="$LOGDIR/${tag}_client_$TRY.log"
        start_bg $((HARD + 5)) "$slog" sink.lua port="$(server_port)" max_s=$((HARD + 5)) "${SRV_ARGS[@]}"
        spid=$BG
        if ! wait_line "$slog" "$spid" READY; then
            stop_pid "$spid"
            LINE="ERROR server did not start: $(tail -1 "$slog")"
            continue
        fi
        port=$(awk '/^READY/ { print $2; exit }' "$slog")
        run_fg "$log" "$client" port="$port" "${args[@]}"
        wait_exit "$spid"
        LINE=$(grep -m1 -E '^(RESULT|ERROR)' "$log")
        [[ "$LINE" == RESULT* ]] && return
        [ -n "$LINE" ] || LINE="ERROR client gave no result (exit by timeout?) log=$log"
        grep -h -m1 'ERROR' "$slog" >/dev/null && LINE="$LINE | server: $(grep -h -m1 'ERROR' "$slog")"
    done
}
# turns N FN ARGS...: runs FN ARGS K for K = 1..N, a turn each; FN sets
# LINE, REFLINE, FLOOR and TRY, and RATIO, what the turn is judged by. The
# turn whose RATIO is the median is the one left set (the last one when no
# turn has a ratio), and TURNS_NOTE gives the range (empty for one turn).
turns() {
    local n=$1 fn=$2 k i lines=() refs=() floors=() tries=() ratios=()
    shift 2
    for k in $(seq 1 "$n"); do
        "$fn" "$@" "$k"
        lines+=("$LINE") refs+=("$REFLINE") floors+=("$FLOOR") tries+=("$TRY") ratios+=("$RATIO")
    done
    TURNS_NOTE=$(turns_note "${ratios[@]}")
    i=$(median_at "${ratios[@]}")
    [ -n "$i" ] || return 0
    LINE=${lines[$i]} REFLINE=${refs[$i]} FLOOR=${floors[$i]} TRY=${tries[$i]}
}
# ref_turn CLIENT TAG UNIT K: pair on the reference when BENCH_REF is set,
# then on ours; RATIO by UNIT (see ratio)
ref_turn() {
    local client=$1 tag=$2 unit=$3 k=$4
    REFLINE= FLOOR=
    if [ -n "$REF" ]; then
        BIN=$REF
        pair "$client" "ref_${tag}_$k" 2>/dev/null # the reference may abort at exit ("corrupted double-linked list")
        BIN=$LUNA
        REFLINE=$LINE
    fi
    pair "$client" "${tag}_$k"
    RATIO=$(ratio "$unit" "$(kv "$LINE" "$unit")" "$(kv "$REFLINE" "$unit")")
}
# measure CLIENT TAG UNIT TURNS: ref_turn, TURNS times with a reference (the
# median one stands); sets LINE, TRY, REFLINE and TURNS_NOTE
measure() {
    local n=1
    [ -n "$REF" ] && n=$4
    turns "$n" ref_turn "$1" "$2" "$3"
}

# rpc_case MODE PAYLOAD: the oneway, pingpong and lowrate cases (client.lua)
rpc_case() {
    local mode=$1 payload=$2 name="$1/$2" note="" unit
    want "$name" || return 0
    SRV_ARGS=()
    CLI_ARGS=(mode="$mode" payload="$payload" secs="$SECS" window="$WINDOW" max_s="$HARD")
    read -r _ unit _ <<<"$(ref_of "$name")"
    measure client.lua "${mode}_${payload}" "$unit" "$PAIRS"
    if [[ "$LINE" == RESULT* ]]; then
        case $mode in
        oneway) note="frame=$(kv "$LINE" frame)B W=$(kv "$LINE" window)" ;;
        lowrate) note="server $(kv "$LINE" srv_us_call) us/call, client $(kv "$LINE" cli_us_call) us/call; ratio: reference us/call / ours" ;;
        pingpong) note="max=$(kv "$LINE" max_us)us; ref w/ TCP_NODELAY 14k/s: $(awk -v a="$(kv "$LINE" rate)" 'BEGIN { printf "%.2fx", a / 14000 }')" ;;
        esac
    fi
    [ "$TRY" -gt 1 ] && note="$note attempts=$TRY"
    [ -n "$TURNS_NOTE" ] && note="$note; $TURNS_NOTE"
    result "$name" "$LINE" "$note" "$REFLINE"
}

# ---------------------------------------------------------- many connections
# floor N: the kernel floor for fanin/N (fanin.c: epoll, read and parse, no
# Lua), built once into LOGDIR; sets FLOOR (its RECEIVER line, or empty)
FANIN_BIN=
floor() {
    FLOOR=
    if [ -z "$FANIN_BIN" ]; then
        [ -f "$FANIN_C" ] && command -v gcc >/dev/null || return 0
        gcc -O2 -o "$LOGDIR/fanin" "$FANIN_C" 2>"$LOGDIR/fanin_build.log" || return 0
        FANIN_BIN=$LOGDIR/fanin
    fi
    FLOOR=$(timeout -k 2 "$HARD" "$FANIN_BIN" -c "$1" -t "$SECS" 2>&1 | grep -m1 '^RECEIVER')
}
# fanin_turn N K: a turn of fanin/N, ours (and the reference) then the
# floor; RATIO is our CPU per call over the floor's, REF_RATIOS (which
# fanin_case empties) gets our calls/s over the reference's, and
# FLOOR_REF_RATIOS the floor's over the reference's (what any TCP_NODELAY
# sender could reach against it)
fanin_turn() {
    measure crowd.lua "fanin_$1_t$2" rate 1
    REF_RATIOS+=("$(ratio rate "$(kv "$LINE" rate)" "$(kv "$REFLINE" rate)")")
    floor "$1"
    FLOOR_REF_RATIOS+=("$(ratio rate "$(kv "$FLOOR" rate)" "$(kv "$REFLINE" rate)")")
    RATIO=$(ratio srv_us_call "$(kv "$FLOOR" cpu_us_per_frame)" "$(kv "$LINE" srv_us_call)")
}
# fanin_case N: N connections from one client, one call per connection per
# client loop (crowd.lua), then the floor program with the same N
fanin_case() {
    local n=$1 name="fanin/$1" note fl
    want "$name" || return 0
    SRV_ARGS=(conns="$n")
    CLI_ARGS=(mode=fanin conns="$n" secs="$SECS" max_s="$HARD")
    # the reference listens with a backlog of 16: a storm of connects loses
    # handshakes its client counts as up, so its client opens 16 at a time
    local REF_CLI_ARGS=(pace=16)
    REF_RATIOS=() FLOOR_REF_RATIOS=()
    turns "$PAIRS" fanin_turn "$n"
    note="server $(kv "$LINE" srv_us_call) us/call"
    if [ -n "$FLOOR" ]; then
        fl=$(kv "$FLOOR" cpu_us_per_frame)
        note="$note (floor $fl: $(ratio_x srv_us_call "$fl" "$(kv "$LINE" srv_us_call)"))"
    fi
    [[ "$REFLINE" == RESULT* ]] && note="$note, the reference's $(kv "$REFLINE" srv_us_call)"
    note="$note; TCP segments a call $(kv "$LINE" segs_call)"
    [[ "$REFLINE" == RESULT* ]] && note="$note, the reference's $(kv "$REFLINE" segs_call)"
    note="$note; all up in $(kv "$LINE" up_s) s, kept $(kv "$LINE" kept), server RSS $(kv "$LINE" srv_rss_kib) KiB"
    [ "$TRY" -gt 1 ] && note="$note attempts=$TRY"
    [ -n "$TURNS_NOTE" ] && note="$note; $TURNS_NOTE over the floor"
    [ -n "$TURNS_NOTE" ] && [ -n "$REF" ] && note="$note; calls/s over the reference's, all turns: $(spread "${REF_RATIOS[@]}")"
    [ -n "$REF" ] && [ -n "$FLOOR" ] && note="$note; the floor's calls/s over the reference's, all turns: $(spread "${FLOOR_REF_RATIOS[@]}")"
    result "$name" "$LINE" "$note" "$REFLINE"
    if [ -n "$FLOOR" ]; then
        row floor "fanin/$n" "$(kv "$FLOOR" frames)" "$(kv "$FLOOR" secs)" "$(kv "$FLOOR" rate)" - - - - - \
            "fanin.c: receiver $(kv "$FLOOR" cpu_us_per_frame) us/frame, no Lua"
    fi
}
# idle_case N: resident memory per connection of a server holding N idle ones
idle_case() {
    local n=$1 name="idle/$1" note=
    want "$name" || return 0
    SRV_ARGS=(conns="$n")
    CLI_ARGS=(mode=idle conns="$n" max_s="$HARD")
    measure crowd.lua "idle_$n" idle_kib "$PAIRS"
    [[ "$LINE" == RESULT* ]] && [ "$(kv "$LINE" kept)" != "$n" ] && LINE="ERROR the server holds $(kv "$LINE" kept) of $n connections"
    [[ "$REFLINE" == RESULT* ]] && [ "$(kv "$REFLINE" kept)" != "$n" ] && note="the reference held $(kv "$REFLINE" kept) of $n; "
    [[ "$REFLINE" == RESULT* ]] && note="${note}reference: $(kv "$REFLINE" idle_kib) idle ($(kv "$REFLINE" rss_kib) in VmRSS), $(kv "$REFLINE" marginal_kib) from $((n / 5)) to $n, $(kv "$REFLINE" called_kib) after one call each; "
    note="${note}KiB per connection (anonymous): $(kv "$LINE" idle_kib) idle (Lua $(kv "$LINE" lua_kib); $(kv "$LINE" rss_kib) in VmRSS), $(kv "$LINE" marginal_kib) from $((n / 5)) to $n, $(kv "$LINE" called_kib) after one call each; up in $(kv "$LINE" up_s) s; ratio: reference KiB / ours, idle"
    [ -n "$TURNS_NOTE" ] && note="$note; $TURNS_NOTE"
    result "$name" "$LINE" "$note" "$REFLINE"
}

# ---------------------------------------------------------------------- router
CLUSTER=()
ROUTER_PORT=
ROUTER_LOG=
cluster_down() {
    local p
    for p in "${CLUSTER[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${CLUSTER[@]}"; do stop_pid "$p"; done
    CLUSTER=()
}
# cluster_up N: router (with ROUTER_ARGS) + NSVC services (service 1 is the
# group's master; the last one handles at most LAST_CAP calls/s when that is
# set); on failure, UP_ERR says why
ROUTER_ARGS=()
LAST_CAP=0
cluster_up() {
    local n=$1 i limit=$(((HARD + 5) * 4 * TRIES)) rpid master cap
    ROUTER_LOG="$LOGDIR/router_$n.log"
    start_bg "$limit" "$ROUTER_LOG" router.lua max_s="$limit" "${ROUTER_ARGS[@]}"
    rpid=$BG
    CLUSTER=("$rpid")
    wait_line "$ROUTER_LOG" "$rpid" READY || { UP_ERR="router did not start: $(tail -1 "$ROUTER_LOG")"; return 1; }
    ROUTER_PORT=$(awk '/^READY/ { print $2; exit }' "$ROUTER_LOG")
    for i in $(seq 1 "$NSVC"); do
        master=0 cap=0
        [ "$i" = 1 ] && master=1
        [ "$i" = "$NSVC" ] && cap=$LAST_CAP
        start_bg "$limit" "$LOGDIR/service_${n}_$i.log" service.lua port="$ROUTER_PORT" index="$i" \
            master="$master" cap="$cap" max_s="$limit"
        CLUSTER+=("$BG")
        wait_line "$LOGDIR/service_${n}_$i.log" "$BG" REGISTERED ||
            { UP_ERR="service $i did not register: $(tail -1 "$LOGDIR/service_${n}_$i.log")"; return 1; }
    done
}
router_cases() {
    local modes=() m try line log note ups=0 why
    for m in hash random master broadcast; do want "router/$m" && modes+=("$m"); done
    [ ${#modes[@]} -gt 0 ] || return 0
    for m in "${modes[@]}"; do
        for try in $(seq 1 "$TRIES"); do
            if [ ${#CLUSTER[@]} -eq 0 ]; then
                ups=$((ups + 1))
                if ! cluster_up "$ups"; then
                    cluster_down
                    line="ERROR $UP_ERR"
                    continue
                fi
            fi
            log="$LOGDIR/router_${m}_client_$try.log"
            run_fg "$log" fwd_client.lua port="$ROUTER_PORT" mode="$m" nsvc="$NSVC" secs="$SECS" \
                window="$WINDOW" max_s="$HARD"
            line=$(grep -m1 -E '^(RESULT|ERROR)' "$log")
            [[ "$line" == RESULT* ]] && break
            [ -n "$line" ] || line="ERROR client gave no result (exit by timeout?) log=$log"
            why=$(cat "$LOGDIR"/router_"$ups".log "$LOGDIR"/service_"$ups"_*.log | grep -m1 'ERROR')
            [ -n "$why" ] && line="$line | cluster: $why"
            cluster_down # a fresh router and services for the next attempt
        done
        note=""
        [[ "$line" == RESULT* ]] && note="sent/s=$(kv "$line" sent_rate) per_svc=$(kv "$line" per_svc)"
        [ "$try" -gt 1 ] && note="$note attempts=$try"
        result "router/$m" "$line" "$note"
    done
    cluster_down
}
# ----------------------------------------------------------------- slow target
# slow/none, slow/drop, slow/close: the client sends forward_target ticks of
# 1 KiB to each of NSVC services, SLOW_RATE a second each, through a router
# that gives every peer a SLOW_CACHE-byte send cache. In drop and close the
# last service handles only a tenth of that rate, and the router's overflow
# policy for a full cache is drop or close (slow/none: drop, nothing slow).
# What must not move: the other services' throughput and latency (the ratio
# is to slow/none of the same run) and the router's memory (its peak growth
# stays under the cache).
SLOW_RATE=${BENCH_SLOW_RATE:-20000}
SLOW_CACHE=${BENCH_SLOW_CACHE:-1048576}
# status_kib WRAPPER FIELD: a /proc status field (VmRSS, VmHWM), in KiB, of
# the luna process under a start_bg wrapper
status_kib() {
    local p
    p=$(pgrep -P "$1" | head -1)
    awk -v f="$2:" '$1 == f { print $2 }' "/proc/$p/status" 2>/dev/null
}
slow_cases() {
    local m try line log policy slow admin rss0 hwm dropped closed note base=
    for m in none drop close; do
        want "slow/$m" || continue
        policy=$m slow=$NSVC LAST_CAP=$((SLOW_RATE / 10))
        [ "$m" = none ] && policy=drop slow=0 LAST_CAP=0
        ROUTER_ARGS=(cache="$SLOW_CACHE" overflow="$policy" admin=1)
        for try in $(seq 1 "$TRIES"); do
            if ! cluster_up "slow_${m}_$try"; then
                line="ERROR $UP_ERR"
                cluster_down
                continue
            fi
            admin=$(awk '/^ADMIN/ { print $2; exit }' "$ROUTER_LOG")
            rss0=$(status_kib "${CLUSTER[0]}" VmRSS)
            log="$LOGDIR/slow_${m}_client_$try.log"
            run_fg "$log" slow_client.lua port="$ROUTER_PORT" nsvc="$NSVC" slow="$slow" \
                rate="$SLOW_RATE" secs="$SECS" max_s="$HARD"
            hwm=$(status_kib "${CLUSTER[0]}" VmHWM)
            dropped=$(curl -s "http://127.0.0.1:$admin/metrics" |
                awk '$1 == "luna_send_overflow_dropped_total" { print $2 }')
            closed=$(grep -c 'ROUTER_STREAM_ERROR send_cache_full' "$ROUTER_LOG")
            cluster_down
            line=$(grep -m1 -E '^(RESULT|ERROR)' "$log")
            [[ "$line" == RESULT* ]] && break
            [ -n "$line" ] || line="ERROR client gave no result (exit by timeout?) log=$log"
        done
        note="router RSS +$((${hwm:-0} - ${rss0:-0})) KiB at its peak (send cache $((SLOW_CACHE / 1024)) KiB), ${dropped:-0} frames dropped, $closed streams closed (send_cache_full)"
        if [ "$m" = none ]; then
            base=$line
            result "slow/$m" "$line" "$note"
        else
            [[ "$line" == RESULT* && "$base" == RESULT* ]] &&
                note="fast services' p99 $(kv "$line" p99_us) us against $(kv "$base" p99_us) us; $note"
            REF_WHAT=slow/none result "slow/$m" "$line" "$note" "$base"
        fi
    done
    ROUTER_ARGS=() LAST_CAP=0
}
# ----------------------------------------------------------------------- main
T0=$(date +%s)
GOV=$(${GO:-go} version 2>/dev/null | awk '{ print $3 }')
echo "# luna bench suite: $LUNA ($(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "# host: $(uname -sr), $(nproc) cpu(s), load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null), $(date -u +%Y-%m-%dT%H:%M:%SZ), ${GOV:-go n/a}; secs=$SECS window=$WINDOW nsvc=$NSVC tries=$TRIES"
echo "# $REF_LINE"
echo "# logs: $LOGDIR"
row bench case n secs rate/s MB/s p50_us p99_us reference ratio note
rpc_case oneway int
rpc_case oneway s64
rpc_case oneway s1k
rpc_case oneway table
rpc_case pingpong int
rpc_case lowrate int
for c in $CONNS; do fanin_case "$c"; done
idle_case 5000
router_cases
slow_cases
echo "# $(($(date +%s) - T0)) s; ratio = ours / reference (MB/s for s1k, rate/s otherwise; lowrate: reference CPU per call / ours; idle: reference KiB / ours; slow/drop and slow/close: to slow/none); above 1 is better"
if [ "$WINDOW" != 1048576 ] || [ "$NSVC" != 3 ]; then
    echo "# the reference figures are for window=1048576 nsvc=3: these ratios do not compare like with like"
fi
if [ "$FAILED" = 0 ] && [ -z "$KEEP_LOGS" ]; then rm -rf "$LOGDIR"; fi
exit "$FAILED"
