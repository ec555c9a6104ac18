"""The probe and metrics answers. Reached through ObservabilityMiddleware, ahead of every other middleware:
see middleware.py for why they are not URL patterns."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, JsonResponse

from kommunalschutz.foundation.monitoring import health, metrics


def _uncached(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def live(request: HttpRequest) -> HttpResponse:
    """The process answers requests; no dependency is asked (a restart would not cure an outage of one)."""
    return _uncached(JsonResponse({"status": health.OK}))


def ready(request: HttpRequest) -> HttpResponse:
    is_ready, body = health.readiness()
    return _uncached(JsonResponse(body, status=200 if is_ready else 503))


def metrics_view(request: HttpRequest) -> HttpResponse:
    """404 to anyone without the token or outside the networks, as for any unknown address."""
    if not metrics.allowed(request):
        return _uncached(HttpResponseNotFound(b"Not Found", content_type="text/plain; charset=utf-8"))
    return _uncached(HttpResponse(metrics.render(), content_type=metrics.CONTENT_TYPE))


# path -> (route name for logs and metrics, view)
ENDPOINTS = {
    "/health/live": ("monitoring:live", live),
    "/health/ready": ("monitoring:ready", ready),
    "/metrics": ("monitoring:metrics", metrics_view),
}
