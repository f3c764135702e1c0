#!/bin/sh
# compose.yaml, service postgres: run once by the postgres image when it creates the
# database (/docker-entrypoint-initdb.d). Lets the streaming replica in: a replication
# role with its own password (REPLICATION_PASSWORD), a physical replication slot (the
# primary keeps the WAL the replica has not received yet), and a pg_hba.conf line for
# replication connections with that role from the compose network.
set -eu
: "${REPLICATION_USER:?}" "${REPLICATION_PASSWORD:?}" "${REPLICATION_SLOT:?}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    --set user="$REPLICATION_USER" --set password="$REPLICATION_PASSWORD" \
    --set slot="$REPLICATION_SLOT" <<'SQL'
CREATE ROLE :"user" WITH REPLICATION LOGIN PASSWORD :'password';
SELECT pg_create_physical_replication_slot(:'slot');
SQL
echo "host replication $REPLICATION_USER all scram-sha-256" >> "$PGDATA/pg_hba.conf"
