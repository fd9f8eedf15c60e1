#!/bin/sh
# First start of the database only: the service's least-privilege login role. Its table
# rights come from `python app.py db grants countersign_app --apply` (the migrate job).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v pw="$(cat /run/secrets/app_db_password)" <<'SQL'
CREATE ROLE countersign_app LOGIN PASSWORD :'pw';
GRANT CONNECT ON DATABASE countersign TO countersign_app;
SQL
