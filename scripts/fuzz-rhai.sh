#!/usr/bin/env bash
# `npm run fuzz:rhai -- --count N --seed S [--shrink K] [--show]`: differential fuzzing of
# the Rhai engine against the reference engine (see test/rhai/fuzz/). Compiles the fuzzer
# (and the engine it imports) into node_modules/.cache/rhai-fuzz, then runs it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
npx --no-install tsc -p "${root}/test/rhai/fuzz/tsconfig.json"
FUZZ_REPO_ROOT="${root}" exec node "${root}/node_modules/.cache/rhai-fuzz/test/rhai/fuzz/cli.js" "$@"
