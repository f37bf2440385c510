# Run once by the postgres image when `db` is first initialised (docker-entrypoint-initdb.d):
# lets `db-replica` (the compose profile "replica") take a base backup and stream from `db`,
# with the same password as every other connection. A volume initialised before this script
# was mounted needs the same line added to its pg_hba.conf by hand.
printf 'host replication all all %s\n' "${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}" >> "$PGDATA/pg_hba.conf"
