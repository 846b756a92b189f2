#!/usr/bin/env bash
# tests/wine/run.sh (make wine-test): the integration tests that matter for
# a port run against bin/windows/luna.exe (make windows) under Wine, on
# 127.0.0.1 like the native ones, then the kit's oneway and ping-pong.
#
#   tests/wine/run.sh [go test -run regexp]
#
# Wine 8 (Debian's wine64) lacks ProcessPrng, which Go >= 1.24 needs at
# start-up: this script builds a test-only bcryptprimitives.dll with
# ProcessPrng over RtlGenRandom (processprng.c, mingw) into a Wine prefix of
# its own, in a temporary directory. The shim is never shipped, nor is
# unwindfirst.so, preloaded into wine64 against a shutdown deadlock of Wine
# 8 on glibc (unwindfirst.c says which). A
# persistent wineserver runs for the whole run (start-up races otherwise)
# and is killed at the end, with every Windows process left.
#
# The tests get luna as a wrapper (LUNA_TEST_BIN) that runs luna.exe and
# turns SIGINT/SIGTERM into the Ctrl-C event a console program gets on
# Windows: Wine ends a process on SIGTERM, and the signal reaches wine64's
# launcher, not luna.exe.
#
# Without wine64 it prints "SKIP: no wine64" and exits 0. Figures under
# Wine are Wine's, not Windows'.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
GO=${GO:-go}
WINE=${WINE:-/usr/lib/wine/wine64}
WINESERVER=${WINESERVER:-/usr/lib/wine/wineserver}
[ -x "$WINE" ] || WINE=$(command -v wine64 || true)
if [ -z "$WINE" ] || [ ! -x "$WINE" ]; then
    echo "SKIP: no wine64 (Debian's wine64 package)"
    exit 0
fi
[ -x "$WINESERVER" ] || WINESERVER=$(command -v wineserver || echo wineserver)

# The tests that matter for a port: sockets and their errors, call styles,
# router modes, the hostile corpus, reload, the drain at SIGTERM.
RUN=${1:-'^(TestCommandLine|TestMainStyle|TestLoopStyle|TestLuaErrorsArePrinted|TestStreamErrors|TestRoundTripEveryValueKind|TestLargestDefaultFrameCrosses|TestResolveNamesAndLiterals|TestRouterModes|TestRouterPerSenderOrder|TestHostileCorpus|TestExampleEcho|TestExampleRouter|TestExampleReload|TestReloadTwoSavesInOneSecond|TestSigtermDrainsQueuedCalls|TestSigintStopsLoop|TestWindowsPortability)$'}

bash "$root/scripts/windows.sh" || exit 1
exe=$root/bin/windows/luna.exe

tmp=$(mktemp -d -t luna-wine.XXXXXX)
export WINEPREFIX=$tmp/prefix WINEDEBUG=-all WINEDLLOVERRIDES=bcryptprimitives=n
cleanup() {
    "$WINESERVER" -k 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

echo "wine: $("$WINE" --version 2>/dev/null), prefix $WINEPREFIX"
mkdir -p "$WINEPREFIX"
"$WINESERVER" -p # persistent for the run
"$WINE" wineboot -i >/dev/null 2>&1
x86_64-w64-mingw32-gcc -O2 -shared -Wl,--kill-at -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
    "$here/processprng.c" -ladvapi32 || exit 1
gcc -O2 -shared -fPIC -o "$tmp/unwindfirst.so" "$here/unwindfirst.c" -lpthread || exit 1
LD_PRELOAD=$tmp/unwindfirst.so "$WINE" "$exe" --version || { echo "wine: luna.exe does not start"; exit 1; }

# the wrapper the tests run as luna
cat >"$tmp/luna" <<EOF
#!/usr/bin/env bash
# luna.exe under Wine (tests/wine/run.sh); SIGINT/SIGTERM become Ctrl-C
export WINEPREFIX='$WINEPREFIX' WINEDEBUG=-all WINEDLLOVERRIDES=bcryptprimitives=n LUNA_WINE_RUN=\$\$
ctrl_c() {
    local p
    for p in \$(pgrep -f 'luna\\.exe'); do
        tr '\\0' '\\n' </proc/\$p/environ 2>/dev/null | grep -qx "LUNA_WINE_RUN=\$\$" && kill -INT "\$p"
    done
}
# before the child starts: a signal that came first would end the wrapper.
# A signal cuts wait short (128+signal, the child not reaped): wait again
# for the child's own status, also when it ended during the trap.
trap 'ctrl_c; signalled=1' INT TERM
LD_PRELOAD='$tmp/unwindfirst.so' '$WINE' '$exe' "\$@" &
child=\$!
while :; do
    signalled=0
    wait "\$child"
    r=\$?
    [ "\$r" -eq 127 ] || rc=\$r # 127: reaped by the wait before
    [ "\$signalled" = 1 ] || exit "\$rc"
done
EOF
chmod +x "$tmp/luna"

rc=0
cd "$root"
# shellcheck disable=SC2086 # WINE_GO_TEST_ARGS: words for go test, after
# the defaults so that they can override them (make wine-test: -json;
# -count=20 to look for flakes)
LUNA_TEST_BIN=$tmp/luna LUNA_TEST_WINDOWS_CC=x86_64-w64-mingw32-gcc LUNA_TEST_WINDOWS_LUA=$root/bin/windows/lua \
    "$GO" test -tags lua53 -count=1 -timeout 15m ${WINE_GO_TEST_ARGS:-} -run "$RUN" ./tests || rc=1

if [ "${WINE_BENCH:-1}" != 0 ]; then
    echo "== the kit's oneway and ping-pong, luna.exe under Wine (figures: Wine's, not Windows')"
    LUNA=$tmp/luna BENCH_SECS=${BENCH_SECS:-2} bash "$root/tests/bench/run.sh" oneway/int || rc=1
    LUNA=$tmp/luna BENCH_SECS=${BENCH_SECS:-2} bash "$root/tests/bench/run.sh" pingpong/int || rc=1
fi
exit $rc
