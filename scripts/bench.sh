#!/usr/bin/env bash
# `npm run bench`: builds dist/, then runs every benchmark section in bench/*.mjs in turn
# (each is a standalone script that prints its own table). The queue benchmark starts a
# Redis of its own on a spare loopback port; the shared Redis on 6379 is never touched.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ]; then bash scripts/ensure-services.sh; fi
command -v redis-server >/dev/null || bash scripts/ensure-services.sh
echo "[bench] building dist/" >&2
# tsc emits even when it reports type errors (as the test suite's setup does, a type error
# only warns here; `npm run typecheck` is where they fail).
if ! npx --no-install tsc -p tsconfig.build.json >/dev/null; then
  echo "[bench] tsc reported type errors; dist/ was emitted anyway" >&2
fi
node scripts/build-rhai-cli.mjs
chmod +x dist/cli/*.js 2>/dev/null || true

status=0
for section in bench/*.mjs; do
  echo
  echo "== ${section} =="
  if ! node "${section}"; then
    echo "[bench] ${section} failed" >&2
    status=1
  fi
done
exit "${status}"
