"""A service's ValidationError as the API reports it: messages per field ("__all__" for the rest)."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def messages_by_field(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {field: [str(m) for e in errors for m in e.messages] for field, errors in error.error_dict.items()}
    return {"__all__": [str(m) for m in error.messages]}
