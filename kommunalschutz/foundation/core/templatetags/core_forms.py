"""Template filters for forms (core/_form_errors.html)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def has_required_fields(form: Any) -> bool:
    """Whether a form shows a required field, so that the page explains the asterisk its label carries
    (templates/django/forms/label.html)."""
    fields = getattr(form, "visible_fields", None)
    return callable(fields) and any(bound.field.required for bound in fields())
