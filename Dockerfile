# luna: the Go luna binary, Debian's Lua 5.3 runtime and the example scripts.
#
# Public registries (the defaults):
#   docker build -t luna .
# This machine, from the local stand-in bases that deploy/base-images.sh makes
# (no registry needed; `make docker-build` does this):
#   docker build --build-arg BUILDER_IMAGE=luna-builder:bookworm \
#                --build-arg RUNTIME_IMAGE=luna-base:bookworm -t luna .
#
# Any Debian/Ubuntu builder with Go >= 1.26 works; gcc, pkg-config and
# liblua5.3-dev are installed when the base lacks them (golang:*-bookworm has
# the first two). The runtime base needs apt unless it already carries
# liblua5.3-0 and lua-cjson. Works with the legacy builder and with BuildKit.
#
# Run: docker run --rm luna scripts/cluster/router.lua    (ENTRYPOINT is luna,
# the working directory /opt/luna, so the scripts' relative paths work.)

ARG BUILDER_IMAGE=golang:1.26-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

# ---- build -------------------------------------------------------------------
FROM ${BUILDER_IMAGE} AS build
# GO_PROXY and GO_TOOLCHAIN, when given, become GOPROXY and GOTOOLCHAIN
# (otherwise the base's own settings hold; golang:* sets GOTOOLCHAIN=local).
# E.g. --build-arg GO_TOOLCHAIN=go1.26.0 builds with that toolchain, fetched
# through the module proxy by any Go >= 1.21 in the base. (Named apart from
# the variables because an image's ENV would win over a same-named ARG.)
ARG GO_PROXY=
ARG GO_TOOLCHAIN=
ENV GOPROXY=${GO_PROXY:-$GOPROXY} GOTOOLCHAIN=${GO_TOOLCHAIN:-$GOTOOLCHAIN} \
    GOFLAGS=-buildvcs=false CGO_ENABLED=1
RUN set -eu; \
    need=""; \
    for p in gcc libc6-dev pkg-config liblua5.3-dev; do \
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need="$need $p"; \
    done; \
    if [ -n "$need" ]; then \
        apt-get update -qq; \
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null; \
        rm -rf /var/lib/apt/lists/*; \
    fi; \
    go version; pkg-config --modversion lua5.3
WORKDIR /src
# The module download is its own layer: it is redone only when go.mod/go.sum change.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -tags lua53 -trimpath -ldflags='-s -w' -o /out/luna . \
 && /out/luna --version

# ---- runtime -----------------------------------------------------------------
FROM ${RUNTIME_IMAGE}
RUN set -eu; \
    need=""; \
    for p in liblua5.3-0 lua-cjson; do \
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need="$need $p"; \
    done; \
    if [ -n "$need" ]; then \
        apt-get update -qq; \
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null; \
        rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log; \
    fi; \
    groupadd --system --gid 10001 luna; \
    useradd --system --uid 10001 --gid luna --home-dir /opt/luna --no-create-home \
            --shell /usr/sbin/nologin luna
COPY --from=build /out/luna /usr/local/bin/luna
COPY deploy/healthcheck.lua /usr/local/share/luna/healthcheck.lua
# The example cluster and the examples (root-owned: read-only for the luna
# user). Hot reload works on a bind mount over /opt/luna/scripts/cluster.
COPY scripts/cluster/ /opt/luna/scripts/cluster/
COPY scripts/examples/ /opt/luna/scripts/examples/
WORKDIR /opt/luna
USER luna:luna
# daemon() is a no-op here (PID 1 / /.dockerenv); said explicitly as well.
ENV LUNA_DAEMON=off
# Routers: a TCP connect to LUNA_LISTEN that must reach on_connected.
# Services: an established connection to a router of LUNA_ROUTERS.
# See deploy/healthcheck.lua.
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 \
    CMD ["luna", "/usr/local/share/luna/healthcheck.lua"]
# luna itself is PID 1: SIGTERM sets get_guit_signal(), the scripts
# unregister, queued calls are written out (up to 3 s), exit 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["luna"]
CMD ["scripts/examples/hello.lua"]
