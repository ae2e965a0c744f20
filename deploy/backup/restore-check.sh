#!/bin/sh
# A tested restore: restores a pg_dump file into a new scratch database and checks that
# every table has as many rows as the dump holds, that PostGIS answers and that the
# schema is at the dump's migration. Exit 0 when all match; the scratch database is
# dropped afterwards (KEEP=1 keeps it).
#   deploy/backup/restore-check.sh /var/backups/postgresql/dump/weihai-….dump
# Connection from libpq's variables (PGHOST, PGPORT, PGUSER): a superuser or a role that
# may create databases, on a server with PostGIS installed.
set -eu
DUMP=${1:?dump file}
SCRATCH=${SCRATCH:-restore_check_$(date -u +%Y%m%d%H%M%S)_$$}
WORK=$(mktemp -d)
cleanup() {
    rm -rf "$WORK"
    [ "${KEEP:-0}" = 1 ] || dropdb --if-exists "$SCRATCH" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# rows per table as the dump holds them: COPY blocks, one line per row in text format
# (not PostGIS's spatial_ref_sys: the dump holds only SRIDs added by hand, the extension
# brings the other 8,500 itself)
pg_restore --data-only -f - "$DUMP" | awk '
    /^COPY / { table = $2; rows = 0; inside = (table != "public.spatial_ref_sys"); next }
    inside && /^\\\.$/ { print table, rows; inside = 0; next }
    inside { rows++ }
' | sort > "$WORK/expected"

createdb "$SCRATCH"
# roles (gazetteer_app) are cluster-wide and not in a dump: create them first on a new
# server; --no-owner makes the restoring role own what it restores
pg_restore --no-owner --exit-on-error -d "$SCRATCH" "$DUMP"

: > "$WORK/restored"
while read -r table rows; do
    n=$(psql -d "$SCRATCH" -Atc "SELECT count(*) FROM $table")
    echo "$table $n" >> "$WORK/restored"
done < "$WORK/expected"
sort -o "$WORK/restored" "$WORK/restored"

status=0
if ! diff -u "$WORK/expected" "$WORK/restored"; then
    echo "restore-check: row counts differ" >&2
    status=1
fi
psql -d "$SCRATCH" -Atc "SELECT 'postgis ' || postgis_lib_version()" || status=1
psql -d "$SCRATCH" -Atc "SELECT 'schema ' || version_num FROM alembic_version" || status=1
tables=$(wc -l < "$WORK/expected")
rows=$(awk '{ s += $2 } END { print s + 0 }' "$WORK/expected")
if [ "$status" = 0 ]; then
    echo "restore-check: OK, $tables tables, $rows rows restored into $SCRATCH"
fi
exit "$status"
