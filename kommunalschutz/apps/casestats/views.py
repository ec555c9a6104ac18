"""Casestats: views (stubs of the shared contract; the app's owner replaces them)."""

from django.http import Http404, HttpRequest, HttpResponse


def dashboard(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404

