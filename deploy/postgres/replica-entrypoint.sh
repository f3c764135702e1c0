#!/bin/sh
# compose.yaml, service postgres-replica: a streaming replica of the primary (PRIMARY_HOST).
# On the first start (empty data directory) it clones the primary with pg_basebackup
# (-R: standby.signal and primary_conninfo, through the slot REPLICATION_SLOT), then
# hands over to the postgres image's own entrypoint, which finds the data directory
# ready and starts the server as a hot standby: read-only, replaying the primary's WAL.
set -eu
: "${PRIMARY_HOST:?}" "${REPLICATION_USER:?}" "${REPLICATION_PASSWORD:?}" "${REPLICATION_SLOT:?}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    mkdir -p "$PGDATA"
    chown postgres:postgres "$PGDATA"
    chmod 700 "$PGDATA"
    until pg_isready --host "$PRIMARY_HOST" --quiet; do
        echo "replica: waiting for the primary at $PRIMARY_HOST"
        sleep 2
    done
    echo "replica: cloning the primary at $PRIMARY_HOST"
    PGPASSWORD="$REPLICATION_PASSWORD" gosu postgres pg_basebackup \
        --host "$PRIMARY_HOST" --username "$REPLICATION_USER" --pgdata "$PGDATA" \
        --wal-method stream --slot "$REPLICATION_SLOT" --write-recovery-conf \
        --checkpoint fast --no-password
fi
exec docker-entrypoint.sh postgres -c hot_standby=on
