#!/bin/sh
# Make (or remake) the hot standby on db2 from the primary on db1, as root on db2.
#
#   PRIMARY=10.0.0.11 SLOT=standby1 deploy/standby-setup.sh
#
# Debian's cluster 15/main is stopped, its data directory replaced by a pg_basebackup of
# the primary (-R: standby.signal + primary_conninfo; -C -S: a replication slot on the
# primary, so it keeps the WAL this standby still needs) and started as a hot standby.
# The replicator's password comes from ~postgres/.pgpass:
#   10.0.0.11:5432:replication:replicator:<password>
# On the primary, once:  CREATE ROLE replicator REPLICATION LOGIN PASSWORD '…';
# Remaking a standby whose slot exists: drop it first on the primary
#   SELECT pg_drop_replication_slot('standby1');
set -eu
PRIMARY=${PRIMARY:-10.0.0.11}
PORT=${PORT:-5432}
SLOT=${SLOT:-standby1}
VERSION=${VERSION:-15}
DATA=/var/lib/postgresql/$VERSION/main
BIN=/usr/lib/postgresql/$VERSION/bin

pg_ctlcluster "$VERSION" main stop 2>/dev/null || true
rm -rf "$DATA"
install -d -o postgres -g postgres -m 700 "$DATA"
runuser -u postgres -- "$BIN/pg_basebackup" -h "$PRIMARY" -p "$PORT" -U replicator \
    -D "$DATA" -R -X stream -C -S "$SLOT" -c fast -P
install -m 644 "$(dirname "$0")/postgresql-standby.conf" \
    "/etc/postgresql/$VERSION/main/conf.d/gazetteer-standby.conf"
pg_ctlcluster "$VERSION" main start
runuser -u postgres -- psql -Atc \
    "SELECT 'in recovery: ' || pg_is_in_recovery() || ', replayed ' || pg_last_wal_replay_lsn()"
echo "on the primary: SELECT client_addr, state, replay_lag FROM pg_stat_replication;"
