#!/usr/bin/env bash
# Makes sure OpenSSH is installed for the SAL ssh tests: Debian's openssh-client (`ssh`,
# `ssh-keygen`, which the ssh_* functions run) and openssh-server (`sshd`, which the test
# starts on a loopback port with its own keys and config; the system's sshd service is not
# touched). Does nothing when both are already there.
set -euo pipefail

if command -v ssh >/dev/null 2>&1 && command -v ssh-keygen >/dev/null 2>&1 && [ -x /usr/sbin/sshd ]; then
  exit 0
fi

# shellcheck source=apt-install.sh
source "$(dirname "$0")/apt-install.sh"
# policy-rc.d refuses service starts during the install: the package's own sshd service is
# not wanted (the test runs its own), and containers have no init to start it anyway.
POLICY=/usr/sbin/policy-rc.d
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' | as_root tee "$POLICY" >/dev/null
  as_root chmod +x "$POLICY"
  trap 'as_root rm -f "$POLICY"' EXIT
fi
apt_install ensure-sshd openssh-client openssh-server
command -v ssh >/dev/null && [ -x /usr/sbin/sshd ]
echo "ensure-sshd: $(ssh -V 2>&1)"
