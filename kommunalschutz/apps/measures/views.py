"""Measures: views (stubs of the shared contract; the app's owner replaces them)."""

from django.http import Http404, HttpRequest, HttpResponse


def case_measures(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def partner_list(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404

