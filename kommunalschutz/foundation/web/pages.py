"""Helpers for the server-rendered pages: the signed-in user, service writes from forms, form pages."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kommunalschutz.foundation.accounts.auth import request_user
from kommunalschutz.foundation.core.forms import add_service_errors

# request_user is accounts' (the User model's app, below this layer); the wings take it from here.
__all__ = ["form_page", "request_user", "save", "submit"]


def save(form: forms.BaseForm, write: Callable[[], Any], *, rename: Mapping[str, str] | None = None) -> Any:
    """Run a service write; on a ValidationError show its messages on the form and return None.

    ``rename`` maps a service's field names to the form's where the two differ.
    """
    try:
        return write()
    except ValidationError as exc:
        if rename and hasattr(exc, "error_dict"):
            exc = ValidationError({rename.get(name, name): errors for name, errors in exc.error_dict.items()})
        add_service_errors(form, exc)
        return None


def submit(request: HttpRequest, form: forms.BaseForm, write: Callable[[], Any], *,
           rename: Mapping[str, str] | None = None) -> Any:
    """On a valid POST run the write and return its result; None when nothing was posted or errors show."""
    if request.method != "POST" or not form.is_valid():
        return None
    return save(form, write, rename=rename)


def form_page(request: HttpRequest, template: str, form: forms.BaseForm, *, title: str, back_url: str,
              submit: str, intro: str = "", **context: Any) -> HttpResponse:
    """A page with one form: 400 when a posted form has errors, so tools and tests see the refusal."""
    return render(request, template, {
        "form": form, "title": title, "back_url": back_url, "submit": submit, "intro": intro, **context,
    }, status=400 if form.is_bound and form.errors else 200)
