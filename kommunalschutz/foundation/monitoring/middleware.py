"""Request id, request metrics, log context, and the probe and metrics endpoints (decision 0037).

First in MIDDLEWARE. The probes and /metrics are answered here, before any other middleware: a probe comes
from the kubelet or a load balancer with the pod's address as Host (not in ALLOWED_HOSTS), over plain HTTP
(no HTTPS redirect), without cookies or CSRF token, and must never be slowed by sessions, logins or
throttles. Every other request gets an id (the trusted proxy's X-Request-ID, else a new one), echoed in the
response; its route name (never its path), method, status and duration go to the metrics and, through the
WSGI environ, to gunicorn's access log.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from kommunalschutz.foundation.monitoring import logs, metrics
from kommunalschutz.foundation.monitoring.views import ENDPOINTS

ROUTE_KEY = "kommunalschutz.route"
REQUEST_ID_KEY = "kommunalschutz.request_id"


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None and match.view_name:
        return str(match.view_name)
    if request.path_info.startswith(settings.STATIC_URL):
        return "static"
    return "unresolved"  # 404s, and files served from the site root (favicon)


class ObservabilityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        offered = request.META.get("HTTP_X_REQUEST_ID") if settings.TRUSTED_PROXY_COUNT > 0 else None
        request_id = logs.accepted_request_id(offered)
        endpoint = ENDPOINTS.get(request.path_info.rstrip("/") or "/")
        context: dict[str, Any] = {"request_id": request_id, "method": request.method,
                                   "route": endpoint[0] if endpoint else None}
        # Left in place until request_finished (below): Django logs 4xx and 5xx answers after the last
        # middleware returned, and those lines need the request's id too.
        logs.request_context.set(context)
        response = endpoint[1](request) if endpoint else self.get_response(request)
        route = context["route"] if endpoint else route_of(request)
        context.update(route=route, status=response.status_code)
        metrics.observe_request(route, str(request.method), response.status_code, time.perf_counter() - started)
        request.META[ROUTE_KEY] = route
        request.META[REQUEST_ID_KEY] = request_id
        response["X-Request-ID"] = request_id
        return response

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> None:
        # So that lines logged while the view runs (an error report) carry the route already.
        context = logs.request_context.get()
        if context is not None:
            context["route"] = route_of(request)


def forget_request(**kwargs: Any) -> None:
    """request_finished: lines logged after the answer (or by another request's code) carry no stale id."""
    logs.request_context.set(None)
