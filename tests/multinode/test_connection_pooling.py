"""Connection pooling, both ways docs/deployment.md offers, under real parallel load on PostgreSQL:

- PgBouncer (Debian's package) in transaction mode between the platform and PostgreSQL, with
  DATABASE_PGBOUNCER=true (no server-side cursors, no prepared statements): migrations, two gunicorn workers
  taking parallel API writes and reads, and the commands that stream through ``iterator()`` (the audit chain's
  check) all work through it, and PostgreSQL sees no more server connections than PgBouncer's pool;
- Django's own pool (DATABASE_POOL=true, psycopg_pool): the same load, and the connections each worker holds
  stay within the pool's bounds.

Each test makes a database of its own (bench.deployment), whichever database the suite runs on.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from bench import deployment
from bench import pgbouncer as pgbouncer_setup
from bench.deployment import HOST, PROXY_HEADERS
from bench.machine import PROJECT_DIR

pytestmark = pytest.mark.once  # the servers have databases of their own: CI runs it once (.ci/run)

KOMMUNALSCHUTZ = str(Path(sys.executable).parent / "kommunalschutz")
WRITERS = 6
WRITES_EACH = 15

SETUP = """
from kommunalschutz.foundation.accounts.models import Membership, Organisation, Role, User
from kommunalschutz.foundation.accounts.services import create_token

office = Organisation.objects.create(kind=Organisation.Kind.COORDINATION_OFFICE, name="Koordinierungsstelle")
user = User.objects.create_user("pool", email="pool@example.org")
Membership.objects.create(user=user, organisation=office, role=Role.COORDINATOR)
print("TOKEN=" + create_token(actor=user, user=user, name="pool"))
"""


@pytest.fixture
def pgbouncer() -> Iterator[int]:
    """PgBouncer in transaction mode on a free port, for every database of the local PostgreSQL, with a pool
    small enough that the load below must share it."""
    folder = pgbouncer_setup.new_folder()
    port = deployment.free_port()
    config = pgbouncer_setup.write_config(folder, port, pool_size=4)
    process = subprocess.Popen(pgbouncer_setup.command(folder, config), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)

    def alive() -> None:
        assert process.poll() is None, process.communicate()[0]

    try:
        pgbouncer_setup.wait_until_ready(port, alive=alive)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)
        shutil.rmtree(folder, ignore_errors=True)


def _server_connections(database: str) -> int:
    with psycopg.connect(deployment.POSTGRES_ADMIN_DSN) as conn:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [database]).fetchone()
        assert row is not None
        return int(row[0])


def _post_offer(port: int, token: str, code: str) -> int:
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        conn.request("POST", "/api/v1/engagements/offers", body=json.dumps({"code": code, "name": code}), headers={
            **PROXY_HEADERS, "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


@pytest.fixture(scope="module")
def static_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The static files collected once, as an image carries them, for every deployment of the module."""
    root = tmp_path_factory.mktemp("static")
    dep = deployment.create("sqlite", tmp_path_factory.mktemp("collect"), environment={"STATIC_ROOT": str(root)})
    deployment.manage(dep, "collectstatic", "collectstatic", "--noinput", "-v0")
    return root


def _load(tmp_path: Path, environment: dict[str, str], *, url_port: int | None = None) -> tuple[
        deployment.Deployment, list[int], list[int], int]:
    """A fresh deployment (through PgBouncer when ``url_port``), migrated, with gunicorn under parallel writers
    and readers; the answers, and the most server connections PostgreSQL saw meanwhile."""
    dep = deployment.create("postgres", tmp_path, redis_key_prefix=f"ks-pool-{os.getpid()}-{time.monotonic_ns()}:",
                            environment={"WEB_CONCURRENCY": "2", **environment})
    name = dep.database_name
    assert name
    if url_port is not None:
        dep.env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:{url_port}/{name}"
    deployment.manage(dep, "migrate", "migrate", "--noinput", "-v0")
    output = subprocess.run([KOMMUNALSCHUTZ, "shell", "-c", SETUP],
                            cwd=PROJECT_DIR, env=dep.env, capture_output=True, text=True, check=True,
                            timeout=300).stdout
    token = re.search(r"TOKEN=(\S+)", output)
    assert token, output
    server = deployment.start_gunicorn(dep)
    peak = 0
    writes: list[int] = []
    reads: list[int] = []
    try:
        deployment.wait_until_ready(server, "/impressum/", timeout=120)

        def write(worker: int) -> None:
            for number in range(WRITES_EACH):
                writes.append(_post_offer(server.port, token.group(1), f"w{worker}-{number}"))

        def read() -> None:
            for _ in range(WRITES_EACH * 2):
                reads.append(deployment.get(server.port, "/api/v1/engagements/offers").status)

        threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
        threads += [threading.Thread(target=read) for _ in range(2)]
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            peak = max(peak, _server_connections(name))
            time.sleep(0.05)
    finally:
        deployment.stop(server)
    return dep, writes, reads, peak


def test_the_platform_runs_through_pgbouncer_in_transaction_mode(tmp_path: Path, pgbouncer: int,
                                                                 static_root: Path) -> None:
    dep, writes, reads, peak = _load(tmp_path, {"DATABASE_PGBOUNCER": "true", "STATIC_ROOT": str(static_root)},
                                     url_port=pgbouncer)
    try:
        assert writes == [201] * (WRITERS * WRITES_EACH)
        assert set(reads) == {200}
        assert peak <= 4, peak  # PgBouncer's pool for the database, whatever the clients hold
        # A command that streams with iterator(): the audit chain's check over every write above.
        out = subprocess.run([KOMMUNALSCHUTZ, "verify-audit"],
                             cwd=PROJECT_DIR, env=dep.env, capture_output=True, text=True, timeout=300,
                             check=False)
        assert out.returncode == 0 and "unversehrt" in out.stdout, out.stdout + out.stderr
    finally:
        deployment.destroy(dep)


def test_the_platform_runs_with_djangos_own_pool(tmp_path: Path, static_root: Path) -> None:
    dep, writes, reads, peak = _load(tmp_path, {"DATABASE_POOL": "true", "DATABASE_POOL_MIN_SIZE": "1",
                                                 "DATABASE_POOL_MAX_SIZE": "3", "STATIC_ROOT": str(static_root)})
    try:
        assert writes == [201] * (WRITERS * WRITES_EACH)
        assert set(reads) == {200}
        assert 1 <= peak <= 2 * 3, peak  # two workers, each at most its pool's max_size
    finally:
        deployment.destroy(dep)


def test_pool_and_pgbouncer_together_are_refused(tmp_path: Path) -> None:
    env = {**deployment.create("sqlite", tmp_path).env, "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/x",
           "DATABASE_POOL": "true", "DATABASE_PGBOUNCER": "true"}
    out = subprocess.run([KOMMUNALSCHUTZ, "check"],
                         cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode != 0
    assert "DATABASE_POOL and DATABASE_PGBOUNCER exclude each other" in out.stderr
