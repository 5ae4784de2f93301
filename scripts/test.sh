#!/usr/bin/env bash
# The test command of the README: set up what is missing, check types, run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-services.sh
npx --no-install tsc -p tsconfig.json --noEmit
npx --no-install vitest run "$@"
