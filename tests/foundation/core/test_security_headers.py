from __future__ import annotations

import pytest
from django.test import Client, override_settings


@pytest.mark.django_db
def test_pages_send_strict_csp_and_security_headers(client: Client) -> None:
    response = client.get("/impressum/")
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_hsts_is_sent_when_debug_is_off() -> None:
    with override_settings(DEBUG=False, SECURE_HSTS_SECONDS=31_536_000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
                           SECURE_SSL_REDIRECT=False):
        response = Client().get("/impressum/", secure=True)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.django_db
def test_pages_reference_no_outside_server(client: Client) -> None:
    body = client.get("/").content.decode()
    for marker in ("http://", "https://"):
        # Only the data-source links in the footer may name outside addresses, and the home page has none.
        assert marker not in body.replace("http://testserver", "")
