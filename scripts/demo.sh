#!/usr/bin/env bash
# make demo: start a throwaway PostgreSQL holding a sample Pleroma server's
# database, then plan, apply and plan again the configuration in examples/.
# make demo-down removes it. Needs no secret from the environment.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${ROSTER_DEMO_DIR:-${TMPDIR:-/tmp}/roster-demo}"
port="${ROSTER_DEMO_PORT:-54329}"

as_pg() { # run a server binary as an unprivileged user when we are root
  if [ "$(id -u)" = 0 ]; then
    local u=postgres; id -u postgres >/dev/null 2>&1 || u=nobody
    runuser -u "$u" -- "$@"
  else
    "$@"
  fi
}

if [ "${1:-}" = down ]; then
  if [ -d "$dir/data" ]; then
    bindir=$(scripts/ensure-postgres.sh)
    as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  echo "Demo database removed."
  exit 0
fi

bindir=$(scripts/ensure-postgres.sh)
command -v go >/dev/null 2>&1 || { echo "make demo needs Go 1.26 or newer on PATH (https://go.dev/dl/)" >&2; exit 1; }
if [ -d "$dir/data" ]; then
  echo "A demo database already exists in $dir; run make demo-down first." >&2
  exit 1
fi
mkdir -p "$dir"
[ "$(id -u)" = 0 ] && chown "$(id -u postgres 2>/dev/null || id -u nobody)" "$dir"
echo "Starting a throwaway PostgreSQL in $dir on port $port..."
as_pg "$bindir/initdb" -D "$dir/data" -U roster -A trust -E UTF8 --no-locale -N >/dev/null
as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-c listen_addresses=127.0.0.1 -c port=$port -k $dir" start >/dev/null
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
echo "The demo database keeps running: DATABASE_URL=$DATABASE_URL; make demo-down removes it."
exit $code
