#!/usr/bin/env bash
# compose.sh: run Docker Compose on deploy/compose.yaml with the project name
# LUNA_PROJECT (default: luna), with whichever of `docker compose` (v2) and
# `docker-compose` (v1) is installed.
#   deploy/compose.sh up -d | ps | logs -f gamesvr1 | stop router1 | down
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if docker compose version >/dev/null 2>&1; then
    compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
    compose=(docker-compose)
else
    echo "compose.sh: neither 'docker compose' nor 'docker-compose' is installed" >&2
    exit 127
fi
exec "${compose[@]}" -p "${LUNA_PROJECT:-luna}" -f "$here/compose.yaml" "$@"
