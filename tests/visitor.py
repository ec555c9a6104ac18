"""A browser without JavaScript for tests against a real server (gunicorn, nginx): cookies (Secure ones too:
the proxy headers say HTTPS), hidden form fields by hand, redirects not followed.

Used where a test starts servers of its own (tests/foundation/core/test_pages_under_gunicorn.py,
tests/foundation/monitoring/test_no_personal_data_in_logs.py, tests/multinode/test_two_nodes.py).
"""

from __future__ import annotations

import http.client
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.urls import reverse

from bench.deployment import HOST, PROXY_HEADERS
from tests.conftest import PASSWORD

ORIGIN = f"https://{HOST}"
HIDDEN_FIELD = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"')


@dataclass
class Visitor:
    """One person's browser. ``address`` (X-Forwarded-For, as nginx sets it) and ``user_agent`` are sent when
    given; every answer is kept (``answers``: method, path, status) with its request id (``request_ids``)."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    address: str = ""
    user_agent: str = ""
    answers: list[tuple[str, str, int]] = field(default_factory=list)
    request_ids: list[str] = field(default_factory=list)

    def request(self, method: str, path: str, data: dict[str, Any] | None = None) -> tuple[int, str, str]:
        """Status, body and redirect target of one request."""
        conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        headers = {**PROXY_HEADERS, "Accept-Language": "de"}
        if self.address:
            headers["X-Forwarded-For"] = self.address
        if self.user_agent:
            headers["User-Agent"] = self.user_agent
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            headers.update({"Content-Type": "application/x-www-form-urlencoded", "Referer": ORIGIN + path,
                            "Origin": ORIGIN})
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", errors="replace")
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    for key, morsel in SimpleCookie(value).items():
                        if morsel.value:
                            self.cookies[key] = morsel.value
                        else:
                            self.cookies.pop(key, None)
            location = response.getheader("Location") or ""
            self.request_ids.append(response.getheader("X-Request-ID") or "")
        finally:
            conn.close()
        self.answers.append((method, path, response.status))
        return response.status, text, urlsplit(location).path

    def get(self, path: str) -> tuple[int, str]:
        status, text, _location = self.request("GET", path)
        return status, text

    def form(self, path: str) -> dict[str, str]:
        """The hidden fields of the page's forms (CSRF and one-time form tokens)."""
        status, text = self.get(path)
        assert status == 200, (path, status)
        return dict(HIDDEN_FIELD.findall(text))

    def log_in(self, username: str, code: Callable[[], str] | Any) -> None:
        """Password, then the second factor from ``code()`` if the account is asked for one."""
        hidden = self.form(reverse("accounts:login"))
        status, _text, location = self.request("POST", reverse("accounts:login"), {
            "csrfmiddlewaretoken": hidden["csrfmiddlewaretoken"], "username": username, "password": PASSWORD})
        assert status == 302, f"{username}: login answered {status}"
        if location == reverse("accounts:otp_verify"):
            hidden = self.form(reverse("accounts:otp_verify"))
            status, _text, location = self.request("POST", reverse("accounts:otp_verify"), {
                "csrfmiddlewaretoken": hidden["csrfmiddlewaretoken"], "otp_token": code()})
            assert status == 302, f"{username}: second factor answered {status}"
        assert location not in (reverse("accounts:login"), reverse("accounts:otp_verify")), username
