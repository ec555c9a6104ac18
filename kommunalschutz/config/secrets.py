"""Validation of the two secrets the platform cannot run without."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

# Values that appear in examples and templates; they must never reach production.
PLACEHOLDERS = {"", "changeme", "change-me", "secret", "placeholder", "insecure", "dev", "development", "xxx"}


def _looks_like_placeholder(value: str) -> bool:
    lowered = value.strip().lower()
    return lowered in PLACEHOLDERS or lowered.startswith(("django-insecure", "changeme", "change-me", "replace"))


def validate_secret_key(value: str | None, *, debug: bool) -> str:
    if value is None or _looks_like_placeholder(value):
        raise ImproperlyConfigured(
            "SECRET_KEY is missing or a placeholder. Set SECRET_KEY (or SECRET_KEY_FILE) to a long random "
            "value, e.g. from `python3 -c 'import secrets; print(secrets.token_urlsafe(50))'`."
        )
    if not debug and len(value) < 32:
        raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters long when DEBUG is off.")
    return value


def validate_encryption_keys(keys: list[str], *, debug: bool) -> list[str]:
    if not keys:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS is missing. Set it to one or more comma-separated Fernet keys, newest "
            "first (generate one with `kommunalschutz generate-key`)."
        )
    for position, key in enumerate(keys, start=1):
        if _looks_like_placeholder(key):
            raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS entry {position} is a placeholder.")
        try:
            Fernet(key.encode("ascii"))
        except (ValueError, UnicodeEncodeError) as exc:
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEYS entry {position} is not a valid Fernet key (32 url-safe base64 bytes)."
            ) from exc
    return keys


def dev_secret(var_dir: Path, name: str, *, kind: str) -> str:
    """A development secret generated once and kept under var/ (never used with DEBUG off)."""
    var_dir.mkdir(parents=True, exist_ok=True)
    path = var_dir / name
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    value = Fernet.generate_key().decode("ascii") if kind == "fernet" else secrets.token_urlsafe(50)
    # Several processes may start at once (test workers, the server and the task worker): the secret is
    # written to a file of this process and linked into place, which succeeds for exactly one of them, so
    # nobody reads a half-written file and all use the same secret.
    draft = var_dir / f".{name}.{os.getpid()}"
    draft.write_text(value, encoding="ascii")
    draft.chmod(0o600)
    try:
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return path.read_text(encoding="ascii").strip()
