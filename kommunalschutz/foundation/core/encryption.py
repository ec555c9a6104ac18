"""Field-level encryption at rest with key rotation.

Keys come from FIELD_ENCRYPTION_KEYS, newest first. Values are encrypted with the
first key and decrypted with any of them, so adding a new key in front and running
``kommunalschutz rotate-keys`` moves all data to the new key before the old one is
removed.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DecryptionError(Exception):
    """A stored value could not be decrypted with any configured key."""


@lru_cache(maxsize=8)
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode("ascii")) for key in keys])


def fernet() -> MultiFernet:
    return _fernet_for(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt_bytes(data: bytes) -> bytes:
    return fernet().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    try:
        return fernet().decrypt(token)
    except InvalidToken as exc:
        raise DecryptionError("Value cannot be decrypted with any key in FIELD_ENCRYPTION_KEYS.") from exc


def rotate_token(token: bytes) -> bytes:
    """Re-encrypt a token under the newest key."""
    return fernet().rotate(token)


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """A text field stored as a Fernet token; the database never sees the plaintext.

    Encrypted values cannot be searched or ordered by the database, which is the point.
    """

    description = _("Encrypted text")

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None:
            return None
        return encrypt_bytes(str(value).encode("utf-8")).decode("ascii")

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None:
            return None
        return decrypt_bytes(value.encode("ascii")).decode("utf-8")

    def get_internal_type(self) -> str:
        return "TextField"


class EncryptedJSONField(EncryptedTextField):
    """A JSON value (dict, list, number, string) stored encrypted like EncryptedTextField.

    Key rotation covers it (it is an EncryptedTextField). The database cannot look inside, so
    queries on the content are impossible by design.
    """

    description = _("Encrypted JSON")
    # For django-stubs: the attribute holds any JSON value, not the str of the parent field.
    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return encrypt_bytes(text.encode("utf-8")).decode("ascii")

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        text = super().from_db_value(value, expression, connection)
        return None if text is None else json.loads(text)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value


# Stores outside the database (e.g. encrypted evidence files) register a function
# here that re-encrypts their content and returns how many items it rewrote.
ROTATION_HOOKS: dict[str, Any] = {}
