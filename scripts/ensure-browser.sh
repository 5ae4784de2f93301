#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed: the supervisor's console test drives it with
# playwright-core (which brings no browser of its own). Leaves a machine that has it alone.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi

printf '[setup] installing chromium (for the console browser test)\n' >&2
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium >/dev/null
/usr/bin/chromium --version >&2
