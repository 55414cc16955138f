#!/usr/bin/env bash
# Makes sure the PostgreSQL server binaries (initdb, pg_ctl) are installed,
# installing Debian's postgresql package when run as root with apt-get, and
# prints the directory that holds them. Says precisely what is missing otherwise.
set -euo pipefail

find_bindir() {
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"; return 0
  fi
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  done
  return 1
}

if [ -n "${ROSTER_TEST_DATABASE_URL:-}" ]; then
  exit 0 # the tests use an existing server
fi
if bindir=$(find_bindir); then
  echo "$bindir"; exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "PostgreSQL server binaries not found; installing Debian's postgresql package..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  if bindir=$(find_bindir); then echo "$bindir"; exit 0; fi
fi
cat >&2 <<'MSG'
roster's tests and demo need the PostgreSQL server binaries initdb and pg_ctl
(PostgreSQL 13 or newer), and none were found on PATH or in /usr/lib/postgresql/*/bin.
Install them, e.g. on Debian or Ubuntu: sudo apt-get install postgresql
(macOS: brew install postgresql), or point the tests at an existing server whose
role may create databases:
  export ROSTER_TEST_DATABASE_URL=postgres://user:pass@host:5432/postgres
MSG
exit 1
