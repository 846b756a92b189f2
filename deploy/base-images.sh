#!/usr/bin/env bash
# base-images.sh: make the local stand-in base images the Dockerfile builds
# from when no registry can be reached (nothing here is pulled):
#
#   luna-base:bookworm     Debian 12 minbase from debootstrap, trimmed like
#                          debian:bookworm-slim, imported with `docker import`
#                          (the runtime base: RUNTIME_IMAGE)
#   luna-builder:bookworm  luna-base + gcc, pkg-config, liblua5.3-dev,
#                          ca-certificates and a Go toolchain copied from the
#                          host's GOROOT (the builder base: BUILDER_IMAGE).
#                          The host's locally added CA certificates
#                          (HOST_CA_DIR, /usr/local/share/ca-certificates) are
#                          trusted too, so that `go mod download` works behind
#                          a TLS-intercepting proxy as it does on the host.
#                          Only the builder has them; the runtime image never.
#
# Usage: deploy/base-images.sh [--force]      (root, debootstrap, docker)
# debootstrap needs root: run as another user, it runs itself again with
# `sudo -n` when that works without a password, and otherwise exits 3 with
# what to do (deploy/test.sh then says SKIP with that reason).
# Environment: DEBIAN_MIRROR (http://deb.debian.org/debian), SUITE (bookworm),
#   BASE_IMAGE / BUILDER_BASE_IMAGE (the tags above), GO_ROOT (the host's
#   `go env GOROOT`, else /usr/local/go), HOST_CA_DIR (see above; empty: none).
# An image that already exists is kept unless --force is given.
set -euo pipefail

MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=${SUITE:-bookworm}
BASE_IMAGE=${BASE_IMAGE:-luna-base:$SUITE}
BUILDER_BASE_IMAGE=${BUILDER_BASE_IMAGE:-luna-builder:$SUITE}
force=0
[ "${1:-}" = "--force" ] && force=1

log() { echo "base-images: $*"; }
have_image() { [ "$force" = 0 ] && docker image inspect "$1" >/dev/null 2>&1; }

tmp=$(mktemp -d -p "${TMPDIR:-/var/tmp}" luna-base.XXXXXX)
cleanup() {
    # debootstrap may leave /proc or /sys mounted in the target on failure
    for m in proc sys dev/pts; do
        mountpoint -q "$tmp/rootfs/$m" 2>/dev/null && umount -l "$tmp/rootfs/$m" || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT

# ---- luna-base -------------------------------------------------------------
if have_image "$BASE_IMAGE"; then
    log "$BASE_IMAGE exists (--force to rebuild)"
else
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
            log "debootstrap needs root: running again with sudo"
            exec sudo -n -E bash "$0" "$@"
        fi
        echo "base-images: making $BASE_IMAGE needs root (debootstrap); run 'sudo deploy/base-images.sh' once," \
            "or build from images you have: BUILDER_IMAGE=... RUNTIME_IMAGE=... (e.g. golang:1.26-bookworm," \
            "debian:bookworm-slim)" >&2
        exit 3
    fi
    if ! command -v debootstrap >/dev/null; then
        log "installing debootstrap"
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; } || {
            echo "base-images: debootstrap is missing and could not be installed" >&2; exit 1; }
    fi
    root=$tmp/rootfs
    log "debootstrap --variant=minbase $SUITE from $MIRROR (a few minutes)"
    debootstrap --variant=minbase "$SUITE" "$root" "$MIRROR" >"$tmp/debootstrap.log" 2>&1 || {
        tail -n 30 "$tmp/debootstrap.log" >&2; exit 1; }

    # What debian:*-slim does: no docs, man pages or translations from later
    # installs, no recommends, and apt cleans its caches after every install.
    cat >"$root/etc/dpkg/dpkg.cfg.d/docker-slim" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
CFG
    cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'CFG'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CFG
    cat >"$root/etc/apt/apt.conf.d/docker-no-recommends" <<'CFG'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
CFG
    cat >"$root/etc/apt/sources.list" <<SRC
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb ${SECURITY_MIRROR:-http://deb.debian.org/debian-security} $SUITE-security main
SRC
    # Trim what the slim image does not carry.
    rm -rf "$root"/usr/share/doc/*/[!c]* "$root"/usr/share/man/* "$root"/usr/share/info/* \
        "$root"/usr/share/locale/* "$root"/usr/share/lintian/* \
        "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
        "$root"/var/log/* "$root"/tmp/* "$root"/root/.cache
    find "$root/usr/share/doc" -mindepth 2 ! -name copyright -delete 2>/dev/null || true
    : >"$root/etc/machine-id"
    printf '%s\n' "$SUITE-luna" >"$root/etc/hostname"

    log "docker import -> $BASE_IMAGE"
    tar -C "$root" --numeric-owner -cf - . | docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["bash"]' \
        --message "debootstrap --variant=minbase $SUITE $MIRROR" \
        - "$BASE_IMAGE" >/dev/null
    rm -rf "$root"
fi

# ---- luna-builder ----------------------------------------------------------
if have_image "$BUILDER_BASE_IMAGE"; then
    log "$BUILDER_BASE_IMAGE exists (--force to rebuild)"
else
    goroot=${GO_ROOT:-$(go env GOROOT 2>/dev/null || echo /usr/local/go)}
    [ -x "$goroot/bin/go" ] || { echo "base-images: no Go toolchain at $goroot (set GO_ROOT)" >&2; exit 1; }
    log "building $BUILDER_BASE_IMAGE ($("$goroot/bin/go" version | cut -d' ' -f3) from $goroot)"
    ctx=$tmp/builder
    mkdir -p "$ctx"
    # The toolchain without its test suite and docs (not needed to build).
    tar -C "$goroot/.." --exclude='go/test' --exclude='go/doc' --exclude='go/api' \
        -cf - "$(basename "$goroot")" | tar -C "$ctx" -xf -
    [ "$(basename "$goroot")" = go ] || mv "$ctx/$(basename "$goroot")" "$ctx/go"
    mkdir -p "$ctx/ca"
    ca_dir=${HOST_CA_DIR-/usr/local/share/ca-certificates}
    if [ -n "$ca_dir" ] && [ -d "$ca_dir" ]; then
        find "$ca_dir" -maxdepth 1 -name '*.crt' -exec cp {} "$ctx/ca/" \;
    fi
    log "extra CA certificates for the builder: $(ls "$ctx/ca" | wc -l) (from ${ca_dir:-nowhere})"
    cat >"$ctx/Dockerfile" <<DF
FROM $BASE_IMAGE
RUN apt-get update \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \\
      gcc libc6-dev pkg-config liblua5.3-dev ca-certificates make >/dev/null \\
 && rm -rf /var/lib/apt/lists/*
COPY ca/ /usr/local/share/ca-certificates/
RUN update-ca-certificates >/dev/null
COPY go /usr/local/go
ENV GOROOT=/usr/local/go GOPATH=/go GOTOOLCHAIN=local \\
    PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORKDIR /go
DF
    # (the legacy builder's deprecation notice on stderr is dropped)
    DOCKER_BUILDKIT=0 docker build -q -t "$BUILDER_BASE_IMAGE" "$ctx" 2>"$tmp/build.err" >/dev/null || {
        cat "$tmp/build.err" >&2; exit 1; }
fi

for image in "$BASE_IMAGE" "$BUILDER_BASE_IMAGE"; do
    size=$(docker image inspect -f '{{.Size}}' "$image")
    log "$image $((size / 1000000)) MB"
done
