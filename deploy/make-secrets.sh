#!/bin/sh
# Makes the secrets of deploy/compose.yaml once, at random, into deploy/secrets/. Never overwrites one that
# exists (a new FIELD_ENCRYPTION_KEYS would make the encrypted data unreadable; rotate keys as
# docs/settings.md says). Keep a copy of field_encryption_keys apart from the backups.
#
# The directory is 0700 (only you reach it on the host); the files are 0444 because Compose bind-mounts file
# secrets with their host owner and mode, and PostgreSQL (uid 999) and the platform (uid 10001) must read them.
set -eu
cd "$(dirname "$0")"
umask 077
mkdir -p secrets
chmod 0700 secrets

rand() { openssl rand -hex 24; }
put() {  # put NAME VALUE: write the secret unless it exists
    if [ -e "secrets/$1" ]; then
        echo "secrets/$1 exists, kept"
    else
        printf '%s\n' "$2" > "secrets/$1"
        chmod 0444 "secrets/$1"
        echo "secrets/$1 written"
    fi
}
command -v openssl >/dev/null || { echo "needs openssl (apt-get install openssl)" >&2; exit 1; }

put postgres_password "$(rand)"
put owner_db_password "$(rand)"
put runtime_db_password "$(rand)"
# The URLs repeat the passwords written above (read back, so a kept password stays consistent).
put database_url "postgres://kommunalschutz:$(cat secrets/runtime_db_password)@postgres:5432/kommunalschutz"
put migration_database_url \
    "postgres://kommunalschutz_owner:$(cat secrets/owner_db_password)@postgres:5432/kommunalschutz"
put secret_key "$(openssl rand -base64 48 | tr -d '\n')"
# A Fernet key: 32 random bytes, URL-safe base64.
put field_encryption_keys "$(openssl rand 32 | openssl base64 -A | tr '+/' '-_')"
put metrics_token "$(rand)"
