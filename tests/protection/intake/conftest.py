"""Intake fixtures: a valid report, clean caches, and the volatile cache on real Redis where a test asks."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import redis
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.utils import timezone

# CI's Redis; each test takes its own key prefix (xdist workers share the database) and deletes only its keys.
REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


def _clear_volatile() -> None:
    # Only process memory: clear() on Redis would flush a database other workers use.
    store = caches["volatile"]
    if isinstance(store, LocMemCache):
        store.clear()


@pytest.fixture(autouse=True)
def _clear_cache(db: None) -> Any:
    cache.clear()
    _clear_volatile()
    yield
    cache.clear()
    _clear_volatile()


@dataclass
class VolatileRedis:
    """The real Redis behind CACHES["volatile"] in this test, and the prefix of this test's keys."""

    connection: redis.Redis[bytes]
    prefix: str

    def keys(self) -> list[bytes]:
        return list(self.connection.scan_iter(match=f"{self.prefix}:*", count=1000))


@pytest.fixture
def volatile_redis(settings: Any) -> Iterator[VolatileRedis]:
    """CACHES["volatile"] on real Redis with a key prefix of this test alone."""
    connection = redis.Redis.from_url(REDIS_URL)
    connection.ping()  # fail, not skip, when Redis is missing
    prefix = f"test-intake-{uuid.uuid4().hex}"
    settings.CACHES = {**settings.CACHES, "volatile": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": prefix}}
    state = VolatileRedis(connection, prefix)
    yield state
    keys = state.keys()
    if keys:
        connection.delete(*keys)


@pytest.fixture(params=["memory", "redis"])
def volatile(request: pytest.FixtureRequest) -> VolatileRedis | None:
    """Run a test with the volatile cache in process memory (no REDIS_URL) and on real Redis."""
    if request.param == "redis":
        state: VolatileRedis = request.getfixturevalue("volatile_redis")
        return state
    return None


@pytest.fixture
def report_data(world: Any) -> dict[str, Any]:
    """A complete, valid incident in Pirna (PD Dresden)."""
    return {
        "description": "Ein Drohbrief lag im Briefkasten des Rathauses.",
        "incident_types": ["threat", "hate_mail"],
        "occurred_at": timezone.now() - dt.timedelta(days=2),
        "municipality": world.pirna.pk,
        "place": "office",
        "channel": "letter",
        "affected_role": "mayor",
        "politically_motivated": "yes",
        "urgency": "medium",
    }
