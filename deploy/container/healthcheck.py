"""The container's HEALTHCHECK: GET a health path of the local gunicorn, exit 0 on 200, else 1.

    python deploy/container/healthcheck.py /health/live [PORT]

Python's standard library only (the slim image has no curl). The request names the first host of
ALLOWED_HOSTS (Django refuses unknown hosts) and says it came over HTTPS (X-Forwarded-Proto, which gunicorn
trusts from GUNICORN_FORWARDED_ALLOW_IPS), so the SSL redirect does not answer 301 instead of the check.
"""

from __future__ import annotations

import http.client
import os
import sys


def host_header() -> str:
    hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    first = hosts[0] if hosts else "localhost"
    if first == "*":
        return "localhost"
    return first.lstrip(".")  # ".example.de" allows example.de and its subdomains


def main(argv: list[str]) -> int:
    path = argv[1] if len(argv) > 1 else "/health/live"
    port = int(argv[2]) if len(argv) > 2 else 8000
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=4)
    try:
        connection.request("GET", path, headers={"Host": host_header(), "X-Forwarded-Proto": "https"})
        status = connection.getresponse().status
    except OSError as exc:
        print(f"health check {path}: {exc}", file=sys.stderr)
        return 1
    finally:
        connection.close()
    if status != 200:
        print(f"health check {path}: HTTP {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
