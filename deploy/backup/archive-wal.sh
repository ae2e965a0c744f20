#!/bin/sh
# archive_command of both hosts (installed as /usr/local/lib/gazetteer/archive-wal.sh):
#   archive_command = '/usr/local/lib/gazetteer/archive-wal.sh %p %f'
# Copies one finished WAL segment into $ARCHIVE (default /var/backups/postgresql/wal,
# a mount of the backup host or another disk), never overwriting a different file, and
# syncs it before PostgreSQL may recycle the segment (exit 0 only when safely stored).
set -eu
SRC=$1
NAME=$2
ARCHIVE=${ARCHIVE:-/var/backups/postgresql/wal}
DEST=$ARCHIVE/$NAME
if [ -f "$DEST" ]; then
    cmp -s "$SRC" "$DEST" && exit 0     # already archived (a retry after a crash)
    echo "archive-wal: $DEST exists and differs" >&2
    exit 1
fi
cp "$SRC" "$DEST.tmp"
sync "$DEST.tmp"
mv "$DEST.tmp" "$DEST"
