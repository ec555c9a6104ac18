#!/bin/sh
# First start of the PostgreSQL container (an empty data volume): the two roles of docs/deployment.md
# ("two roles") and the database, owned by the owner role. The runtime role gets its privileges from
# `kommunalschutz migrate` (the migrate service), which runs as the owner.
# Passwords come from the Compose secrets; they are passed to psql as variables, never on a command line.
set -eu
owner_pw="$(cat /run/secrets/owner_db_password)"
runtime_pw="$(cat /run/secrets/runtime_db_password)"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
     -v owner_pw="$owner_pw" -v runtime_pw="$runtime_pw" <<'SQL'
CREATE ROLE kommunalschutz_owner LOGIN PASSWORD :'owner_pw';
CREATE ROLE kommunalschutz LOGIN PASSWORD :'runtime_pw';
CREATE DATABASE kommunalschutz OWNER kommunalschutz_owner ENCODING 'UTF8';
\c kommunalschutz
ALTER SCHEMA public OWNER TO kommunalschutz_owner;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO kommunalschutz;
SQL
