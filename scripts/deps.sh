#!/usr/bin/env bash
# deps.sh: install what building and testing luna needs on Debian/Ubuntu,
# skipping what is already there. Go itself (>= 1.24) must be installed.
set -euo pipefail

packages=(make gcc pkg-config liblua5.3-dev lua-cjson lua5.3)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
    echo "deps: installing ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

command -v go >/dev/null || { echo "deps: Go is not on PATH (https://go.dev/dl/)" >&2; exit 1; }
echo "deps: ok ($(go version | cut -d' ' -f3), liblua5.3 $(pkg-config --modversion lua5.3))"
