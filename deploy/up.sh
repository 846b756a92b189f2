#!/usr/bin/env bash
# up.sh (make docker-up): start the example cluster of deploy/compose.yaml
# (the image must exist: make docker-build) and wait, at most UP_TIMEOUT
# seconds (60), for both routers to print READY and a game server to get its
# first reply.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
compose() { bash "$here/compose.sh" "$@"; }
image=${LUNA_IMAGE:-luna:latest}
docker image inspect "$image" >/dev/null 2>&1 || { echo "up: no image $image (make docker-build)" >&2; exit 1; }

start=$(date +%s.%N)
compose up -d
seen() { local id; id=$(compose ps -q "$1") && [ -n "$id" ] && docker logs "$id" 2>&1 | grep -E "$2" >/dev/null; }
deadline=$((SECONDS + ${UP_TIMEOUT:-60}))
until seen router1 '^READY ' && seen router2 '^READY ' &&
      { seen gamesvr1 '<- (player_loaded|match_joined) ' || seen gamesvr2 '<- (player_loaded|match_joined) '; }; do
    if [ $SECONDS -ge $deadline ]; then
        compose ps
        echo "up: the cluster did not come up within ${UP_TIMEOUT:-60}s (deploy/compose.sh logs)" >&2
        exit 1
    fi
    sleep 0.2
done
echo "up: routers READY and messages flowing $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')s after up"
compose ps
echo "up: follow with: deploy/compose.sh logs -f  (make docker-down stops it)"
