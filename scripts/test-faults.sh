#!/usr/bin/env bash
# `npm run test:faults`: the fault-injection suite (kill -9, Redis restarts, floods).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-services.sh
npx --no-install vitest run -c vitest.faults.config.ts "$@"
