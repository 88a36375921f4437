#!/usr/bin/env bash
# A throwaway PostgreSQL for the test suite (used by .ci/run; runs as root on a fresh machine).
#   scripts/postgres.sh start   installs PostgreSQL from Debian's packages if missing, starts a
#                               server on 127.0.0.1 in a temporary directory, prints its URL
#   scripts/postgres.sh stop    stops it
set -euo pipefail
STATE=/tmp/stepchart-pg.dir
PORT=${STEPCHART_PG_PORT:-55432}

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

case "${1:-}" in
  start)
    BIN=$(find_bin)
    if [ -z "$BIN" ]; then
      apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
      BIN=$(find_bin)
    fi
    DATA=$(mktemp -d /tmp/stepchart-pg.XXXXXX)
    chown postgres "$DATA"
    runuser -u postgres -- "$BIN/initdb" -D "$DATA" -A trust -U postgres >/dev/null
    # The first free port from $PORT on (another server may hold it).
    for try in $(seq 0 9); do
      port=$((PORT + try))
      if runuser -u postgres -- "$BIN/pg_ctl" -D "$DATA" -w -l "$DATA/log" \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $DATA" start >/dev/null 2>&1; then
        echo "$BIN $DATA" > "$STATE"
        echo "postgres://postgres@127.0.0.1:$port/postgres"
        exit 0
      fi
    done
    echo "could not start PostgreSQL (see $DATA/log)" >&2
    exit 1
    ;;
  stop)
    if [ -f "$STATE" ]; then
      read -r BIN DATA < "$STATE"
      runuser -u postgres -- "$BIN/pg_ctl" -D "$DATA" -m fast stop >/dev/null 2>&1 || true
      rm -rf "$DATA" "$STATE"
    fi
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
