#!/usr/bin/env bash
# Makes sure QEMU is installed for the SAL vm tests: Debian's qemu-system-x86 (the emulator
# and its firmware) and qemu-utils (qemu-img). Does nothing when both are already there.
set -euo pipefail

if command -v qemu-system-x86_64 >/dev/null 2>&1 && command -v qemu-img >/dev/null 2>&1; then
  exit 0
fi

# shellcheck source=apt-install.sh
source "$(dirname "$0")/apt-install.sh"
apt_install ensure-qemu qemu-system-x86 qemu-utils
command -v qemu-system-x86_64 >/dev/null && command -v qemu-img >/dev/null
echo "ensure-qemu: $(qemu-system-x86_64 --version | head -1)"
