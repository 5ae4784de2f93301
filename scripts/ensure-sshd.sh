#!/usr/bin/env bash
# Makes sure OpenSSH is installed for the SAL ssh tests: Debian's openssh-client (`ssh`,
# `ssh-keygen`, which the ssh_* functions run) and openssh-server (`sshd`, which the test
# starts on a loopback port with its own keys and config; the system's sshd service is not
# touched). Does nothing when both are already there.
set -euo pipefail

if command -v ssh >/dev/null 2>&1 && command -v ssh-keygen >/dev/null 2>&1 && [ -x /usr/sbin/sshd ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-sshd: ssh, ssh-keygen or sshd is missing and apt-get is not available" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "ensure-sshd: need root (or sudo) to install openssh-client and openssh-server" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
# Another install may hold dpkg's lock (CI machines run several setups): wait for it.
LOCK_WAIT=(-o DPkg::Lock::Timeout=600)
$SUDO apt-get "${LOCK_WAIT[@]}" update -qq
# policy-rc.d refuses service starts during the install: the package's own sshd service is
# not wanted (the test runs its own), and containers have no init to start it anyway.
POLICY=/usr/sbin/policy-rc.d
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
  $SUDO chmod +x "$POLICY"
  trap '$SUDO rm -f "$POLICY"' EXIT
fi
$SUDO apt-get "${LOCK_WAIT[@]}" install -y -qq --no-install-recommends openssh-client openssh-server >/dev/null
command -v ssh >/dev/null && [ -x /usr/sbin/sshd ]
echo "ensure-sshd: $(ssh -V 2>&1)"
