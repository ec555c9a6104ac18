"""Checks shared by the measures app's writes (partners and measures)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models

from kommunalschutz.foundation.core.errors import Errors, add_error, raise_if_errors


def model_checks(instance: models.Model, errors: Errors, *, exclude: Iterable[str] = ()) -> None:
    """The model's own field checks (lengths, URLs, e-mail, choices) merged into ``errors``; raise if any."""
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            for message in messages:
                if message not in errors.get(field, []):
                    add_error(errors, field, message)
    raise_if_errors(errors)


def refuse_unknown_fields(names: Iterable[str], allowed: Iterable[str], function: str) -> None:
    unknown = sorted(set(names) - set(allowed))
    if unknown:
        raise TypeError(f"{function}() got unexpected field(s): {', '.join(unknown)}")
