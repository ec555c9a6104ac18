"""Intake: views (stubs of the shared contract; the app's owner replaces them)."""

from django.http import Http404, HttpRequest, HttpResponse


def report(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def anonymous_report(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def follow_up(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404

