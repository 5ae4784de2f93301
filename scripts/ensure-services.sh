#!/usr/bin/env bash
# Makes sure what the project needs is here: Node dependencies, a built dist/, and Redis and
# PostgreSQL answering on loopback. Installs from Debian's packages only when a service
# does not answer, so a machine that already runs them is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    apt_updated=1
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

wait_port() {
  for _ in $(seq 1 100); do port_open "$1" && return 0; sleep 0.1; done
  log "nothing answers on port $1"; return 1
}

ensure_redis() {
  port_open 6379 && return 0
  command -v redis-server >/dev/null || apt_install redis-server
  log "starting redis-server on 127.0.0.1:6379"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_port 6379
}

ensure_postgres() {
  if ! port_open 5432; then
    command -v pg_ctlcluster >/dev/null || apt_install postgresql
    local version
    version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
    if [ -z "$version" ]; then
      version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
      pg_createcluster "$version" main >/dev/null
    fi
    # Trust on loopback, as the tests expect (a throwaway machine's database).
    local hba="/etc/postgresql/$version/main/pg_hba.conf"
    if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
      sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\nlocal all all trust' "$hba"
    fi
    log "starting PostgreSQL $version on 127.0.0.1:5432"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
    wait_port 5432
  fi
  # The tests connect as root (or PGUSER) to database `test`.
  if ! psql -h 127.0.0.1 -d test -c 'select 1' >/dev/null 2>&1; then
    su postgres -c "psql -q -c \"create role root superuser login\"" >/dev/null 2>&1 || true
    su postgres -c "createdb -O root test" >/dev/null 2>&1 || true
  fi
}

ensure_node_modules() {
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "npm ci"
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

ensure_build() {
  log "building dist/"
  npx --no-install tsc -p tsconfig.build.json
  # The `rhai` command as one bundle with a code cache: it starts about as fast as Node.
  node scripts/build-rhai-cli.mjs
  chmod +x dist/cli/*.js 2>/dev/null || true
}

ensure_redis
ensure_postgres
# The TLS test makes itself a certificate with it (the README lists it among what is installed).
command -v openssl >/dev/null || apt_install openssl
ensure_node_modules
ensure_build
