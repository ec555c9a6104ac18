"""Form pieces every app uses: service errors on the form, native date inputs, plausible date fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from kommunalschutz.foundation.core.validators import GENERAL, DateRange, validate_date


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError next to the field it names (or above the form).

    An empty POST read as ``Form(request.POST or None)`` gives an unbound form that was never cleaned; Django's
    ``add_error`` then fails on the missing ``cleaned_data`` (a 500 for an empty or JSON body). It gets an empty
    one, so the service's messages show as for any other refusal.
    """
    if not hasattr(form, "cleaned_data"):
        form.full_clean()
        if not hasattr(form, "cleaned_data"):
            form.cleaned_data = {}
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class DateInput(forms.DateInput):
    """The browser's date picker; the value travels as ISO date (YYYY-MM-DD)."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d", **kwargs)


class DateField(forms.DateField):
    """A date a person enters, refused outside the plausible range of its kind (core.validators)."""

    def __init__(self, *args: Any, kind: DateRange = GENERAL, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.validators.append(validate_date(kind))


class DateTimeField(forms.DateTimeField):
    """A moment a person enters, refused outside the plausible range of its kind (core.validators)."""

    def __init__(self, *args: Any, kind: DateRange = GENERAL, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.validators.append(validate_date(kind))
