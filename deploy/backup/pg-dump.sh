#!/bin/sh
# Nightly logical backup: pg_dump -Fc of one database into $DIR, keeping $KEEP_DAYS days.
#   deploy/backup/pg-dump.sh weihai [DIR]
# Connection from libpq's variables (PGHOST, PGPORT, PGUSER, ~/.pgpass); run it against
# the standby (PGHOST=10.0.0.12) to spare the primary. Prints the file's path. A dump
# restores into any PostgreSQL 15+ with PostGIS: deploy/backup/restore-check.sh proves it.
set -eu
DB=${1:?database name}
DIR=${2:-${DIR:-/var/backups/postgresql/dump}}
KEEP_DAYS=${KEEP_DAYS:-14}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$DIR"
OUT="$DIR/$DB-$STAMP.dump"
# on a standby, a long dump may conflict with replay: pg_dump retries are cheaper than
# cancelled dumps, so the standby's max_standby_streaming_delay bounds the wait
pg_dump -Fc -Z 6 -d "$DB" -f "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
find "$DIR" -name "$DB-*.dump" -mtime "+$KEEP_DAYS" -delete
echo "$OUT"
