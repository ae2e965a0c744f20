#!/bin/sh
# Weekly base backup of the primary (run on the backup host or db2, as postgres):
#   HOST=10.0.0.11 deploy/backup/base-backup.sh
# A compressed tar copy that, with the WAL archive (archive-wal.sh), restores the
# database to any moment after it: see docs/deploy.md, "Restore to a point in time".
# Keeps the last $KEEP backups; WAL older than the oldest kept backup can be removed
# with pg_archivecleanup.
set -eu
HOST=${HOST:-10.0.0.11}
PORT=${PORT:-5432}
DIR=${DIR:-/var/backups/postgresql/base}
KEEP=${KEEP:-4}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$DIR"
pg_basebackup -h "$HOST" -p "$PORT" -U replicator -D "$DIR/$STAMP" -Ft -z -X fetch -c fast \
    --manifest-checksums=SHA256
pg_verifybackup -n "$DIR/$STAMP" 2>/dev/null || echo "base-backup: verify by restoring (tar format)"
ls -1d "$DIR"/*/ | sort | head -n "-$KEEP" | xargs -r rm -rf
echo "base backup $DIR/$STAMP"
