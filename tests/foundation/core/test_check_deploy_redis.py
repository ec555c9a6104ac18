"""check-deploy refuses a Redis that writes to disk: the anonymous channel's keyed client hashes live there."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from kommunalschutz.foundation.core.management.commands.check_deploy import redis_persistence_problems


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[redis.Redis[bytes]]:
    """A Redis server of this test's own (Debian's redis-server), started with snapshots on."""
    port = _free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(tmp_path),
                               "--save", "900 1", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=3)
    try:
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield client
    finally:
        server.kill()  # a throwaway server: no shutdown save
        server.wait(timeout=10)


def test_snapshots_and_append_only_file_are_reported(own_redis: redis.Redis[bytes]) -> None:
    problems = redis_persistence_problems(own_redis)
    assert len(problems) == 1 and 'save "900 1"' in problems[0]
    own_redis.config_set("appendonly", "yes")
    assert len(redis_persistence_problems(own_redis)) == 2


def test_a_redis_without_persistence_passes(own_redis: redis.Redis[bytes]) -> None:
    own_redis.config_set("save", "")
    assert redis_persistence_problems(own_redis) == []
