#!/usr/bin/env bash
# `npm run demo`: set up what is missing, then run the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-services.sh
node scripts/demo.mjs "$@"
