#!/usr/bin/env bash
# Starts, inside a VM-test guest, the local services that every machine of this project runs on the
# host: Redis on 127.0.0.1:6379 and PostgreSQL on 127.0.0.1:5432, from the host's own installation
# (the guest's root is the host's, with a private writable layer). The sandbox suite needs them there:
# test/sandbox/hostile.sandbox.test.ts first proves that 127.0.0.1:6379 and :5432 answer from outside
# the sandbox, then that a program inside cannot reach them. The guest boots with nothing running.
#
# Each service that the host lacks is reported and skipped here (the suite will then fail naming
# it, exactly as it would on the host). Every wait is bounded.
set -uo pipefail

say() { echo "vm-services: $*"; }

# Waits up to $2 seconds for something to accept connections on 127.0.0.1:$1.
wait_port() {
  local port=$1 deadline=$((SECONDS + $2))
  while [ $SECONDS -lt $deadline ]; do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.5
  done
  return 1
}

status=0
if command -v redis-server >/dev/null; then
  # Nothing is saved: the guest's writes vanish at power-off anyway.
  redis-server --bind 127.0.0.1 --port 6379 --save '' --appendonly no --daemonize yes \
    --logfile /tmp/redis.log --dir /tmp >/dev/null
  if wait_port 6379 60; then say "redis listening on 6379 after ${SECONDS}s"; else
    say "redis did not listen on 6379 within 60s: $(tail -n 5 /tmp/redis.log 2>/dev/null)"
    status=1
  fi
else
  say "the host has no redis-server; skipped"
fi

# The cluster on port 5432, as pg_lsclusters lists it on Debian.
cluster=$(pg_lsclusters --no-header 2>/dev/null | awk '$3 == 5432 { print $1, $2; exit }')
if [ -n "$cluster" ]; then
  read -r version name <<<"$cluster"
  data=$(pg_lsclusters --no-header | awk -v v="$version" -v n="$name" '$1 == v && $2 == n { print $6 }')
  # The data directory is the host's, copied up into the guest's tmpfs layer on the first write. Its
  # lock file names the host's postmaster, whose PID may belong to some guest process: remove it so
  # PostgreSQL does not refuse to start. It then recovers as after a crash, which is fine here.
  rm -f "$data/postmaster.pid"
  install -d -o postgres -g postgres -m 2775 /run/postgresql
  if pg_ctlcluster "$version" "$name" start >/tmp/postgres-start.log 2>&1 && wait_port 5432 180; then
    say "postgresql $version/$name listening on 5432 after ${SECONDS}s"
  else
    say "postgresql $version/$name did not start: $(tail -n 5 /tmp/postgres-start.log)"
    status=1
  fi
else
  say "the host has no PostgreSQL cluster on port 5432; skipped"
fi
exit "$status"
