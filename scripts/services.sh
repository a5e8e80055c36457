#!/usr/bin/env bash
# Makes sure the PostgreSQL and Redis the tests use are up. On this project's
# machines and CI both already run; elsewhere this installs them from Debian's
# packages and starts them. Nothing is touched when they already answer.
set -euo pipefail
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
REDIS_PORT=${REDIS_PORT:-6379}
PG_PORT=${PG_PORT:-5432}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

apt_ready=0
apt_install() {
  if [ $apt_ready = 0 ]; then $SUDO apt-get update -qq; apt_ready=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

if port_open "$REDIS_PORT"; then
  echo "services: redis up on 127.0.0.1:$REDIS_PORT"
else
  command -v redis-server >/dev/null || apt_install redis-server
  mkdir -p /tmp/distillguard-redis
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" \
    --appendonly no --dir /tmp/distillguard-redis --logfile /tmp/distillguard-redis/redis.log
  for _ in $(seq 50); do port_open "$REDIS_PORT" && break; sleep 0.1; done
  echo "services: started redis on 127.0.0.1:$REDIS_PORT"
fi

if port_open "$PG_PORT"; then
  echo "services: postgresql up on 127.0.0.1:$PG_PORT"
else
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  ver=$(ls /etc/postgresql | sort -V | tail -n1)
  # Trust auth on loopback, as on the project's machines: tests connect as postgres.
  hba=/etc/postgresql/$ver/main/pg_hba.conf
  if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
    $SUDO sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  fi
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$ver" main start
  for _ in $(seq 100); do port_open "$PG_PORT" && break; sleep 0.1; done
  echo "services: started postgresql $ver on 127.0.0.1:$PG_PORT"
fi
