#!/usr/bin/env bash
# windows.sh (make windows): cross-build bin/windows/luna.exe and
# bin/windows/lua53.dll for 64-bit Windows on this Linux machine. Lua is a
# DLL, as on Windows it usually is, so that Lua C modules (.dll files found
# through package.cpath, linked against lua53.dll) share the one Lua the
# runtime uses; ship the two files together.
#
#   scripts/windows.sh
#
# What it needs, and installs when missing (root, or sudo without a
# password): Debian's mingw-w64 cross compiler (x86_64-w64-mingw32-gcc),
# and the source of Debian's lua5.3 package (Lua 5.3.6), fetched with
# `apt-get source --download-only lua5.3` after adding a deb-src entry for
# the machine's own Debian mirror. Nothing comes from outside the package
# registries. Lua is compiled as Debian compiles it (LUA_COMPAT_5_2) into
# lua53.dll and its import library bin/windows/lua/liblua53.dll.a; a
# pkg-config file there points luna's cgo packages at it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
out=$root/bin/windows
mkdir -p "$out"
CC=${WINDOWS_CC:-x86_64-w64-mingw32-gcc}
AR=${WINDOWS_AR:-x86_64-w64-mingw32-ar}
GO=${GO:-go}

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo -n"
log() { echo "windows: $*"; }

if ! command -v "$CC" >/dev/null; then
    log "installing the mingw-w64 cross compiler (gcc-mingw-w64-x86-64)"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends gcc-mingw-w64-x86-64 >/dev/null
fi

# ---- Lua 5.3.6 from Debian's source package -----------------------------------
lua=$out/lua
src=$(ls -d "$lua"/lua5.3-*/src 2>/dev/null | head -1 || true)
if [ -z "$src" ]; then
    mkdir -p "$lua"
    if ! (cd "$lua" && apt-get source --download-only lua5.3 >/dev/null 2>&1); then
        list=/etc/apt/sources.list.d/luna-deb-src.sources
        log "adding a deb-src entry ($list) for Debian's lua5.3 source"
        mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
        suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
        printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
            "${mirror:-http://deb.debian.org/debian}" "$suite" | $sudo tee "$list" >/dev/null
        $sudo apt-get update -qq
        (cd "$lua" && apt-get source --download-only lua5.3 >/dev/null)
    fi
    tarball=$(ls "$lua"/lua5.3_*.orig.tar.* | head -1)
    log "unpacking $(basename "$tarball")"
    tar -C "$lua" -xf "$tarball"
    dir=$(ls -d "$lua"/lua-5.3.* | head -1)
    mv "$dir" "$lua/lua5.3-${dir##*/lua-}"
    src=$(ls -d "$lua"/lua5.3-*/src | head -1)
fi

if [ ! -f "$out/lua53.dll" ] || [ "$src/lapi.c" -nt "$out/lua53.dll" ]; then
    log "compiling Lua $(basename "$(dirname "$src")" | sed 's/lua5.3-//') with $CC into lua53.dll"
    objs=()
    mkdir -p "$lua/obj"
    for c in "$src"/*.c; do
        case $(basename "$c") in lua.c | luac.c) continue ;; esac
        o=$lua/obj/$(basename "${c%.c}").o
        "$CC" -O2 -Wall -DLUA_COMPAT_5_2 -DLUA_BUILD_AS_DLL -c "$c" -o "$o"
        objs+=("$o")
    done
    "$CC" -shared -o "$out/lua53.dll" "${objs[@]}" -Wl,--out-implib,"$lua/liblua53.dll.a"
fi
mkdir -p "$lua/pkgconfig"
cat >"$lua/pkgconfig/lua5.3.pc" <<EOF
Name: Lua
Description: Lua 5.3 for x86_64-w64-mingw32, lua53.dll (scripts/windows.sh)
Version: 5.3.6
Cflags: -I$src
Libs: -L$lua -llua53
EOF

# ---- luna.exe ------------------------------------------------------------------
log "building bin/windows/luna.exe"
(cd "$root" && GOOS=windows GOARCH=amd64 CGO_ENABLED=1 CC="$CC" PKG_CONFIG_LIBDIR="$lua/pkgconfig" \
    CGO_LDFLAGS="-L$lua" "$GO" build -tags lua53 -o "$out/luna.exe" .)
log "ok: $out/luna.exe ($(du -h "$out/luna.exe" | cut -f1)) and $out/lua53.dll ($(du -h "$out/lua53.dll" | cut -f1))"
