"""Look up and authorise in one step: "not found" and "not yours" both give 404."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

M = TypeVar("M", bound=Model)


def get_for_user(user: Any, queryset: QuerySet[M], permission: str, **lookup: Any) -> M:
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise Http404
    if not user.has_perm(permission, obj):
        raise Http404
    return obj


def require_perm(user: Any, permission: str, obj: Any = None) -> None:
    """Raise 404 when the user lacks a permission, so outsiders learn nothing."""
    if not user.has_perm(permission, obj):
        raise Http404
