"""Input hygiene of the intake: text with control characters is refused at its field, never stored.

A NUL byte cannot be stored in PostgreSQL (DataError), other control characters and lone surrogates
(possible in JSON's \\u escapes) are never typed by a person. Tab, line feed and carriage return stay allowed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_ALLOWED = frozenset("\t\n\r")


def has_control_characters(text: str) -> bool:
    return any(unicodedata.category(char) in ("Cc", "Cs") and char not in _ALLOWED for char in text)


def control_character_message() -> str:
    return _("Please remove the control characters (such as a NUL byte) from this field.")


def no_control_characters(value: Any) -> None:
    """A form field validator."""
    if isinstance(value, str) and has_control_characters(value):
        raise ValidationError(control_character_message(), code="control_characters")


def control_character_errors(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """{field: [message]} for every text value (or list of texts) with control characters."""
    errors: dict[str, list[str]] = {}
    for name, value in data.items():
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and has_control_characters(text) for text in texts):
            errors[str(name)] = [control_character_message()]
    return errors
