"""German error pages in every mode (decision 0025).

With DEBUG off, Django's own handlers already render ``400.html``, ``403.html``, ``404.html`` and ``500.html``,
and its CSRF view ``403_csrf.html``. Two gaps remain, and ``ErrorPagesMiddleware`` fills them:

* A view restricted to some methods (``require_POST``, ``require_http_methods``) answers a request with another
  method with an *empty* 405. Opened from an address bar it is a blank page. The middleware puts ``405.html``
  into every empty 405 (the ``Allow`` header stays), in both modes.
* With DEBUG on (``make run``), Django answers a ``Http404`` with its English technical page that lists every
  URL pattern, and a ``BadRequest`` or ``SuspiciousOperation`` with its traceback page. The middleware answers
  them with the same German pages as production: a view's exception through ``process_exception``, a URL that
  resolves to nothing (and an exception raised in a middleware further in) by replacing the technical page.
  A 500 keeps Django's traceback page in DEBUG: it is the developer's tool, and production shows ``500.html``.

The API (``/api/``) answers in JSON (``web.guard.install_api_handlers``); the middleware leaves it alone.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.core.handlers.exception import get_exception_response
from django.http import Http404, HttpRequest, HttpResponse
from django.template import loader
from django.urls import get_resolver, get_urlconf

from kommunalschutz.foundation.web.guard import is_api

# Django's technical (debug) pages all say so; nothing of the platform's does.
TECHNICAL_PAGE_MARK = b"<code>DEBUG = True</code>"
# The status of a technical page -> the exception whose handler renders the German page for it.
TECHNICAL_PAGE_STATUSES: dict[int, type[Exception]] = {400: BadRequest, 403: PermissionDenied, 404: Http404}


def error_page(request: HttpRequest, status: int, exception: Exception) -> HttpResponse:
    """The page production shows for this status: the handler of the URLconf (handler400/403/404)."""
    return get_exception_response(request, get_resolver(get_urlconf()), status, exception)


def not_allowed_page(response: HttpResponse) -> HttpResponse:
    """``405.html`` with the original answer's status and headers (``Allow``); same bytes for everyone."""
    page = HttpResponse(loader.get_template("405.html").render(), status=response.status_code)
    for header in ("Allow", "Vary"):
        if header in response:
            page[header] = response[header]
    return page


def _is_technical_page(response: HttpResponse) -> bool:
    return (not getattr(response, "streaming", False)
            and response.get("Content-Type", "").startswith("text/html")
            and TECHNICAL_PAGE_MARK in response.content)


class ErrorPagesMiddleware:
    """Empty 405 answers get a German page; with DEBUG on, so do the technical 400, 403 and 404 pages.

    It stands after ``LocaleMiddleware`` (which marks the page as German) and ``CommonMiddleware`` (whose
    APPEND_SLASH redirect still sees the 404).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if is_api(request):
            return response
        if response.status_code == 405 and not getattr(response, "streaming", False) and not response.content:
            return not_allowed_page(response)
        if settings.DEBUG and response.status_code in TECHNICAL_PAGE_STATUSES and _is_technical_page(response):
            return error_page(request, response.status_code, TECHNICAL_PAGE_STATUSES[response.status_code]())
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """With DEBUG on, a view's 404 or bad request gets the production page instead of the technical one."""
        if not settings.DEBUG or is_api(request):
            return None
        if isinstance(exception, Http404):
            return error_page(request, 404, exception)
        if isinstance(exception, BadRequest | SuspiciousOperation):
            return error_page(request, 400, exception)
        return None
