"""Cases: views (stubs of the shared contract; the app's owner replaces them)."""

from django.http import Http404, HttpRequest, HttpResponse


def case_list(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def my_reports(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def dashboard(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def notifications(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def case_detail(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404

