"""The bad-input corpus sent to every write operation of the API (issue 12, item 5).

The operations are read from the API's own OpenAPI document (every POST, PUT, PATCH and DELETE), each called
with a demo persona's token on a real demo object. Every answer: no server error, a German message, and the
row count of every table unchanged. JSON is required (text/plain and form encoding: 415); every string is
checked for NUL and control characters; wrong types, absurd dates and numbers get a German 422.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from kommunalschutz.config.api import api
from tests.bad_input import corpus
from tests.bad_input.site import changed, german_problem, row_counts
from tests.demo.database import DemoData

WRITE_METHODS = ("post", "put", "patch", "delete")


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    schema = api.get_openapi_schema()
    found = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if method in WRITE_METHODS:
                found.append((method, path, operation))
    return found


def _schema_of(operation: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """(content type, the body's properties) of an operation; components resolved."""
    schema = api.get_openapi_schema()
    content = operation.get("requestBody", {}).get("content", {})
    if not content:
        return None, {}
    kind, body = next(iter(content.items()))
    body = body.get("schema", {})
    if "$ref" in body:
        body = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    return kind, body.get("properties", {})


# Who calls which part of the API (the demo personas of kommunalschutz/demo/loader.py); None: no token.
def _persona(path: str) -> str | None:
    if path.startswith("/api/v1/public/"):
        return None
    if path.startswith(("/api/v1/cases", "/api/v1/assessments")):
        return "pd-dresden"
    if path.startswith("/api/v1/measures"):
        return "lka-schutz"
    if path.startswith("/api/v1/reports"):
        return "pirna-buergermeisterin"
    return "koordination"


def _path_values(persona: str | None) -> dict[str, str]:
    """A real object for every path parameter, one the persona may see where that matters."""
    from kommunalschutz.alliance.events.models import Event
    from kommunalschutz.alliance.programme.models import CooperationAgreement
    from kommunalschutz.foundation.accounts.models import APIToken, User
    from kommunalschutz.protection.assessments.models import ThreatAssessment as Assessment
    from kommunalschutz.protection.cases import selectors
    from kommunalschutz.protection.cases.models import CaseTask
    from kommunalschutz.protection.measures.models import Measure, Partner

    user = User.objects.get(username=persona or "pd-dresden")
    case = selectors.visible_cases(user).order_by("pk").first()
    task = CaseTask.objects.filter(case=case).order_by("pk").first() or CaseTask.objects.order_by("pk").first()
    values = {
        "case_id": str(case.pk if case else 1),
        "task_id": str(task.pk if task else 1),
        "token_id": str(APIToken.objects.filter(user=user).values_list("pk", flat=True).first() or 1),
        "agreement_id": str(CooperationAgreement.objects.values_list("pk", flat=True).order_by("pk").first() or 1),
        "slug": Event.objects.values_list("slug", flat=True).order_by("pk").first() or "x",
        "assessment_id": str(Assessment.objects.values_list("pk", flat=True).order_by("pk").first() or 1),
        "partner_id": str(Partner.objects.values_list("pk", flat=True).order_by("pk").first() or 1),
        "measure_id": str(Measure.objects.values_list("pk", flat=True).order_by("pk").first() or 1),
    }
    return values


def _headers(demo: DemoData, persona: str | None) -> dict[str, str]:
    if persona is None:
        return {}
    token = next(login["api_token"] for login in demo.logins if login["username"] == persona)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _body(properties: dict[str, Any], **replace: Any) -> dict[str, Any]:
    """A body with a plausible value for every property, then the replacements."""
    body: dict[str, Any] = {}
    for name, spec in properties.items():
        kind = spec.get("type") or next((s.get("type") for s in spec.get("anyOf", []) if s.get("type") != "null"),
                                        "string")
        fmt = spec.get("format") or next((s.get("format") for s in spec.get("anyOf", []) if s.get("format")), "")
        if fmt == "date":
            body[name] = "2026-01-15"
        elif fmt == "date-time":
            body[name] = "2026-01-15T10:00:00+01:00"
        elif kind == "integer":
            body[name] = 1
        elif kind == "number":
            body[name] = 1.0
        elif kind == "boolean":
            body[name] = True
        elif kind == "array":
            body[name] = []
        elif kind == "object":
            body[name] = {}
        else:
            body[name] = "Testeingabe"
    body.update(replace)
    return body


def _fields_of(properties: dict[str, Any], *formats: str) -> list[str]:
    names = []
    for name, spec in properties.items():
        options = [spec, *spec.get("anyOf", [])]
        if any(option.get("format") in formats or (option.get("type") in formats and not option.get("format"))
               for option in options):
            names.append(name)
    return names


OPERATIONS = operations()


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS,
                         ids=[f"{m.upper()} {p}" for m, p, _ in OPERATIONS])
def test_every_api_write_refuses_bad_input_in_german_and_writes_nothing(
        demo_db: DemoData, client: Any, method: str, path: str, operation: dict[str, Any]) -> None:
    persona = _persona(path)
    headers = _headers(demo_db, persona)
    values = _path_values(persona)
    url = path
    for name, value in values.items():
        url = url.replace("{" + name + "}", value)
    assert "{" not in url, f"no demo object for a parameter of {path}"
    kind, properties = _schema_of(operation)
    call = getattr(client, method)
    failures: list[str] = []

    def attempt(payload: str, body: Any, content_type: str = "application/json", *, must_refuse: bool = True) -> None:
        before = row_counts()
        data = body if isinstance(body, bytes | str) else json.dumps(body)
        response = call(url, data=data, content_type=content_type, **headers)
        problem = german_problem(response)
        if problem:
            failures.append(f"{payload}: {problem}")
        if must_refuse:
            if response.status_code < 400:
                failures.append(f"{payload}: accepted with {response.status_code}")
            diff = changed(before, row_counts())
            if diff:
                failures.append(f"{payload}: rows written {diff}")

    if kind == "application/json":
        text_fields = _fields_of(properties, "string") or ["unbekannt"]
        valid = _body(properties)
        attempt("text/plain body", json.dumps(valid), "text/plain")
        attempt("form-encoded body", "a=1", "application/x-www-form-urlencoded")
        attempt("not JSON", "{kein json")
        attempt("JSON list instead of object", [valid])
        attempt("empty body", "", must_refuse=bool(operation.get("requestBody", {}).get("required")))
        for payload in corpus.BAD_TEXT:
            attempt(payload.name, _body(properties, **dict.fromkeys(text_fields, payload.value)))
        attempt("NUL in a key", {**valid, "feld\x00": "x"})
        for payload in corpus.WRONG_TYPES:
            target = _fields_of(properties, "string") if payload.name.endswith("for_string") else \
                _fields_of(properties, "integer")
            if target:
                attempt(payload.name, _body(properties, **dict.fromkeys(target, payload.value)),
                        must_refuse=payload.name != "negative_int")
        dates = _fields_of(properties, "date")
        moments = _fields_of(properties, "date-time")
        for payload in corpus.BAD_DATES if dates else []:
            attempt(f"date {payload.name}", _body(properties, **dict.fromkeys(dates, payload.value)))
        for payload in corpus.BAD_DATETIMES if moments else []:
            attempt(f"datetime {payload.name}", _body(properties, **dict.fromkeys(moments, payload.value)))
    elif kind == "multipart/form-data":
        from django.core.files.uploadedfile import SimpleUploadedFile

        for payload in corpus.BAD_TEXT[:2]:
            before = row_counts()
            response = client.post(url, {name: payload.value for name in properties if name != "file"} | {
                "bemerkung": payload.value}, **headers)
            problem = german_problem(response) or (None if response.status_code >= 400 else "accepted")
            if problem or changed(before, row_counts()):
                failures.append(f"multipart {payload.name}: {problem} {changed(before, row_counts())}")
        for name, file_name, content in corpus.bad_files()[:5]:
            before = row_counts()
            upload = SimpleUploadedFile(file_name, content)
            response = client.post(url, {"file": upload, "document": upload}, **headers)
            problem = german_problem(response) or (None if response.status_code >= 400 else "accepted")
            if problem or changed(before, row_counts()):
                failures.append(f"file {name}: {problem} {changed(before, row_counts())}")
    else:
        # No body: a button. A body sent anyway must not break it.
        before = row_counts()
        response = call(url, data="{kein json", content_type="text/plain", **headers)
        problem = german_problem(response)
        if problem:
            failures.append(f"text/plain body on a bodiless operation: {problem}")
    assert not failures, f"{method.upper()} {path} as {persona}:\n" + "\n".join(failures)
