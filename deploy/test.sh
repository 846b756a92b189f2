#!/usr/bin/env bash
# test.sh (make docker-test): the container deployment, tested for real.
#
#   1. builds the image (deploy/build.sh; LUNA_TEST_BUILD=0 uses the existing one)
#   2. checks the image: size, non-root user, luna as the entrypoint
#   3. daemon() is a no-op in a container: as PID 1, and under a shell
#      (/.dockerenv), plus a control run with LUNA_DAEMON=on that must detach
#   4. starts the example cluster (deploy/compose.yaml, project luna-test-PID)
#      and measures the start-up: from `up` to both routers' READY and to the
#      first reply at a game server
#   5. checks that every service registered on both routers and that replies
#      reach both game servers through both routers
#   6. stops router1 (SIGTERM to luna as PID 1: it must exit 0, quickly) and
#      checks that the game servers keep getting replies through router2
#   7. starts router1 again: READY, every service registers again, replies
#      come through it again
#   8. HEALTHCHECK: every container turns healthy (compose's check probes
#      the admin endpoint's /readyz), and router1 serves /metrics
#   and always (trap) tears the cluster and the one-off containers down.
#
# Without a Docker engine it prints "SKIP: no docker engine" and exits 0.
# Every wait is bounded; a failure prints the evidence and exits 1.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."

if ! command -v docker >/dev/null 2>&1 || ! timeout 20 docker info >/dev/null 2>&1; then
    echo "SKIP: no docker engine"
    exit 0
fi
if ! docker compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null 2>&1; then
    echo "SKIP: no docker compose (neither 'docker compose' nor 'docker-compose')"
    exit 0
fi

export LUNA_IMAGE=${LUNA_IMAGE:-luna:latest}
export LUNA_PROJECT=luna-test-$$
run_label=luna-test=$$
tmp=$(mktemp -d)
t_start=$(date +%s)

say()  { echo "docker-test: $*"; }
ok()   { echo "  ok: $*"; }
step() { echo "== $*"; }
compose() { timeout "${COMPOSE_TIMEOUT:-120}" bash "$here/compose.sh" "$@"; }
now()  { date +%s.%N; }
iso()  { date -u +%Y-%m-%dT%H:%M:%S.%NZ; }
# elapsed FROM [TO]: seconds between two `now` values, 2 decimals
elapsed() { awk -v a="$1" -v b="${2:-$(now)}" 'BEGIN { printf "%.2f", b - a }'; }

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    step "teardown"
    compose down -v --remove-orphans -t 10 >"$tmp/down.log" 2>&1 ||
        { cat "$tmp/down.log"; say "compose down failed"; }
    local left
    left=$(docker ps -aq --filter "label=$run_label"; docker ps -aq --filter "label=com.docker.compose.project=$LUNA_PROJECT")
    # shellcheck disable=SC2086
    [ -n "$left" ] && docker rm -f $left >/dev/null 2>&1
    if [ -z "$(docker ps -aq --filter "label=com.docker.compose.project=$LUNA_PROJECT")" ]; then
        ok "cluster $LUNA_PROJECT and its network removed"
    fi
    rm -rf "$tmp"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# fail MSG [SERVICE...]: print MSG and the last log lines of the services.
fail() {
    echo "FAIL: $1"
    shift
    for s in "$@"; do
        echo "---- last lines of $s"
        svc_logs "$s" | tail -n 25
    done
    exit 1
}

cid() { compose ps -q "$1" 2>/dev/null; }
# svc_logs SERVICE [SINCE_ISO] [-t]: the service's container output
svc_logs() {
    local id
    id=$(cid "$1") || return 0
    [ -n "$id" ] || return 0
    if [ -n "${2:-}" ]; then
        docker logs ${3:-} --since "$2" "$id" 2>&1
    else
        docker logs ${3:-} "$id" 2>&1
    fi
}
# wait_for SECS CMD...: poll CMD every 0.2 s until it succeeds or SECS pass.
wait_for() {
    local secs=$1; shift
    local deadline
    deadline=$(awk -v n="$(now)" -v s="$secs" 'BEGIN { printf "%.3f", n + s }')
    until "$@"; do
        if awk -v n="$(now)" -v d="$deadline" 'BEGIN { exit !(n > d) }'; then return 1; fi
        sleep 0.2
    done
}
# log_time SERVICE REGEX [SINCE]: epoch seconds of the first line matching
# REGEX (an ERE on the line without its timestamp); fails when there is none.
log_time() {
    local ts line
    while read -r ts line; do
        if [[ $line =~ $2 ]]; then date -d "$ts" +%s.%N; return 0; fi
    done < <(svc_logs "$1" "${3:-}" -t)
    return 1
}
# (no grep -q: with pipefail, docker logs killed by SIGPIPE would count as a miss)
# at SERVICE: how the services' logs name a router container: its address
# on the cluster network (they find the routers by DNS, dns:routers:PORT),
# dots escaped for grep -E, with the port; it changes when the container is
# recreated, so ask again after a restart
at() {
    local ip
    ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$(cid "$1")" 2>/dev/null)
    echo "${ip//./\\.}:${LUNA_ROUTER_PORT:-7000}"
}
has_line() { svc_logs "$1" "${3:-}" | grep -E "$2" >/dev/null; }
count_lines() { svc_logs "$1" "${3:-}" | grep -cE "$2"; }

services="dbagent1 dbagent2 matchsvr1 matchsvr2 gamesvr1 gamesvr2"
names="dbagent.1 dbagent.2 matchsvr.1 matchsvr.2 gamesvr.1 gamesvr.2"
reply='<- (player_loaded|player_saved|match_joined) '

compose_v=$( (docker compose version --short 2>/dev/null || docker-compose version --short 2>/dev/null) | head -n1)
say "engine $(docker version -f '{{.Server.Version}}' 2>/dev/null), compose $compose_v, image $LUNA_IMAGE"

# ---- 1. build ----------------------------------------------------------------
step "build"
if [ "${LUNA_TEST_BUILD:-1}" != 0 ]; then
    timeout "${BUILD_TIMEOUT:-1800}" bash "$here/build.sh" 2>"$tmp/build.err"
    rc=$?
    cat "$tmp/build.err" >&2
    if [ "$rc" = 3 ]; then # the local bases are missing and making them needs root
        echo "SKIP: $(grep -m1 '^base-images:' "$tmp/build.err")"
        exit 0
    fi
    [ "$rc" = 0 ] || fail "image build"
fi
docker image inspect "$LUNA_IMAGE" >/dev/null 2>&1 || fail "no image $LUNA_IMAGE"

# ---- 2. the image ------------------------------------------------------------
step "image"
size=$(docker image inspect -f '{{.Size}}' "$LUNA_IMAGE")
size_mb=$(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1e6 }')
user=$(docker image inspect -f '{{.Config.User}}' "$LUNA_IMAGE")
entry=$(docker image inspect -f '{{json .Config.Entrypoint}}' "$LUNA_IMAGE")
hc=$(docker image inspect -f '{{json .Config.Healthcheck.Test}}' "$LUNA_IMAGE")
ok "size $size_mb MB ($size bytes)"
[ -n "$user" ] && [ "${user%%:*}" != root ] && [ "${user%%:*}" != 0 ] || fail "image runs as root (User=$user)"
[ "$entry" = '["luna"]' ] || fail "entrypoint is $entry, want [\"luna\"] (exec form)"
[ "$hc" != null ] || fail "no HEALTHCHECK"
ok "user $user, entrypoint $entry, healthcheck $hc"
timeout 60 docker run --rm --label "$run_label" "$LUNA_IMAGE" --version >"$tmp/version" 2>&1 ||
    { cat "$tmp/version"; fail "luna --version in the image"; }
ok "$(cat "$tmp/version")"

# ---- 3. daemon() ---------------------------------------------------------------
step "daemon() in a container"
mkdir -p "$tmp/lua"
cat >"$tmp/lua/daemon.lua" <<'LUA'
function main()
    local rc, msg = luna.daemon()
    local stat = io.open("/proc/self/stat")
    local pid = stat and stat:read("l"):match("^(%d+)") or "?"
    print(string.format("after daemon: rc=%s msg=%s pid=%s", tostring(rc), tostring(msg), pid))
end
LUA
chmod 755 "$tmp" "$tmp/lua"; chmod 644 "$tmp/lua/daemon.lua"
# run_daemon NAME [docker run options and command...]
run_daemon() {
    local name=$1; shift
    timeout 60 docker run --rm --label "$run_label" -v "$tmp/lua:/t:ro" "$@" >"$tmp/$name.out" 2>&1
    echo "exit=$?" >>"$tmp/$name.out"
}
run_daemon pid1 "$LUNA_IMAGE" /t/daemon.lua
grep -q '^after daemon: rc=0 msg=nil pid=1$' "$tmp/pid1.out" && grep -q '^exit=0$' "$tmp/pid1.out" ||
    { cat "$tmp/pid1.out"; fail "daemon() as PID 1 (image default LUNA_DAEMON=off)"; }
ok "PID 1, image default (LUNA_DAEMON=off): daemon() returned 0, the script went on in the foreground, exit 0"
run_daemon auto1 -e LUNA_DAEMON= "$LUNA_IMAGE" /t/daemon.lua
grep -q '^after daemon: rc=0 msg=nil pid=1$' "$tmp/auto1.out" && grep -q '^exit=0$' "$tmp/auto1.out" ||
    { cat "$tmp/auto1.out"; fail "daemon() as PID 1 with LUNA_DAEMON unset"; }
ok "PID 1, LUNA_DAEMON unset (detected: PID 1): no-op, exit 0"
run_daemon shell -e LUNA_DAEMON= --entrypoint bash "$LUNA_IMAGE" -c 'luna /t/daemon.lua; echo "luna exit=$?"'
grep -qE '^after daemon: rc=0 msg=nil pid=[0-9]+$' "$tmp/shell.out" && ! grep -q 'pid=1$' "$tmp/shell.out" &&
    grep -q '^luna exit=0$' "$tmp/shell.out" ||
    { cat "$tmp/shell.out"; fail "daemon() under a shell with LUNA_DAEMON unset"; }
ok "not PID 1 (under bash), LUNA_DAEMON unset (detected: /.dockerenv): no-op, exit 0"
run_daemon control -e LUNA_DAEMON=on --entrypoint bash "$LUNA_IMAGE" -c 'luna /t/daemon.lua; echo "luna exit=$?"; sleep 0.5'
grep -q '^luna exit=0$' "$tmp/control.out" && ! grep -q '^after daemon' "$tmp/control.out" ||
    { cat "$tmp/control.out"; fail "control: LUNA_DAEMON=on should have gone to the background"; }
ok "control: LUNA_DAEMON=on does detach (the foreground process exits 0 without reaching the print)"

# ---- 4. the cluster: start-up ------------------------------------------------------
step "cluster up (project $LUNA_PROJECT)"
t0=$(now)
compose up -d >"$tmp/up.log" 2>&1 || { cat "$tmp/up.log"; fail "compose up"; }
t_up=$(now)
ok "compose up -d returned after $(elapsed "$t0" "$t_up") s"
ready() { has_line router1 '^READY [0-9]+' && has_line router2 '^READY [0-9]+'; }
wait_for 30 ready || fail "routers not READY within 30 s" router1 router2
first_reply() { has_line gamesvr1 "$reply" || has_line gamesvr2 "$reply"; }
wait_for 30 first_reply || fail "no reply at a game server within 30 s" gamesvr1 gamesvr2 router1 router2
r1=$(log_time router1 '^READY ') && r2=$(log_time router2 '^READY ') || fail "no READY time"
g1=$(log_time gamesvr1 "$reply") || g1=
g2=$(log_time gamesvr2 "$reply") || g2=
gs=$(log_time gamesvr1 '^\[gamesvr\.1\] starting') || fail "gamesvr1 did not log its start" gamesvr1
t_ready=$(printf '%s\n' "$r1" "$r2" | sort -n | tail -n1)
t_first=$(printf '%s\n' "$g1" "$g2" | grep . | sort -n | head -n1)
[ -n "$t_first" ] || fail "no time of a first reply"
startup_ready=$(elapsed "$t0" "$t_ready")
startup_first=$(elapsed "$t0" "$t_first")
started() { date -d "$(docker inspect -f '{{.State.StartedAt}}' "$(cid "$1")")" +%s.%N; }
ok "READY: router1 after $(elapsed "$t0" "$r1") s, router2 after $(elapsed "$t0" "$r2") s (from the start of up);" \
   "$(elapsed "$(started router1)" "$r1") s and $(elapsed "$(started router2)" "$r2") s after their containers started"
ok "gamesvr1 logged its start after $(elapsed "$t0" "$gs") s (compose starts the game servers last); first reply at a game server after $startup_first s (a game server's first request goes out one LUNA_TICK_MS, 1 s, after it starts)"

# ---- 5. registration and messages through both routers -----------------------------
step "messages through the routers"
all_registered() { # all_registered ROUTER_SERVICE ROUTER_INDEX [SINCE]
    local n
    for n in $names; do has_line "$1" "^\[router $2\] registered ${n//./\\.} " "${3:-}" || return 1; done
}
wait_for 20 all_registered router1 1 || fail "not every service registered on router1" router1
wait_for 20 all_registered router2 2 || fail "not every service registered on router2" router2
ok "all 6 services registered on router 1 and router 2"
both_ways() { # both_ways SINCE: replies at both game servers via both routers
    local g r
    for g in gamesvr1 gamesvr2; do
        for r in router1 router2; do
            has_line "$g" "$reply.* via $(at "$r") " "${1:-}" || return 1
        done
    done
}
wait_for 30 both_ways || fail "replies did not reach both game servers through both routers" gamesvr1 gamesvr2
for g in gamesvr1 gamesvr2; do
    for m in player_loaded player_saved match_joined; do
        has_line "$g" "<- $m " || fail "$g got no $m" "$g"
    done
done
ok "gamesvr1 and gamesvr2 got player_loaded, player_saved and match_joined, via router1 and via router2"
ok "sample: $(svc_logs gamesvr1 | grep -E -m1 "$reply")"
# PID 1 and the user inside a running container
pid1=$(docker exec "$(cid router2)" cat /proc/1/cmdline | tr '\0' ' ')
uid1=$(docker exec "$(cid router2)" awk '/^Uid:/ { print $2 }' /proc/1/status)
[ "${pid1% }" = "luna scripts/cluster/router.lua" ] || fail "PID 1 of router2 is '$pid1'"
[ "$uid1" != 0 ] || fail "luna runs as root in router2"
ok "router2's PID 1 is '${pid1% }' (uid $uid1)"

# ---- 6. router1 down -----------------------------------------------------------------
step "stop router1"
at1=$(at router1) at2=$(at router2) # their addresses, while they run
t_stop_iso=$(iso); ts=$(now)
compose stop -t 10 router1 >"$tmp/stop.log" 2>&1 || { cat "$tmp/stop.log"; fail "compose stop router1"; }
stop_secs=$(elapsed "$ts")
id1=$(cid router1)
code=$(docker inspect -f '{{.State.ExitCode}}' "$id1")
[ "$code" = 0 ] || fail "router1 exited with $code after SIGTERM (137 = killed after the grace period)" router1
has_line router1 '^\[router 1\] stopping' "$t_stop_iso" || fail "router1 did not log its stop" router1
ok "router1 got SIGTERM as PID 1, drained and exited 0 in $stop_secs s (grace period 10 s)"
noticed() { local g; for g in gamesvr1 gamesvr2; do has_line "$g" "(lost|cannot reach) router $at1 " "$t_stop_iso" || return 1; done; }
wait_for 20 noticed || fail "the game servers did not notice router1 going away" gamesvr1 gamesvr2
ok "the game servers noticed router1 is gone"
# From 1 s after the stop on, every reply must come through router2, and
# both game servers must get at least 3 of each kind.
sleep 1
t_after=$(iso)
carried_on() {
    local g m
    for g in gamesvr1 gamesvr2; do
        for m in player_loaded player_saved match_joined; do
            [ "$(count_lines "$g" "<- $m .* via $at2 " "$t_after")" -ge 3 ] || return 1
        done
    done
}
wait_for 30 carried_on || fail "the game servers did not carry on through router2" gamesvr1 gamesvr2 router2
via1=$(( $(count_lines gamesvr1 "$reply.* via $at1 " "$t_after") + $(count_lines gamesvr2 "$reply.* via $at1 " "$t_after") ))
[ "$via1" = 0 ] || fail "$via1 replies came via router1 while it was stopped" gamesvr1 gamesvr2
after=$(( $(count_lines gamesvr1 "$reply" "$t_after") + $(count_lines gamesvr2 "$reply" "$t_after") ))
lost=$(( $(count_lines gamesvr1 'WARN no reply' "$t_stop_iso") + $(count_lines gamesvr2 'WARN no reply' "$t_stop_iso") ))
ok "with router1 down: $after replies at the game servers, all via router2 ($lost request(s) in flight at the stop reported lost)"

# ---- 7. router1 back -----------------------------------------------------------------
step "start router1 again"
t_back_iso=$(iso); tb=$(now)
compose start router1 >"$tmp/start.log" 2>&1 || { cat "$tmp/start.log"; fail "compose start router1"; }
wait_for 30 has_line router1 '^READY [0-9]+' "$t_back_iso" || fail "router1 not READY again" router1
wait_for 30 all_registered router1 1 "$t_back_iso" || fail "the services did not register on router1 again" router1
rereg=$(elapsed "$tb")
# from router1's own log: its READY to the last of the 6 registrations (the
# services find it again by DNS: luna.cluster's target is 3 s)
t_ready=$(log_time router1 '^READY ' "$t_back_iso") || fail "no READY time" router1
t_last=$t_ready
for n in $names; do
    t=$(log_time router1 "^\[router 1\] registered ${n//./\\.} " "$t_back_iso") || fail "no registration time of $n" router1
    t_last=$(awk -v a="$t_last" -v b="$t" 'BEGIN { print (b > a ? b : a) }')
done
used=$(elapsed "$t_ready" "$t_last")
awk -v u="$used" 'BEGIN { exit !(u <= 3) }' || fail "the services took $used s after router1's READY to register on it (want <= 3 s)" router1
ok "router1 READY again; all 6 services registered on it $used s after its READY ($rereg s after compose start)"
t_rereg=$(iso)
at1=$(at router1)
via_router1_again() { local g; for g in gamesvr1 gamesvr2; do has_line "$g" "$reply.* via $at1 " "$t_rereg" || return 1; done; }
wait_for 30 via_router1_again || fail "no replies through router1 after its restart" gamesvr1 gamesvr2 router1
ok "replies come through router1 again at both game servers"

# ---- 8. HEALTHCHECK --------------------------------------------------------------------
step "healthcheck"
all_healthy() {
    local s st
    for s in router1 router2 $services; do
        st=$(docker inspect -f '{{.State.Health.Status}}' "$(cid "$s")" 2>/dev/null)
        [ "$st" = healthy ] || return 1
    done
}
wait_for 60 all_healthy || {
    for s in router1 router2 $services; do
        echo "$s: $(docker inspect -f '{{.State.Health.Status}} {{json .State.Health.Log}}' "$(cid "$s")" | cut -c1-400)"
    done
    fail "not every container is healthy within 60 s"
}
for s in router1 gamesvr1; do
    ok "$s: $(docker inspect -f '{{range .State.Health.Log}}{{.Output}}{{end}}' "$(cid "$s")" | grep -v '^$' | tail -n1)"
done
ok "all 8 containers healthy"
metrics=$(docker exec "$(cid router1)" luna --probe http://127.0.0.1:9100/metrics 2>&1) ||
    fail "router1's /metrics: $(echo "$metrics" | head -3)"
echo "$metrics" | grep -q '^luna_streams ' || fail "no luna_streams in router1's /metrics"
ok "router1 serves /metrics: $(echo "$metrics" | grep -E '^luna_(streams|frames_received_total) ' | tr '\n' ' ')"

echo "PASS: docker-test in $(( $(date +%s) - t_start )) s: image $LUNA_IMAGE $size_mb MB;" \
    "start-up: routers READY $startup_ready s, first reply $startup_first s after compose up;" \
    "router1 stop $stop_secs s (exit 0), services carried on via router2, re-registered $rereg s after restart"
