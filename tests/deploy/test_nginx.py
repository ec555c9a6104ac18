"""deploy/nginx/kommunalschutz.conf on Debian's nginx (installed with apt-get if missing): `nginx -t` accepts the
rendered configuration, and a real nginx with it in front of two small HTTP servers on loopback shows the
failover rules (an idempotent request goes to the other node; a POST that reached a failing node is not sent
again; one that never reached a node is), the forwarded headers and the body size limit."""

from __future__ import annotations

import http.client
import http.server
import json
import os
import re
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.deploy import tools
from tests.deploy.conftest import DEPLOY

pytestmark = pytest.mark.once  # what it checks does not depend on the suite's database: CI runs it once

CONFIG = DEPLOY / "nginx" / "kommunalschutz.conf"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def render(listen: int, node_1: int, node_2: int) -> str:
    """The file as the multi-node test uses it: the two app nodes' and the listener's host:port rewritten."""
    text = CONFIG.read_text(encoding="utf-8")
    for old, new in (("server app-1:8000", f"server 127.0.0.1:{node_1}"),
                     ("server app-2:8000", f"server 127.0.0.1:{node_2}"),
                     ("listen 8080;", f"listen 127.0.0.1:{listen};")):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def main_config(prefix: Path, site: str) -> Path:
    """A minimal nginx.conf around the site file (Debian's own includes conf.d/*.conf in http the same way)."""
    (prefix / "kommunalschutz.conf").write_text(site, encoding="utf-8")
    user = "user root root;\n" if os.geteuid() == 0 else ""  # workers must write the temp paths below
    temp = "\n".join(f"  {name}_temp_path {prefix / name};" for name in
                     ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    config = prefix / "nginx.conf"
    config.write_text(
        f"{user}worker_processes 1;\ndaemon off;\npid {prefix / 'nginx.pid'};\nerror_log {prefix / 'error.log'};\n"
        f"events {{ worker_connections 64; }}\nhttp {{\n{temp}\n  include {prefix / 'kommunalschutz.conf'};\n}}\n",
        encoding="utf-8",
    )
    return config


def nginx_test(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(tools.nginx()), "-t", "-c", str(config), "-p", str(config.parent)],
                          capture_output=True, text=True, check=False, timeout=60)


def test_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    result = nginx_test(main_config(tmp_path, render(free_port(), free_port(), free_port())))
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
    version = subprocess.run([str(tools.nginx()), "-v"], capture_output=True, text=True, check=True).stderr
    assert "nginx/1." in version


def test_nginx_check_refuses_a_broken_configuration(tmp_path: Path) -> None:
    site = render(free_port(), free_port(), free_port())
    site = site.replace("proxy_next_upstream error", "proxy_next_upstrem error")
    result = nginx_test(main_config(tmp_path, site))
    assert result.returncode != 0
    assert "proxy_next_upstrem" in result.stderr


def test_configuration_keeps_the_contract() -> None:
    from django.conf import settings

    text = CONFIG.read_text(encoding="utf-8")
    (upstream,) = re.findall(r"upstream kommunalschutz \{(.*?)\}", text, re.S)
    assert re.findall(r"^\s*server (\S+)", upstream, re.M) == ["app-1:8000", "app-2:8000"]
    (next_upstream,) = re.findall(r"^\s*proxy_next_upstream ([^;]+);", text, re.M)
    assert next_upstream.split() == ["error", "timeout", "http_502", "http_503"]
    assert "non_idempotent" not in next_upstream
    (body,) = re.findall(r"client_max_body_size (\d+)m;", text)
    limit = int(body) * 1024 * 1024
    assert limit >= settings.EVIDENCE_UPLOAD_MAX_BYTES + 1_000_000
    assert limit >= settings.AGREEMENT_UPLOAD_MAX_BYTES + 1_000_000
    locations = re.findall(r"location [^{]+\{(.*?)\n    \}", text, re.S)
    proxied = [block for block in locations if "proxy_pass" in block]
    assert len(proxied) == 2
    for block in proxied:
        assert "proxy_set_header X-Request-ID $ks_request_id;" in block
        assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in block
        assert "proxy_set_header X-Forwarded-Proto $ks_forwarded_proto;" in block
    # No client address, user agent or query string in the access log.
    (log_format,) = re.findall(r"log_format ks_private (.*?);", text, re.S)
    for variable in ("$remote_addr", "$http_user_agent", "$request_uri", "$args", "$http_x_forwarded_for"):
        assert variable not in log_format


# --- a real nginx in front of two small HTTP servers ------------------------------------------------------

class Node:
    """A stand-in app node on loopback that answers every request with one status and records what it got."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.requests: list[dict[str, Any]] = []
        node = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                remaining = length
                while remaining:
                    remaining -= len(self.rfile.read(min(remaining, 1 << 20)))
                seen = {"method": self.command, "path": self.path, "length": length,
                        "headers": {k.lower(): v for k, v in self.headers.items()}}
                node.requests.append(seen)
                payload = json.dumps(seen).encode()
                self.send_response(node.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port: int = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def balancer(tmp_path: Path) -> Iterator[Any]:
    """Start nginx with the configuration in front of the given node ports; stops everything afterwards."""
    processes: list[subprocess.Popen[bytes]] = []
    nodes: list[Node] = []

    def start(node_1: int, node_2: int) -> int:
        listen = free_port()
        prefix = tmp_path / f"nginx-{len(processes)}"
        prefix.mkdir()
        config = main_config(prefix, render(listen, node_1, node_2))
        log = (prefix / "stdout.log").open("wb")
        process = subprocess.Popen([str(tools.nginx()), "-c", str(config), "-p", str(prefix)],
                                   stdout=log, stderr=subprocess.STDOUT)
        processes.append(process)
        for _ in range(200):  # until nginx listens (bounded; nginx starts in milliseconds)
            assert process.poll() is None, (prefix / "error.log").read_text(encoding="utf-8", errors="replace")
            try:
                socket.create_connection(("127.0.0.1", listen), timeout=1).close()
                return listen
            except OSError:
                threading.Event().wait(0.05)
        raise AssertionError("nginx did not start listening")

    def node(status: int) -> Node:
        created = Node(status)
        nodes.append(created)
        return created

    yield start, node
    for process in processes:
        process.terminate()
        process.wait(timeout=30)
    for created in nodes:
        created.close()


def request(port: int, method: str, path: str, body: bytes | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def closed_port() -> int:
    return free_port()  # nothing listens there once the probe socket is closed


def test_a_get_that_fails_on_one_node_is_answered_by_the_other(balancer: Any) -> None:
    start, node = balancer
    failing, healthy = node(503), node(200)
    port = start(failing.port, healthy.port)
    status, body = request(port, "GET", "/registry/")
    assert status == 200
    assert json.loads(body)["path"] == "/registry/"
    assert [r["method"] for r in failing.requests] == ["GET"]  # tried first, then passed on
    assert [r["method"] for r in healthy.requests] == ["GET"]


def test_a_post_that_reached_a_failing_node_is_not_sent_again(balancer: Any) -> None:
    """The node may have committed it before failing: sending it to the other node could record it twice."""
    start, node = balancer
    failing, healthy = node(503), node(200)
    port = start(failing.port, healthy.port)
    status, _ = request(port, "POST", "/melden/", body=b"title=x", headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 503
    assert [r["method"] for r in failing.requests] == ["POST"]
    assert healthy.requests == []


def test_a_post_to_a_node_that_is_down_goes_to_the_other(balancer: Any) -> None:
    start, node = balancer
    healthy = node(200)
    port = start(closed_port(), healthy.port)
    status, body = request(port, "POST", "/melden/", body=b"title=x", headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200
    assert json.loads(body)["method"] == "POST"


def test_forwarded_headers_and_request_id(balancer: Any) -> None:
    start, node = balancer
    healthy = node(200)
    port = start(closed_port(), healthy.port)
    status, body = request(port, "GET", "/", headers={"User-Agent": "Browser/1.0"})
    assert status == 200
    headers = json.loads(body)["headers"]
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["x-forwarded-proto"] == "http"
    assert re.fullmatch(r"[0-9a-f]{32}", headers["x-request-id"])
    assert headers["user-agent"] == "Browser/1.0"
    # An id and a client address from a proxy in front are kept (the address appended to, not replaced).
    _, body = request(port, "GET", "/", headers={"X-Request-ID": "lb-4711", "X-Forwarded-For": "203.0.113.9",
                                                 "X-Forwarded-Proto": "https"})
    headers = json.loads(body)["headers"]
    assert headers["x-request-id"] == "lb-4711"
    assert headers["x-forwarded-for"] == "203.0.113.9, 127.0.0.1"
    assert headers["x-forwarded-proto"] == "https"


def test_anonymous_channel_loses_agent_and_referrer(balancer: Any) -> None:
    start, node = balancer
    healthy = node(200)
    port = start(closed_port(), healthy.port)
    status, body = request(port, "GET", "/melden/anonym/", headers={"User-Agent": "Browser/1.0",
                                                                    "Referer": "https://example.org/"})
    assert status == 200
    headers = json.loads(body)["headers"]
    assert "user-agent" not in headers and "referer" not in headers
    assert re.fullmatch(r"[0-9a-f]{32}", headers["x-request-id"])


def test_metrics_and_probes_are_not_served_through_the_public_entry(balancer: Any) -> None:
    start, node = balancer
    healthy = node(200)
    port = start(closed_port(), healthy.port)
    for path in ("/metrics", "/health/ready", "/health/live"):
        status, _ = request(port, "GET", path, headers={"Authorization": "Bearer " + "x" * 32})
        assert status == 404, path
    status, _ = request(port, "GET", "/healthy-page/")  # only the probes' own paths
    assert status == 200
    assert [entry for entry in healthy.requests if "health/" in str(entry) or "metrics" in str(entry)] == []


def test_an_upload_of_the_largest_evidence_passes_and_a_larger_body_is_refused(balancer: Any) -> None:
    from django.conf import settings

    start, node = balancer
    healthy = node(200)
    port = start(closed_port(), healthy.port)
    size = settings.EVIDENCE_UPLOAD_MAX_BYTES + 500_000  # the file plus its multipart framing
    status, body = request(port, "POST", "/faelle/1/beweise/", body=b"x" * size,
                           headers={"Content-Type": "application/octet-stream"})
    assert status == 200
    assert json.loads(body)["length"] == size
    # nginx refuses on the announced length, before reading any of the body.
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.putrequest("POST", "/faelle/1/beweise/")
        connection.putheader("Content-Type", "application/octet-stream")
        connection.putheader("Content-Length", str(26 * 1024 * 1024))
        connection.endheaders()
        assert connection.getresponse().status == 413
    finally:
        connection.close()
    assert len(healthy.requests) == 1
