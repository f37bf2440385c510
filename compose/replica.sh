#!/usr/bin/env bash
# `db-replica` (compose profile "replica"): a hot standby of `db`. On its first start it takes a
# base backup of `db` that keeps `db`'s address (--write-recovery-conf), then PostgreSQL replays
# `db`'s WAL as it streams in and answers reads. It runs as the image's postgres user.
set -euo pipefail
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    until pg_basebackup --host=db --username="$POSTGRES_USER" --pgdata="$PGDATA" --write-recovery-conf \
            --wal-method=stream --checkpoint=fast; do
        echo "db-replica: waiting for db to take a base backup" >&2
        rm -rf "${PGDATA:?}"/*
        sleep 2
    done
fi
chmod 0700 "$PGDATA"
exec postgres
