#!/usr/bin/env bash
# build.sh: build the luna image (Dockerfile at the repository's top) and
# print its size.
#
# Environment:
#   LUNA_IMAGE      the tag (luna:latest)
#   BUILDER_IMAGE, RUNTIME_IMAGE
#                   the bases. Unset: the local stand-ins luna-builder:bookworm
#                   and luna-base:bookworm, made by deploy/base-images.sh when
#                   missing (no registry needed). Set them to public images
#                   (golang:1.26-bookworm, debian:bookworm-slim) where a
#                   registry is reachable.
#   DOCKER_BUILD_ARGS  more arguments for docker build (e.g. --no-cache)
# BuildKit is used when the buildx plugin is there, else the legacy builder.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."

image=${LUNA_IMAGE:-luna:latest}
if [ -z "${BUILDER_IMAGE:-}" ] && [ -z "${RUNTIME_IMAGE:-}" ]; then
    BUILDER_IMAGE=luna-builder:bookworm RUNTIME_IMAGE=luna-base:bookworm
    if ! docker image inspect "$BUILDER_IMAGE" >/dev/null 2>&1 ||
       ! docker image inspect "$RUNTIME_IMAGE" >/dev/null 2>&1; then
        echo "build: local base images missing, making them (deploy/base-images.sh)"
        bash "$here/base-images.sh" || exit $? # 3: they need root (base-images.sh says how)
    fi
fi
BUILDER_IMAGE=${BUILDER_IMAGE:-golang:1.26-bookworm}
RUNTIME_IMAGE=${RUNTIME_IMAGE:-debian:bookworm-slim}

if docker buildx version >/dev/null 2>&1; then
    export DOCKER_BUILDKIT=${DOCKER_BUILDKIT:-1}
else
    export DOCKER_BUILDKIT=0
fi
echo "build: $image from $BUILDER_IMAGE + $RUNTIME_IMAGE (DOCKER_BUILDKIT=$DOCKER_BUILDKIT)"
start=$(date +%s)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# shellcheck disable=SC2086
if ! docker build --build-arg "BUILDER_IMAGE=$BUILDER_IMAGE" --build-arg "RUNTIME_IMAGE=$RUNTIME_IMAGE" \
        ${DOCKER_BUILD_ARGS:-} -t "$image" . >"$log" 2>&1; then
    cat "$log" >&2
    echo "build: docker build failed" >&2
    exit 1
fi
grep -E '^luna [0-9]' "$log" | sed 's/^/build: built /' | tail -n 1 || true
size=$(docker image inspect -f '{{.Size}}' "$image")
echo "build: $image ready in $(( $(date +%s) - start ))s, $(awk -v s="$size" 'BEGIN { printf "%.1f MB", s / 1e6 }') ($size bytes)"
