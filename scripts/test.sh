#!/usr/bin/env bash
# The test command of the README: set up what is missing, then run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-services.sh
npx --no-install vitest run "$@"
