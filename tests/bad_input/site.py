"""Finding every form of the site as the people who use it see it, and sending the corpus to it.

The crawl walks the demo database's pages from the start page, following links, once per URL pattern, as each
demo persona (and as an anonymous visitor), and collects every ``<form method="post">`` with its fields and
their current values. The forms are grouped by the URL pattern of their action, so a test per app can send
the corpus to each of its forms with the persona that saw it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from django.db import connection
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve

from tests.bad_input.corpus import GERMAN_WORDS

# The demo personas (kommunalschutz/demo/loader.py) in the order the crawl tries them; None: not logged in.
PERSONAS: list[str | None] = [None, "koordination", "pirna-koordination", "pirna-buergermeisterin", "pd-dresden",
                              "lka-schutz", "coach", "analyse", "admin", "pruefung", "plauen-koordination"]
# Pages whose answer is a file, not a page with forms (and some are slow to make).
FILE_SUFFIXES = (".pdf", ".csv", ".xlsx", ".svg", ".json", ".png", ".ods", ".zip", ".txt")
SKIP_PREFIXES = ("/api/", "/static/", "/media/")
TEXT_TYPES = {"text", "textarea", "email", "url", "search", "tel", "password", ""}
# Tables whose rows change without any write of the application (the login's session).
UNCOUNTED_TABLES = {"django_session"}


@dataclass
class Field:
    name: str
    kind: str  # input type, "textarea" or "select"
    value: str = ""
    options: list[str] = field(default_factory=list)
    multiple: bool = False


@dataclass
class Form:
    action: str  # the path it posts to
    route: str  # "namespace:name" of that path
    persona: str | None
    page: str
    fields: list[Field] = field(default_factory=list)
    # Buttons with a name: the first one is "pressed".
    buttons: list[tuple[str, str]] = field(default_factory=list)

    def has(self, *kinds: str) -> bool:
        return any(f.kind in kinds for f in self.fields)

    @property
    def text_fields(self) -> list[Field]:
        return [f for f in self.fields if f.kind in TEXT_TYPES and f.name != "csrfmiddlewaretoken"]

    @property
    def is_action(self) -> bool:
        """A button only (hidden values at most): an empty post is a valid press of it."""
        return all(f.kind in {"hidden", "submit"} for f in self.fields)

    def data(self, **replace: Any) -> dict[str, Any]:
        """The form as the page shows it (current values, first choice of every list), with replacements."""
        data: dict[str, Any] = {}
        for f in self.fields:
            if f.name == "csrfmiddlewaretoken" or f.kind == "file":
                continue
            if f.kind in {"checkbox", "radio"}:
                if f.value:
                    data.setdefault(f.name, []).append(f.value)
                continue
            if f.kind == "select":
                chosen = f.value or next((o for o in f.options if o), "")
                data[f.name] = [chosen] if f.multiple else chosen
                continue
            data[f.name] = f.value
        if self.buttons:
            name, value = self.buttons[0]
            data.setdefault(name, value)
        for name, value in replace.items():
            data[name] = value
        return {k: v for k, v in data.items() if v is not None}


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[tuple[str, list[Field], list[tuple[str, str]]]] = []
        self._form: tuple[str, list[Field], list[tuple[str, str]]] | None = None
        self._textarea: Field | None = None
        self._select: Field | None = None
        self._radio_seen: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            if a.get("method", "get").lower() == "post":
                self._form = (a.get("action", ""), [], [])
                self.forms.append(self._form)
            else:
                self._form = None
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in {"submit", "image", "button"}:
                self._form[2].append((a["name"], a.get("value", "")))
                return
            if kind in {"checkbox", "radio"}:
                checked = "checked" in a
                if kind == "radio" and a["name"] not in self._radio_seen and not checked:
                    # no radio checked yet: the first one is chosen, so required choices are made
                    checked = not any(f.name == a["name"] for f in self._form[1])
                self._form[1].append(Field(a["name"], kind, a.get("value", "on") if checked else ""))
                if checked:
                    self._radio_seen.add(a["name"])
                return
            self._form[1].append(Field(a["name"], kind, a.get("value", "")))
        elif tag == "button" and a.get("name"):
            self._form[2].append((a["name"], a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea = Field(a["name"], "textarea")
            self._form[1].append(self._textarea)
        elif tag == "select" and a.get("name"):
            self._select = Field(a["name"], "select", multiple="multiple" in a)
            self._form[1].append(self._select)
        elif tag == "option" and self._select is not None:
            self._select.options.append(a.get("value", ""))
            if "selected" in a and not self._select.value:
                self._select.value = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data


def route_of(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


def pattern_of(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.route


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, Any]]:
    for item in resolver.url_patterns:
        if isinstance(item, URLResolver):
            ns = namespace
            if item.namespace:
                ns = f"{namespace}:{item.namespace}" if namespace else item.namespace
            yield from _walk(item, prefix + str(item.pattern), ns)
        elif isinstance(item, URLPattern):
            name = f"{namespace}:{item.name}" if namespace else str(item.name)
            yield prefix + str(item.pattern), name, item.callback


def post_views() -> dict[str, str]:
    """Every view of the site (not the API) that handles POST: view name -> route.

    A view handles POST when its code reads the request method, posted data or files (directly or through
    ``web.pages.submit``), or is restricted to POST."""
    import inspect

    found: dict[str, str] = {}
    for route, name, callback in _walk(get_resolver()):
        if route.startswith("api/"):
            continue
        view = inspect.unwrap(callback)
        try:
            source = inspect.getsource(view)
        except (OSError, TypeError):
            continue
        if re.search(r"POST|request\.method|submit\(|request\.FILES|require_POST", source):
            found[name] = route
    return found


@dataclass
class Site:
    forms: dict[str, Form]  # action route -> the form (as the first persona that saw it)
    # (namespace, URL argument) -> (value, persona) from a page that persona could open
    arguments: dict[tuple[str, str], tuple[Any, str | None]]

    def direct(self, name: str, route: str) -> Form | None:
        """A POST view no page shows as a form: its address from the arguments the crawl saw in its app."""
        from django.urls import NoReverseMatch, reverse

        namespace = name.split(":")[0]
        kwargs: dict[str, Any] = {}
        persona: str | None = None
        for converter, argument in re.findall(r"<(?:(\w+):)?(\w+)>", route):
            found = self.arguments.get((namespace, argument)) or next(
                (value for (_, name), value in sorted(self.arguments.items(), key=str) if name == argument), None)
            if found is None:
                # No page showed such an object to anyone: an address that answers 404, still a target.
                found = (1 if converter == "int" else "unbekannt", persona)
            kwargs[argument], persona = found[0], found[1] or persona
        try:
            path = reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            return None
        if persona is None:
            persona = next((p for (ns, _), (_, p) in self.arguments.items() if ns == namespace and p), None)
        return Form(path, name, persona, "(direct)", [Field("bemerkung", "text")])


def crawl(client: Any, login: Any, users: dict[str, Any], limit_per_persona: int = 400) -> Site:
    """The forms of the site, one per action route (the first persona that saw it)."""
    forms: dict[str, Form] = {}
    arguments: dict[tuple[str, str], tuple[Any, str | None]] = {}
    fetched_by_anyone: set[str] = set()
    for persona in PERSONAS:
        client.logout()
        if persona is not None:
            login(users[persona])
        queue = ["/"]
        visited_here: dict[str, int] = {}
        fetched = 0
        while queue and fetched < limit_per_persona:
            url = queue.pop(0)
            pattern = pattern_of(url)
            if pattern is None or visited_here.get(pattern, 0) >= (2 if "<" in pattern else 1):
                continue
            if "<" in pattern and url in fetched_by_anyone:
                continue  # another object of the same kind shows other forms
            visited_here[pattern] = visited_here.get(pattern, 0) + 1
            fetched_by_anyone.add(url)
            fetched += 1
            response = client.get(url)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            match = resolve(urlsplit(url).path)
            for argument, value in match.kwargs.items():
                arguments.setdefault((match.view_name.split(":")[0], argument), (value, persona))
            page = _Page()
            page.feed(response.content.decode("utf-8", "replace"))
            for action, fields, buttons in page.forms:
                path = urlsplit(urljoin(url, action or url)).path
                route = route_of(path)
                if route is None:
                    continue
                if route not in forms:
                    forms[route] = Form(path, route, persona, url, fields, buttons)
            for href in page.links:
                target = urljoin(url, href)
                parts = urlsplit(target)
                if parts.netloc and parts.netloc != "testserver":
                    continue
                path = parts.path + (f"?{parts.query}" if parts.query and "page=" not in parts.query else "")
                if parts.path.startswith(SKIP_PREFIXES) or parts.path.endswith(FILE_SUFFIXES):
                    continue
                if "abmelden" in parts.path or "logout" in parts.path:
                    continue
                queue.append(path)
    client.logout()
    return Site(forms, arguments)


# --- what an answer must be ------------------------------------------------------------------------------


def row_counts() -> dict[str, int]:
    tables = sorted(set(connection.introspection.table_names()) - UNCOUNTED_TABLES)
    quote = connection.ops.quote_name
    # table names from the database's own catalogue, quoted
    sql = " UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM {quote(t)}" for t in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return {str(name): int(count) for name, count in cursor.fetchall()}


def changed(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {t: (before.get(t, 0), after.get(t, 0)) for t in set(before) | set(after)
            if before.get(t, 0) != after.get(t, 0)}


def german_problem(response: Any) -> str | None:
    """None when the answer is German; else what is wrong with it."""
    if response.status_code >= 500:
        return f"server error {response.status_code}"
    if response.status_code in (301, 302, 303, 304, 204, 405):
        return None
    content_type = response.get("Content-Type", "")
    text = response.content.decode("utf-8", "replace")
    if "json" in content_type:
        try:
            detail = json.dumps(json.loads(text).get("detail", ""), ensure_ascii=False)
        except (ValueError, AttributeError):
            return f"JSON answer without detail: {text[:200]}"
        if response.status_code >= 400 and not _german(detail):
            return f"JSON error not in German: {detail[:300]}"
        return None
    if response.get("Content-Language") != "de":
        return f"Content-Language is {response.get('Content-Language')!r}"
    if response.status_code >= 400 and not _german(text):
        return f"error page not in German: {text[:300]}"
    return None


def _german(text: str) -> bool:
    lowered = text.lower()
    return any(re.search(rf"\b{re.escape(word)}", lowered) for word in GERMAN_WORDS)
