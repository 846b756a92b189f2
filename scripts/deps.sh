#!/usr/bin/env bash
# deps.sh: install what building and testing luna needs on Debian/Ubuntu,
# skipping what is already there. Go itself (>= 1.26) must be installed.
set -euo pipefail

packages=(make gcc pkg-config liblua5.3-dev lua-cjson lua5.3)
# without what they recommend: prometheus (promtool checks the admin
# endpoint's /metrics, and the tests scrape a live process with a real
# Prometheus server; not its node exporter), chromium (headless, for the
# status page's test), etcd-server (the etcd: routers source is tested
# against a real etcd), and gcc-mingw-w64-x86-64 and wine64 (make windows
# cross-builds luna.exe; make test runs the port's tests under Wine)
bare=(prometheus chromium etcd-server gcc-mingw-w64-x86-64 wine64)
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
missing=()
for p in "${packages[@]}"; do installed "$p" || missing+=("$p"); done
missing_bare=()
for p in "${bare[@]}"; do installed "$p" || missing_bare+=("$p"); done

if [ $((${#missing[@]} + ${#missing_bare[@]})) -gt 0 ]; then
    echo "deps: installing ${missing[*]} ${missing_bare[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    [ ${#missing[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    [ ${#missing_bare[@]} -eq 0 ] ||
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing_bare[@]}" >/dev/null
fi

command -v go >/dev/null || { echo "deps: Go is not on PATH (https://go.dev/dl/)" >&2; exit 1; }
echo "deps: ok ($(go version | cut -d' ' -f3), liblua5.3 $(pkg-config --modversion lua5.3))"
