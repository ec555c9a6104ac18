"""The bare WSGI handler bench.api_throughput compares the platform with: the same bytes, nothing else.

It answers every request with the file named by BENCH_BARE_BODY (the platform's own answer, saved just
before) and the same content type, under the same gunicorn configuration: the ceiling that gunicorn, the
socket and the load generator allow on this machine.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

BODY = Path(os.environ["BENCH_BARE_BODY"]).read_bytes()
HEADERS = [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(BODY)))]


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", HEADERS)
    return [BODY]
