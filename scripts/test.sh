#!/usr/bin/env bash
# The test command of the README: set up what is missing (services, dependencies, the
# browser for the console test, QEMU for the VM tests, OpenSSH for the SSH tests), check
# types, style and structure (npm run lint), run the whole
# suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-services.sh
bash scripts/ensure-browser.sh
bash scripts/ensure-qemu.sh
bash scripts/ensure-sshd.sh
npx --no-install tsc -p tsconfig.json --noEmit
npm run --silent lint
npx --no-install vitest run "$@"
