"""What counts as a secret in a deployment descriptor: the names of the platform's secret settings and any
value that looks like credentials."""

from __future__ import annotations

import re

SECRET_SETTINGS = frozenset({
    "SECRET_KEY", "SECRET_KEY_FALLBACKS", "FIELD_ENCRYPTION_KEYS", "DATABASE_URL", "MIGRATION_DATABASE_URL",
    "REDIS_URL", "METRICS_TOKEN", "POSTGRES_PASSWORD", "EMAIL_HOST_PASSWORD", "OIDC_CLIENT_SECRET",
    "FILE_STORAGE_S3_ACCESS_KEY_ID", "FILE_STORAGE_S3_SECRET_ACCESS_KEY",
})
_SECRET_WORDS = re.compile(r"(PASSWORD|SECRET|TOKEN|ACCESS_KEY|ENCRYPTION_KEYS|DATABASE_URL)", re.IGNORECASE)
# user:password@ in a URL; a Fernet key; a long random-looking token.
CREDENTIAL_PATTERNS = (
    re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^@\s/]+@", re.IGNORECASE),
    re.compile(r"\b[A-Za-z0-9_-]{43}=(?![A-Za-z0-9_=-])"),
)


def is_secret_name(name: str) -> bool:
    """A variable that holds a secret itself (its *_FILE twin holds only a path and is fine)."""
    if name.endswith("_FILE"):
        return False
    return name in SECRET_SETTINGS or bool(_SECRET_WORDS.search(name))


def credentials_in(text: str) -> list[str]:
    return [match.group(0) for pattern in CREDENTIAL_PATTERNS for match in pattern.finditer(text)]
