"""A URLconf whose views fail in every way a view can, for tests/foundation/web/test_error_pages.py."""

from __future__ import annotations

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_POST


def not_found(request: HttpRequest) -> HttpResponse:
    raise Http404("no such case")


def denied(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def bad(request: HttpRequest) -> HttpResponse:
    raise BadRequest("unreadable")


def suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("tampered")


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


@require_POST
def post_only(request: HttpRequest) -> HttpResponse:
    return HttpResponse("done")


def own_not_found(request: HttpRequest) -> HttpResponse:
    """A view that answers 404 with a body of its own: the middleware must leave it as it is."""
    return HttpResponse("<p>eigene Antwort</p>", status=404)


urlpatterns = [
    path("nicht-da/", not_found),
    path("verboten/", denied),
    path("kaputt/", bad),
    path("verdaechtig/", suspicious),
    path("fehler/", broken),
    path("nur-post/", post_only),
    path("eigene-404/", own_not_found),
    path("", include("kommunalschutz.config.urls")),
]
