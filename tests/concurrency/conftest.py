"""Real parallel writers for the concurrency suite: threads, each with its own database connection.

On PostgreSQL every thread opens its own connection to the test database, as every gunicorn worker does.
On SQLite pytest-django's test database lives in memory (a shared-cache URI): threads opening it would share
one page cache with table-level locks that ignore ``busy_timeout``, which is not how the platform runs. So
the SQLite variant copies the test database into a file for the duration of the test (the backup API, so
schema and cache table come along) and points the ``default`` alias at it, with the production connection
options (WAL, ``BEGIN IMMEDIATE``, busy timeout): every thread then has its own connection to one file
database, exactly like several web workers on one host.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar, cast

import pytest
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connection, connections

T = TypeVar("T")

# How long a thread may wait for the others at the barrier, and for its own work, before the test fails.
TIMEOUT_SECONDS = 60


@pytest.fixture(autouse=True)
def concurrent_database(transactional_db: None, tmp_path: Path) -> Iterator[None]:
    """Make the test database one that separate connections share truly (see the module docstring)."""
    if connection.vendor != "sqlite" or not cast(Any, connection).is_in_memory_db():
        yield
        return
    original = connections[DEFAULT_DB_ALIAS]
    original_settings = connections.settings[DEFAULT_DB_ALIAS]
    # The name the platform gives its database file: a server process started with KOMMUNALSCHUTZ_VAR_DIR=tmp_path
    # (tests/foundation/core/test_task_worker_crash.py) opens this same file.
    path = tmp_path / "kommunalschutz.sqlite3"
    original.ensure_connection()
    target = sqlite3.connect(path)
    try:
        original.connection.backup(target)
    finally:
        target.close()
    # A new dict, not a changed one: the in-memory connection keeps its own settings (and stays open).
    connections.settings[DEFAULT_DB_ALIAS] = {**original_settings, "NAME": str(path)}
    file_connection = connections.create_connection(DEFAULT_DB_ALIAS)
    connections[DEFAULT_DB_ALIAS] = file_connection
    try:
        yield
    finally:
        file_connection.close()
        connections[DEFAULT_DB_ALIAS] = original
        connections.settings[DEFAULT_DB_ALIAS] = original_settings


@dataclass
class Outcome(Generic[T]):
    """What one writer got: its result, or the exception it raised."""

    index: int
    result: T | None = None
    error: BaseException | None = None


def run_together(work: Callable[[int], T], writers: int = 8) -> list[Outcome[T]]:
    """Run ``work(i)`` in ``writers`` threads released at the same moment by a barrier.

    Each thread connects before the barrier (so the writes, not the connecting, collide) and closes its
    connection at the end. Returns the outcomes in writer order; exceptions are returned, not raised.
    """
    barrier = threading.Barrier(writers, timeout=TIMEOUT_SECONDS)
    outcomes = [Outcome[T](index=i) for i in range(writers)]

    def run(i: int) -> None:
        try:
            connection.ensure_connection()
            barrier.wait()
            outcomes[i].result = work(i)
        except BaseException as exc:
            outcomes[i].error = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,), name=f"writer-{i}") for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "a writer hung"
    return outcomes


def results(outcomes: Sequence[Outcome[T]]) -> list[T]:
    """The results of all writers; fails naming the first exception if any writer raised one."""
    errors = [outcome.error for outcome in outcomes if outcome.error is not None]
    if errors:
        raise AssertionError(f"{len(errors)} of {len(outcomes)} writers failed: {errors[0]!r}") from errors[0]
    return [outcome.result for outcome in outcomes if outcome.result is not None]


def errors(outcomes: Sequence[Outcome[Any]]) -> list[BaseException]:
    return [outcome.error for outcome in outcomes if outcome.error is not None]


def successes(outcomes: Sequence[Outcome[T]]) -> list[T]:
    """The results of the writers that did not raise."""
    return [outcome.result for outcome in outcomes if outcome.error is None and outcome.result is not None]


def refusals(outcomes: Sequence[Outcome[Any]], field: str | None = None) -> list[str]:
    """The messages of the refused writers (at ``field`` when given). Fails if a writer raised anything but
    a ValidationError (an IntegrityError would be a 500 for a person)."""
    messages: list[str] = []
    for error in errors(outcomes):
        assert isinstance(error, ValidationError), f"not a refusal: {error!r}"
        if field is None:
            messages += error.messages
        else:
            assert hasattr(error, "error_dict") and field in error.message_dict, f"not at {field}: {error!r}"
            messages += error.message_dict[field]
    return messages
