#!/usr/bin/env bash
# make demo: start a throwaway PostgreSQL holding a sample Pleroma server's
# database, then plan, apply and plan again the configuration in examples/.
# Run again, it removes the last run's database and starts over.
# make demo-down removes it. Needs no secret from the environment.
#
# ROSTER_DEMO_DIR  where the demo keeps its database, log and roster binary
#                  (default $TMPDIR/roster-demo, else /tmp/roster-demo)
# ROSTER_DEMO_PORT the port PostgreSQL listens on, on 127.0.0.1 (default 54329)
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${ROSTER_DEMO_DIR:-${TMPDIR:-/tmp}/roster-demo}"
port="${ROSTER_DEMO_PORT:-54329}"
# The demo writes this file first: only what it made is ever removed, since
# ROSTER_DEMO_DIR may name a directory that holds other things too.
marker="$dir/roster-demo"

case "$port" in
  '' | *[!0-9]*) echo "ROSTER_DEMO_PORT must be a port number, not \"$port\"." >&2; exit 1 ;;
esac

as_pg() { # run a server binary as an unprivileged user when we are root
  if [ "$(id -u)" = 0 ]; then
    local u=postgres; id -u postgres >/dev/null 2>&1 || u=nobody
    runuser -u "$u" -- "$@"
  else
    "$@"
  fi
}

# ours: the directory holds no database, or the demo's (its marker, or the
# roster binary that a demo of before the marker built).
ours() { [ ! -d "$dir/data" ] || [ -e "$marker" ] || [ -x "$dir/roster" ]; }

refuse_other() {
  echo "$dir/data is not the demo's database (make demo did not write $marker), so it is left as it is." >&2
  echo "Set ROSTER_DEMO_DIR to another directory, or remove it yourself." >&2
  exit 1
}

# remove_demo stops the demo's server and removes what the demo made, and
# the directory when nothing else is left in it.
remove_demo() {
  if [ -d "$dir/data" ]; then
    as_pg "$pgbin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir/data" "$dir/log" "$dir/roster" "$marker"
  rmdir "$dir" 2>/dev/null || true
}

# The demo starts its own server, even when the tests are pointed at one.
pgbin=$(ROSTER_TEST_DATABASE_URL='' scripts/ensure-postgres.sh)

if [ "${1:-}" = down ]; then
  ours || refuse_other
  remove_demo
  echo "Demo database removed."
  exit 0
fi

command -v go >/dev/null 2>&1 || { echo "make demo needs Go 1.26 or newer on PATH (https://go.dev/dl/)" >&2; exit 1; }
if [ -d "$dir/data" ] || [ -e "$marker" ]; then
  ours || refuse_other
  echo "Removing the demo database of the last run in $dir, to start again..."
  remove_demo
fi
mkdir -p "$dir"
: >"$marker"
[ "$(id -u)" = 0 ] && chown "$(id -u postgres 2>/dev/null || id -u nobody)" "$dir"
echo "Starting a throwaway PostgreSQL in $dir on port $port..."
as_pg "$pgbin/initdb" -D "$dir/data" -U roster -A trust -E UTF8 --no-locale -N >/dev/null
if ! as_pg "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-c listen_addresses=127.0.0.1 -c port=$port -k $dir" start >/dev/null; then
  echo "PostgreSQL did not start; the end of its log, $dir/log:" >&2
  tail -n 5 "$dir/log" >&2 || true
  echo "If port $port is taken, choose another with ROSTER_DEMO_PORT, e.g. make demo ROSTER_DEMO_PORT=54339." >&2
  exit 1
fi
export DATABASE_URL="postgres://roster@127.0.0.1:$port/pleroma?sslmode=disable"
psql -q -h 127.0.0.1 -p "$port" -U roster -d postgres -c "CREATE DATABASE pleroma"
psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U roster -d pleroma -f internal/fixtures/pleroma.sql
psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U roster -d pleroma -f internal/fixtures/sample_pleroma.sql
# Changes made by hand since the configuration was last applied: an admin
# nobody reviewed, and a spam account.
psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U roster -d pleroma <<'SQL'
INSERT INTO users (id, nickname, email, name, bio, ap_id, follower_address, following_address,
  featured_address, keys, local, avatar, tags, is_admin, accepts_chat_messages, inserted_at, updated_at)
SELECT (lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000)::bigint), 16, '0') || substr(md5(n), 1, 16))::uuid,
  n, n || '@social.example.org', n, '', 'https://social.example.org/users/' || n,
  'https://social.example.org/users/' || n || '/followers', 'https://social.example.org/users/' || n || '/following',
  'https://social.example.org/users/' || n || '/collections/featured', r.keys, true, '{}', '{}', n = 'mallory', true,
  date_trunc('second', now() AT TIME ZONE 'UTC'), date_trunc('second', now() AT TIME ZONE 'UTC')
FROM users r, (VALUES ('mallory'), ('spammer')) AS v(n) WHERE r.nickname = 'root';
SQL
echo "Loaded a sample Pleroma 2.7 database, plus a hand-made admin (mallory) and a spam account: DATABASE_URL=$DATABASE_URL"
go build -o "$dir/roster" ./cmd/roster

run() { echo; echo "\$ $*"; "$@"; }
cd examples
run "$dir/roster" validate
run "$dir/roster" plan --var-file demo.vars
run "$dir/roster" apply --auto-approve --var-file demo.vars
set +e
run "$dir/roster" plan --detailed-exitcode --var-file demo.vars
code=$?
set -e
echo
echo "plan --detailed-exitcode exited $code (0: the database matches the configuration)."
echo "The demo database keeps running: DATABASE_URL=$DATABASE_URL"
echo "make demo starts it again from the sample; make demo-down removes it."
exit $code
