"""core.dataversion: the triggers renew a scope's token with every write, inside the writing transaction;
the per-process cache of answers is bounded (decision 0027). SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from kommunalschutz.foundation.core import dataversion
from kommunalschutz.foundation.registry.models import PoliceDirectorate, StateAuthority


def test_insert_update_delete_each_renew_the_token(db: None) -> None:
    seen = {dataversion.token("registry")}
    directorate = PoliceDirectorate.objects.create(code="pd-test", name="Polizeidirektion Test")
    seen.add(dataversion.token("registry"))
    PoliceDirectorate.objects.filter(pk=directorate.pk).update(name="Polizeidirektion Probe")
    seen.add(dataversion.token("registry"))
    StateAuthority.objects.create(code="sa-test", name="Landesamt Test", kind="lka")
    seen.add(dataversion.token("registry"))
    PoliceDirectorate.objects.filter(pk=directorate.pk).delete()
    seen.add(dataversion.token("registry"))
    assert None not in seen and len(seen) == 5


def test_a_write_that_touches_no_row_of_the_scope_leaves_it(db: None) -> None:
    before = dataversion.token("registry")
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM registry_municipality")
    assert dataversion.token("registry") == before


def test_a_rolled_back_write_leaves_the_old_token(db: None) -> None:
    before = dataversion.token("registry")
    with pytest.raises(RuntimeError), transaction.atomic():
        PoliceDirectorate.objects.create(code="pd-test", name="Polizeidirektion Test")
        assert dataversion.token("registry") != before  # the writer sees its own new version
        raise RuntimeError
    assert dataversion.token("registry") == before


def test_the_local_cache_drops_the_least_recently_used_and_stays_in_bounds() -> None:
    cache: dataversion.LocalCache[tuple[str, str, str], bytes] = dataversion.LocalCache(entries=3, size=10)
    for name in "abc":
        cache.put(("s", "t", name), b"12")
    assert cache.get(("s", "t", "a")) == b"12"  # a is now the most recent
    cache.put(("s", "t", "d"), b"12")
    assert cache.get(("s", "t", "b")) is None and len(cache) == 3
    cache.put(("s", "t", "e"), b"123456")  # 2 + 2 + 2 + 6 > 10: the oldest go
    assert cache.get(("s", "t", "e")) == b"123456" and cache.get(("s", "t", "c")) is None
    cache.put(("s", "t", "huge"), b"x" * 11)  # larger than the whole cache: not kept
    assert cache.get(("s", "t", "huge")) is None


def test_etags_differ_per_key_and_per_token() -> None:
    one, two = dataversion.Version("registry", "a"), dataversion.Version("registry", "b")
    assert one.etag("x") != one.etag("y") != two.etag("y")
    assert one.etag("x") == dataversion.Version("registry", "a").etag("x")
    assert dataversion.Version("registry", None).etag("x") is None
