#!/usr/bin/env bash
# Sourced by the ensure-*.sh scripts: `apt_install WHO PACKAGE...` installs Debian packages
# with root or sudo, waiting for another install's dpkg lock (CI machines run several
# set-ups), and says in one line why it cannot when it cannot.

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
  local who=$1
  shift
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "$who: $* missing and apt-get is not available" >&2
    return 1
  fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo="sudo"
    else
      echo "$who: need root (or sudo) to install $*" >&2
      return 1
    fi
  fi
  local lock_wait=(-o DPkg::Lock::Timeout=600)
  DEBIAN_FRONTEND=noninteractive $sudo apt-get "${lock_wait[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get "${lock_wait[@]}" install -y -qq \
    --no-install-recommends "$@" >/dev/null
}
