#!/usr/bin/env bash
# Makes sure QEMU is installed for the SAL vm tests: Debian's qemu-system-x86 (the emulator
# and its firmware) and qemu-utils (qemu-img). Does nothing when both are already there.
set -euo pipefail

if command -v qemu-system-x86_64 >/dev/null 2>&1 && command -v qemu-img >/dev/null 2>&1; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-qemu: qemu-system-x86_64 or qemu-img is missing and apt-get is not available" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "ensure-qemu: need root (or sudo) to install qemu-system-x86 and qemu-utils" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
# Another install may hold dpkg's lock (CI machines run several setups): wait for it.
LOCK_WAIT=(-o DPkg::Lock::Timeout=600)
$SUDO apt-get "${LOCK_WAIT[@]}" update -qq
$SUDO apt-get "${LOCK_WAIT[@]}" install -y -qq --no-install-recommends qemu-system-x86 qemu-utils >/dev/null
command -v qemu-system-x86_64 >/dev/null && command -v qemu-img >/dev/null
echo "ensure-qemu: $(qemu-system-x86_64 --version | head -1)"
