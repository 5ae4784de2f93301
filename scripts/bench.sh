#!/usr/bin/env bash
# `npm run bench`: builds dist/, then runs every benchmark section in bench/*.mjs in turn
# (each is a standalone script that prints its own table), the queue benchmark last: it gets
# what is left of BENCH_TOTAL_S (600: `npm run bench` has 10 minutes) less a margin as its
# BENCH_BUDGET_S, and leaves out the scenarios that would not fit (it says which). The queue
# benchmark starts a Redis of its own on a spare loopback port; the shared Redis on 6379 is
# never touched.
set -euo pipefail
cd "$(dirname "$0")/.."

# All in one function, read whole before it runs: bash reads a script as it goes, so editing
# this file during a run would otherwise change the rest of that run.
main() {
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

total_s="${BENCH_TOTAL_S:-600}"
status=0
run_section() {
  echo
  echo "== $1 =="
  if ! node "$1"; then
    echo "[bench] $1 failed" >&2
    status=1
  fi
}
for section in bench/*.mjs; do
  if [ "${section}" != bench/queue.mjs ]; then run_section "${section}"; fi
done
# 20 s for what queue.mjs does after its last scenario and for a scenario's estimate to miss.
if [ -z "${BENCH_BUDGET_S:-}" ]; then export BENCH_BUDGET_S=$((total_s - SECONDS - 20)); fi
echo "[bench] ${SECONDS} s so far; the queue benchmark has ${BENCH_BUDGET_S} s" >&2
run_section bench/queue.mjs
echo "[bench] npm run bench took ${SECONDS} s" >&2
exit "${status}"
}
main "$@"
