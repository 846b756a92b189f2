#!/usr/bin/env bash
# dev.sh TARGET: install missing build dependencies, then run `make TARGET`.
#   scripts/dev.sh example   build luna and run the example script
#   scripts/dev.sh test      the whole test suite (what CI runs)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
exec make "${@:-example}"
