"""Two app nodes, a task worker and nginx on one PostgreSQL and one Redis: the standard size of
deploy/compose.yaml on one machine (bench/multinode.py starts exactly its processes; each node has a
KOMMUNALSCHUTZ_VAR_DIR of its own).

- a login on node A continues on node B (sessions in the database, not a node's memory);
- a registry import queued on A runs on the worker, its progress shows on B, and B shows the imported
  municipalities at once (no stale cache in B's processes);
- an audit-trail export queued on A is downloaded through B byte for byte as A serves it (files in the shared
  storage, not a node's disk);
- node A killed with SIGKILL in the middle of traffic through nginx: reads go on through B, and every write
  that was acknowledged (201) is there afterwards.

The cluster always runs on PostgreSQL and Redis (the machine's own, a database and a key prefix of its own),
whichever database the rest of the suite uses: this is the deployment the test is about.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
from collections.abc import Iterator

import pytest
from django_otp.oath import totp

from bench import deployment, multinode
from bench.deployment import HOST, PROXY_HEADERS
from tests.conftest import PASSWORD
from tests.visitor import Visitor

pytestmark = pytest.mark.once  # the servers have databases of their own: CI runs it once (.ci/run)

TOTP_KEY = "3132333435363738393031323334353637383930"  # the RFC 6238 test key, for a test account only

SETUP = f"""
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice
from kommunalschutz.foundation.accounts.models import Membership, Organisation, Role, User
from kommunalschutz.foundation.accounts.services import create_token

with transaction.atomic():
    office = Organisation.objects.create(kind=Organisation.Kind.COORDINATION_OFFICE, name="Koordinierungsstelle")
    user = User.objects.create_user("betrieb", email="betrieb@example.org", password={PASSWORD!r})
    for role in (Role.ADMINISTRATOR, Role.COORDINATOR):
        Membership.objects.create(user=user, organisation=office, role=role)
    TOTPDevice.objects.create(user=user, name="test", key={TOTP_KEY!r}, confirmed=True)
print("TOKEN=" + create_token(actor=user, user=user, name="multinode"))
"""


def code() -> str:
    return f"{totp(bytes.fromhex(TOTP_KEY)):06d}"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[multinode.Cluster, str]]:
    running = multinode.start(tmp_path_factory.mktemp("cluster"), nodes=2)
    try:
        output = running.manage("shell", "-c", SETUP)
        token = re.search(r"TOKEN=(\S+)", output)
        assert token, output
        yield running, token.group(1)
    finally:
        multinode.stop(running)


@pytest.fixture(scope="module")
def login(cluster: tuple[multinode.Cluster, str]) -> dict[str, str]:
    """The session cookies of one login through node A (a second factor code counts once)."""
    running, _token = cluster
    visitor = Visitor(running.nodes[0].port)
    visitor.log_in("betrieb", code)
    return dict(visitor.cookies)


def _task_id(location: str) -> int:
    match = re.fullmatch(r"/aufgaben/(\d+)/", location)
    assert match, location
    return int(match.group(1))


def _wait_done(visitor: Visitor, task: int, timeout: float = 300) -> str:
    """The task page on this node until the task is finished; its text."""
    deadline = time.monotonic() + timeout
    while True:
        status, text = visitor.get(f"/aufgaben/{task}/")
        assert status == 200, status
        if "fehlgeschlagen" in text:
            raise AssertionError(f"task {task} failed: {text[:2000]}")
        if re.search(r"\bfertig\b", text):
            return text
        assert time.monotonic() < deadline, f"task {task} not finished: {text[:2000]}"
        time.sleep(1)


def test_the_compose_file_names_the_processes_started() -> None:
    commands = multinode.compose_commands()
    assert commands["app-1"] == commands["app-2"]
    assert commands["app-1"][0] == "gunicorn"
    assert commands["worker"] == ["kommunalschutz", "run_huey"]
    assert commands["migrate"][:2] == ["kommunalschutz", "migrate"]


def test_a_login_on_one_node_continues_on_the_other(cluster: tuple[multinode.Cluster, str],
                                                    login: dict[str, str]) -> None:
    running, _token = cluster
    on_b = Visitor(running.nodes[1].port, cookies=dict(login))
    status, text = on_b.get("/protokoll/")
    assert status == 200, status
    assert "Abmelden" in text
    # and a stranger's cookie is no login on either node
    stranger = Visitor(running.nodes[1].port, cookies={"sessionid": "x" * 32})
    status, _text, location = stranger.request("GET", "/protokoll/")
    assert status == 302 and location == "/konto/anmelden/", (status, location)


def test_a_registry_import_queued_on_a_runs_on_the_worker_and_shows_on_b(
        cluster: tuple[multinode.Cluster, str], login: dict[str, str]) -> None:
    running, _token = cluster
    on_a = Visitor(running.nodes[0].port, cookies=dict(login))
    on_b = Visitor(running.nodes[1].port, cookies=dict(login))
    status, before = on_b.get("/api/v1/municipalities?limit=1")
    assert status == 200, before
    assert json.loads(before)["count"] == 0
    hidden = on_a.form("/register/import/")
    status, _text, location = on_a.request("POST", "/register/import/", {
        "csrfmiddlewaretoken": hidden["csrfmiddlewaretoken"], "land": "14"})
    assert status == 302, status
    _wait_done(on_b, _task_id(location))
    status, after = on_b.get("/api/v1/municipalities?limit=1")
    assert status == 200
    assert json.loads(after)["count"] > 400  # Saxony's municipalities, at once on the other node
    status, page = on_b.get("/register/gemeinden/14612000/")
    assert status == 200 and "Dresden" in page


def test_an_export_made_by_the_worker_downloads_through_either_node(
        cluster: tuple[multinode.Cluster, str], login: dict[str, str]) -> None:
    running, _token = cluster
    on_a = Visitor(running.nodes[0].port, cookies=dict(login))
    on_b = Visitor(running.nodes[1].port, cookies=dict(login))
    hidden = on_a.form("/protokoll/")
    status, _text, location = on_a.request("POST", "/protokoll/export/", {
        "csrfmiddlewaretoken": hidden["csrfmiddlewaretoken"]})
    assert status == 302, status
    task = _task_id(location)
    _wait_done(on_b, task)
    bodies = []
    for visitor in (on_a, on_b):
        status, body = visitor.get(f"/aufgaben/{task}/datei/")
        assert status == 200, (visitor.port, status)
        bodies.append(body)
    assert bodies[0] == bodies[1]
    assert "betrieb" in bodies[0]


def _post_offer(port: int, token: str, number: int) -> int:
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        conn.request("POST", "/api/v1/engagements/offers", body=json.dumps({
            "code": f"angebot-{number}", "name": f"Angebot {number}"}), headers={
            **PROXY_HEADERS, "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        return 0
    finally:
        conn.close()


def test_a_node_killed_mid_traffic_loses_no_acknowledged_write(cluster: tuple[multinode.Cluster, str]) -> None:
    running, token = cluster
    acknowledged: list[int] = []
    answers: list[int] = []
    reads: list[int] = []
    stop = threading.Event()

    def write() -> None:
        number = 0
        while not stop.is_set():
            number += 1
            status = _post_offer(running.port, token, number)
            answers.append(status)
            if status == 201:
                acknowledged.append(number)

    def read() -> None:
        while not stop.is_set():
            try:
                reads.append(deployment.get(running.port, "/api/v1/engagements/offers").status)
            except OSError:
                reads.append(0)

    threads = [threading.Thread(target=write), threading.Thread(target=read)]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + 60
        while len(acknowledged) < 20 and time.monotonic() < deadline:
            time.sleep(0.1)
        running.kill_node(0)
        killed_at = len(answers), len(reads)
        deadline = time.monotonic() + 60
        while (len(answers) < killed_at[0] + 25 or len(reads) < killed_at[1] + 25) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
    assert len(acknowledged) >= 40, answers[-20:]
    # after the kill nginx sends everything to B: reads never fail, writes go on
    assert len(reads) >= killed_at[1] + 25 and len(answers) >= killed_at[0] + 25, (len(reads), len(answers))
    assert set(reads[killed_at[1] + 5:]) == {200}, reads[killed_at[1]:]
    assert set(answers[killed_at[0] + 5:]) == {201}, answers[killed_at[0]:]
    # every acknowledged write is in the database, read back through the surviving node
    status, text = Visitor(running.nodes[1].port).get("/api/v1/engagements/offers")
    assert status == 200
    codes = {offer["code"] for offer in json.loads(text)}
    missing = [number for number in acknowledged if f"angebot-{number}" not in codes]
    assert not missing, missing
