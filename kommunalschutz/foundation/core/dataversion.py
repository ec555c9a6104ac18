"""Read answers cached by data version: one tiny query per request, the bytes built once per version.

A *scope* (e.g. "registry") is a set of tables. Database triggers on those tables replace the scope's
token in ``core_dataversion`` with a fresh random one on every INSERT, UPDATE, DELETE (and TRUNCATE on
PostgreSQL), inside the writing transaction, so the new token and the new rows become visible together.
Nothing in Python has to remember to bump it: imports with ``bulk_create``, the admin, services and raw
SQL all change it. A read then costs one primary-key lookup of the token; the answer's bytes are cached
under (scope, token, key) in the process, and the ETag is derived from the same triple, so a client
holding it gets 304 without anything being built (decision 0027).

Tokens are random, never counters: after a rollback or a test's flush the table can be back at an
earlier state, and a counter could then repeat with different rows behind it. Without a token row (an
emptied table) nothing is cached and no ETag is sent.

On PostgreSQL one statement-level BEFORE trigger per table: the token row is locked before the rows are,
so two transactions writing the same scope queue up at their first statement instead of deadlocking.
SQLite has row triggers only (three per table); its writers are serialised anyway.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import timezone
from django.utils.cache import get_conditional_response

TABLE = "core_dataversion"
CACHE_CONTROL = "public, no-cache"  # clients may keep it, but must ask (If-None-Match) every time
# Per process and cache (built bodies; whole answers): at most this many entries and bytes.
LOCAL_ENTRIES = 4096
LOCAL_BYTES = 16 * 1024 * 1024

# SQL expressions that make a fresh random token (not secrets).
K = TypeVar("K")
V = TypeVar("V")

_PG_TOKEN = "md5(random()::text || clock_timestamp()::text || txid_current()::text)"  # noqa: S105
_SQLITE_TOKEN = "lower(hex(randomblob(16)))"  # noqa: S105


def _upsert(scope: str, token_sql: str) -> str:
    # scope is checked by _check_name, token_sql is one of the two constants above
    return (f"INSERT INTO {TABLE} (scope, token) VALUES ('{scope}', {token_sql}) "  # noqa: S608
            f"ON CONFLICT (scope) DO UPDATE SET token = excluded.token")


def _check_name(name: str) -> str:
    if not name.replace("_", "").isalnum() or not name.isascii():
        raise ValueError(f"not a plain SQL name: {name!r}")
    return name


def _trigger(table: str, scope: str) -> str:
    """The trigger's name: per table AND scope, since one table may belong to several scopes (the offers
    to the catalogue's answer and to the alliance map). At most 63 characters (PostgreSQL's limit)."""
    name = f"{table}_dv_{scope}"
    if len(name) > 63:
        raise ValueError(f"trigger name too long: {name!r}")
    return name


def _legacy_trigger(table: str) -> str:
    """The name the first triggers had (registry 0002, before a table could be in two scopes)."""
    return f"{table}_data_version"


def install_triggers(schema_editor: Any, scope: str, tables: Sequence[str]) -> None:
    """Create the triggers that renew ``scope``'s token on every write to ``tables`` (for a migration)."""
    scope = _check_name(scope)
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        function = f"{scope}_renew_data_version"
        schema_editor.execute(
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$ BEGIN "
            f"{_upsert(scope, _PG_TOKEN)}; RETURN NULL; END; $$ LANGUAGE plpgsql;", params=None)
        for table in map(_check_name, tables):
            schema_editor.execute(
                f"CREATE TRIGGER {_trigger(table, scope)} BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {function}();", params=None)
    elif vendor == "sqlite":
        for table in map(_check_name, tables):
            for operation in ("INSERT", "UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER {_trigger(table, scope)}_{operation.lower()} AFTER {operation} ON {table} "
                    f"BEGIN {_upsert(scope, _SQLITE_TOKEN)}; END;")
    else:  # pragma: no cover - the platform runs on these two
        raise NotImplementedError(vendor)
    schema_editor.execute(_upsert(scope, _PG_TOKEN if vendor == "postgresql" else _SQLITE_TOKEN), params=None)


def remove_triggers(schema_editor: Any, scope: str, tables: Sequence[str]) -> None:
    scope = _check_name(scope)
    vendor = schema_editor.connection.vendor
    for table in map(_check_name, tables):
        for name in (_trigger(table, scope), _legacy_trigger(table) if scope == "registry" else None):
            if name is None:
                continue
            if vendor == "postgresql":
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table};", params=None)
            else:
                for operation in ("insert", "update", "delete"):
                    schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}_{operation};")
    if vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {scope}_renew_data_version();", params=None)
    schema_editor.execute(f"DELETE FROM {TABLE} WHERE scope = %s", params=[scope])  # noqa: S608


def triggers_operation(scope: str, tables: Sequence[str]) -> Any:
    """The migration operation that installs ``scope``'s triggers on ``tables`` (and removes them when the
    migration is reversed): ``operations = [triggers_operation("partners", ("measures_partner",))]``."""
    from django.db import migrations

    return migrations.RunPython(lambda _apps, editor: install_triggers(editor, scope, tables),
                                lambda _apps, editor: remove_triggers(editor, scope, tables))


# An answer built from the tables of several scopes names them joined by this (e.g. "councils+registry").
JOIN = "+"


def token(scope: str) -> str | None:
    """The scope's current token (one primary-key lookup), or None if it has none. For scopes joined by
    ``JOIN`` the tokens of all of them in one query, None if any is missing: the answer then changes with
    a write to any of their tables."""
    names = scope.split(JOIN)
    with connection.cursor() as cursor:
        if len(names) == 1:
            cursor.execute(f"SELECT token FROM {TABLE} WHERE scope = %s", [scope])  # noqa: S608
            row = cursor.fetchone()
            return str(row[0]) if row else None
        marks = ", ".join(["%s"] * len(names))
        cursor.execute(f"SELECT scope, token FROM {TABLE} WHERE scope IN ({marks})", names)  # noqa: S608
        tokens = dict(cursor.fetchall())
    if any(name not in tokens for name in names):
        return None
    return ":".join(str(tokens[name]) for name in names)


def joined(*scopes: str) -> str:
    """The scope of an answer that depends on the tables of all ``scopes``."""
    return JOIN.join(_check_name(scope) for scope in scopes)


@dataclass(frozen=True)
class Version:
    scope: str
    token: str | None

    def etag(self, key: str) -> str | None:
        """Weak (the same answer may be sent compressed by the proxy); None without a token."""
        if self.token is None:
            return None
        digest = hashlib.sha256(f"{self.scope}\x00{self.token}\x00{key}".encode()).hexdigest()[:24]
        return f'W/"{digest}"'


def current(scope: str) -> Version:
    return Version(scope, token(scope))


class LocalCache(Generic[K, V]):
    """Values in this process; least recently used out first, bounded in count and in bytes."""

    def __init__(self, entries: int = LOCAL_ENTRIES, size: int = LOCAL_BYTES,
                 size_of: Callable[[V], int] = len) -> None:  # type: ignore[assignment]
        self.entries, self.size, self.size_of = entries, size, size_of
        self._items: OrderedDict[K, V] = OrderedDict()
        self._bytes = 0

    def get(self, key: K) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        if self.size_of(value) > self.size:
            return
        self.drop(key)
        self._items[key] = value
        self._bytes += self.size_of(value)
        while len(self._items) > self.entries or self._bytes > self.size:
            _key, dropped = self._items.popitem(last=False)
            self._bytes -= self.size_of(dropped)

    def drop(self, key: K) -> None:
        old = self._items.pop(key, None)
        if old is not None:
            self._bytes -= self.size_of(old)

    def clear(self) -> None:
        self._items.clear()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)


local_cache: LocalCache[tuple[str, str, str], bytes] = LocalCache()


def cached_body(version: Version, key: str, build: Callable[[], bytes | None]) -> bytes | None:
    """The bytes of ``key`` at this version: from this process's cache, or built (and kept). A build
    that gives None (nothing there) is not kept, so unknown keys cannot crowd out known ones."""
    if version.token is None:
        return build()
    cache_key = (version.scope, version.token, key)
    body = local_cache.get(cache_key)
    if body is None:
        body = build()
        if body is not None:
            local_cache.put(cache_key, body)
    return body


@overload
def versioned_response(request: HttpRequest, scope: str, key: str, build: Callable[[], bytes], *,
                       content_type: str = ..., day: dt.date | None = ...) -> HttpResponseBase: ...
@overload
def versioned_response(request: HttpRequest, scope: str, key: str, build: Callable[[], bytes | None], *,
                       content_type: str = ..., day: dt.date | None = ...) -> HttpResponseBase | None: ...
def versioned_response(request: HttpRequest, scope: str, key: str, build: Callable[[], bytes | None], *,
                       content_type: str = "application/json; charset=utf-8",
                       day: dt.date | None = None) -> HttpResponseBase | None:
    """200 with the cached bytes and an ETag, or 304 if the client's If-None-Match names this version;
    None if ``build`` found nothing (the caller answers 404).

    ``key`` must name everything the answer depends on besides the scope's tables (path, validated
    parameters); the answer must be the same for every caller (public data, no per-user content). An
    answer that also depends on the day (e.g. what is running today) passes ``day`` (today's local date,
    also part of ``key``): the middleware below then replays it on that day only.
    """
    version = current(scope)
    etag = version.etag(key)
    if etag is not None and request.method in ("GET", "HEAD") and "HTTP_IF_NONE_MATCH" in request.META:
        headers = HttpResponse()
        headers["ETag"] = etag
        headers["Cache-Control"] = CACHE_CONTROL
        not_modified = get_conditional_response(request, etag=etag, response=headers)
        if not_modified is not headers:  # a 304 (or 412) that carries the ETag and Cache-Control
            return not_modified
    body = cached_body(version, key, build)
    if body is None:
        return None
    response = HttpResponse(body, content_type=content_type)
    if etag is not None and version.token is not None:
        response["ETag"] = etag
        response["Cache-Control"] = CACHE_CONTROL
        setattr(request, VERSIONED_ANSWER, (version.scope, version.token, etag, day))  # for the middleware below
    return response


# --- The whole answer, before most of the middleware --------------------------------------------------
VERSIONED_ANSWER = "versioned_answer"


@dataclass(frozen=True)
class StoredAnswer:
    scope: str
    token: str
    etag: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    day: dt.date | None = None  # the only day on which it may be replayed (None: any day)


answers: LocalCache[tuple[str, str, str], StoredAnswer] = LocalCache(size_of=lambda answer: len(answer.body))


class VersionedAnswerMiddleware:
    """Replays a public versioned answer without the middleware inside it and without the view.

    A 200 from ``versioned_response`` is kept whole (the headers the inner middleware added, such as
    Content-Language, Vary and X-Frame-Options, and the body) under the request's path, raw query string and
    Accept-Language. The same request later gets it back after one token query, if the scope's token is still
    the one it was built at (and, for an answer that depends on the day, on the same day); otherwise it goes
    the whole way again. Only GET requests without cookies and
    without an Authorization header take this path: nothing of a session, a login or a language cookie can
    then shape the answer, and the raw query string that was validated once is validated the same way again.
    The middleware outside it (security headers, WhiteNoise) runs for every request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        meta = request.META
        if request.method != "GET" or meta.get("HTTP_COOKIE") or meta.get("HTTP_AUTHORIZATION"):
            return self.get_response(request)
        key = (request.path_info, meta.get("QUERY_STRING", ""), meta.get("HTTP_ACCEPT_LANGUAGE", ""))
        stored = answers.get(key)
        if stored is not None:
            if (stored.day is None or stored.day == timezone.localdate()) and token(stored.scope) == stored.token:
                return _replay(request, stored)
            answers.drop(key)
        response = self.get_response(request)
        mark = getattr(request, VERSIONED_ANSWER, None)
        if (mark is not None and response.status_code == 200 and isinstance(response, HttpResponse)
                and not response.cookies):
            scope, current_token, etag, day = mark
            answers.put(key, StoredAnswer(scope, current_token, etag, tuple(response.items()), response.content, day))
        return response


def _replay(request: HttpRequest, stored: StoredAnswer) -> HttpResponseBase:
    response = HttpResponse(stored.body)
    for name, value in stored.headers:
        response[name] = value
    if "HTTP_IF_NONE_MATCH" in request.META:
        return get_conditional_response(request, etag=stored.etag, response=response) or response
    return response


# --- Large answers over several scopes, sent gzipped -----------------------------------------------------


def compressed_response(request: HttpRequest, scopes: Sequence[str], key: str, build: Callable[[], bytes], *,
                        content_type: str = "application/json; charset=utf-8") -> HttpResponseBase:
    """Like ``versioned_response`` for a large public answer that depends on several scopes (decision 0033):
    one query for the tokens, 304 for a matching If-None-Match, and the body built once per version, kept
    plain and gzipped, sent gzipped to a client that accepts it (Django compresses nothing by itself;
    WhiteNoise serves static files only). Not replayed by ``VersionedAnswerMiddleware``, whose key has no
    Accept-Encoding."""
    combined = current(joined(*scopes))
    etag = combined.etag(key)
    headers = HttpResponse()
    if etag is not None:
        headers["ETag"] = etag
        headers["Cache-Control"] = CACHE_CONTROL
        if request.method in ("GET", "HEAD") and "HTTP_IF_NONE_MATCH" in request.META:
            not_modified = get_conditional_response(request, etag=etag, response=headers)
            if not_modified is not None and not_modified is not headers:
                return not_modified
    gzip_ok = "gzip" in request.headers.get("Accept-Encoding", "")
    plain = cached_body(combined, key, build)
    assert plain is not None  # build never gives None here
    body = plain
    if gzip_ok:
        zipped = cached_body(combined, key + "\x00gzip", lambda: gzip.compress(plain, compresslevel=6, mtime=0))
        assert zipped is not None
        body = zipped
    response = HttpResponse(body, content_type=content_type)
    for name in ("ETag", "Cache-Control"):
        if name in headers:
            response[name] = headers[name]
    response["Vary"] = "Accept-Encoding"
    if gzip_ok:
        response["Content-Encoding"] = "gzip"
    return response
