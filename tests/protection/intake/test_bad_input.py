"""Bad input on the intake's forms and API: a clear German error and not one row more, never a 500.

NUL bytes and other control characters in text, empty / JSON / text bodies on form posts, a body that is
not declared JSON on the API (415), and absurd dates.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.protection.intake.anonymous import PASS, post_json, report_json, row_counts

ADDRESS = "198.51.100.12"
CONTROL = "Drohung\x00mit NUL"


def _german_field_error(response: Any, field: str) -> str:
    """The German message at ``field``: the endpoint's own 422 ({detail, errors}) or the JSON parser's, which
    refuses control characters in any string before the endpoint runs ({detail: [{loc, msg}]})."""
    assert response.status_code == 422, response.content[:300]
    body = response.json()
    if "errors" in body:
        errors: dict[str, list[str]] = body["errors"]
        assert field in errors, errors
        return " ".join(errors[field])
    messages = [item["msg"] for item in body["detail"] if item["loc"][-1] == field]
    assert messages, body
    return " ".join(messages)


def _refuses_characters(message: str) -> bool:
    return "Steuerzeichen" in message or "Nullzeichen" in message


@pytest.mark.parametrize("field", ["platform", "description", "place_detail", "perpetrator_details", "passphrase"])
@pytest.mark.parametrize("text", ["Drohung\x00mit NUL", "Steuer\x01zeichen", "Escape\x1b[31m", "halb\ud800"])
def test_api_refuses_control_characters_at_their_field(world: Any, client: Any, report_data: dict[str, Any],
                                                       field: str, text: str) -> None:
    before = row_counts()
    body = report_json(world, report_data, **{"channel": "social_media", "platform": "Telegram", field: text})
    if field == "passphrase":
        body["passphrase_repeat"] = text
    message = _german_field_error(post_json(client, "/public/reports", body, ADDRESS), field)
    assert _refuses_characters(message), message
    assert row_counts() == before


def test_api_lookup_and_message_refuse_control_characters(world: Any, client: Any) -> None:
    before = row_counts()
    assert _refuses_characters(_german_field_error(
        post_json(client, "/public/reports/lookup", {"receipt": "1234\x00", "passphrase": PASS}, ADDRESS), "receipt"))
    assert _refuses_characters(_german_field_error(
        post_json(client, "/public/reports/messages", {"receipt": "1" * 16, "passphrase": PASS, "body": CONTROL},
                  ADDRESS), "body"))
    assert row_counts() == before


def test_authenticated_api_refuses_control_characters(world: Any, client: Any, report_data: dict[str, Any],
                                                      bearer: Any) -> None:
    headers = bearer(world.pirna_official)
    before = row_counts()
    body = {key: value for key, value in report_json(world, report_data, description=CONTROL).items()
            if not key.startswith("passphrase")}
    response = post_json(client, "/reports", body, ADDRESS, **headers)
    assert _refuses_characters(_german_field_error(response, "description"))
    assert row_counts() == before


@pytest.mark.parametrize("path", ["/public/reports", "/public/reports/lookup", "/public/reports/messages"])
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", ""])
def test_public_api_requires_json(world: Any, client: Any, report_data: dict[str, Any], path: str,
                                  content_type: str) -> None:
    before = row_counts()
    body = json.dumps({**report_json(world, report_data), "receipt": "1" * 16, "body": "Hallo"})
    response = client.generic("POST", "/api/v1" + path, body, content_type=content_type, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 415
    assert "Content-Type: application/json" in response.json()["detail"] and "Bitte" in response.json()["detail"]
    assert row_counts() == before


def test_authenticated_api_requires_json(world: Any, client: Any, report_data: dict[str, Any], bearer: Any) -> None:
    headers = bearer(world.pirna_official)
    before = row_counts()
    body = json.dumps({k: v for k, v in report_json(world, report_data).items() if not k.startswith("passphrase")})
    response = client.generic("POST", "/api/v1/reports", body, content_type="text/plain", **headers)
    assert response.status_code == 415 and "JSON" in response.json()["detail"]
    assert row_counts() == before
    assert client.generic("POST", "/api/v1/reports", body, content_type="application/json", **headers
                          ).status_code == 201


@pytest.mark.parametrize("occurred_at", ["0001-01-01T00:00:00", "0001-01-01T00:00:00+00:00", "1989-12-31T23:00:00"])
def test_api_refuses_absurd_dates_in_german(world: Any, client: Any, report_data: dict[str, Any],
                                            occurred_at: str) -> None:
    before = row_counts()
    response = post_json(client, "/public/reports", report_json(world, report_data, occurred_at=occurred_at), ADDRESS)
    assert "01.01.1990" in _german_field_error(response, "occurred_at")
    assert row_counts() == before


def test_api_refuses_an_ancient_period_and_the_future(world: Any, client: Any, report_data: dict[str, Any]) -> None:
    before = row_counts()
    response = post_json(client, "/public/reports", report_json(
        world, report_data, occurred_at=None, period_start="0001-01-01", period_end="1900-05-01"), ADDRESS)
    assert "01.01.1990" in _german_field_error(response, "period_start")
    assert "01.01.1990" in _german_field_error(response, "period_end")
    response = post_json(client, "/public/reports", report_json(
        world, report_data, occurred_at="2999-01-01T10:00:00"), ADDRESS)
    assert "Zukunft" in _german_field_error(response, "occurred_at")
    assert row_counts() == before


@pytest.mark.parametrize("how", ["empty", "json", "text", "nul", "control", "ancient"])
def test_anonymous_form_answers_bad_posts_with_german_errors(world: Any, client: Any, report_data: dict[str, Any],
                                                             how: str) -> None:
    token = client.get("/melden/anonym/").context["form_token"]
    form = {**report_data, "occurred_at": "2024-05-01T10:00", "passphrase": PASS, "passphrase_repeat": PASS,
            "form_token": token}
    before = row_counts()
    if how == "empty":
        response = client.post("/melden/anonym/", "", content_type="application/x-www-form-urlencoded")
    elif how == "json":
        response = client.post("/melden/anonym/", json.dumps(form), content_type="application/json")
    elif how == "text":
        response = client.post("/melden/anonym/", "description=x", content_type="text/plain")
    elif how == "nul":
        response = client.post("/melden/anonym/", {**form, "platform": "Tele\x00gram", "channel": "social_media"})
    elif how == "control":
        response = client.post("/melden/anonym/", {**form, "description": "Text\x07mit Glocke"})
    else:
        response = client.post("/melden/anonym/", {**form, "occurred_at": "0001-01-01T00:00"})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'role="alert"' in page or "aria-invalid" in page
    errors = " ".join(str(message) for messages in response.context["form"].errors.values() for message in messages)
    expected = {"empty": "Bitte", "json": "Bitte", "text": "Bitte", "nul": "Nullzeichen",
                "control": "Steuerzeichen", "ancient": "01.01.1990"}[how]
    assert expected in errors, errors
    assert row_counts() == before


@pytest.mark.parametrize("body, content_type", [("", "application/x-www-form-urlencoded"),
                                                ('{"action": "open"}', "application/json"),
                                                ("action=open&receipt=1%00&passphrase=x",
                                                 "application/x-www-form-urlencoded"),
                                                ("action=reply&reply-body=x", "text/plain")])
def test_follow_up_form_never_fails_on_bad_posts(world: Any, client: Any, body: str, content_type: str) -> None:
    before = row_counts()
    response = client.post("/melden/anonym/nachverfolgen/", body, content_type=content_type)
    assert response.status_code in (200, 422)
    assert "Belegcode" in response.content.decode()
    assert row_counts() == before


@pytest.mark.parametrize("body, content_type", [("", "application/x-www-form-urlencoded"),
                                                ('{"description": "x"}', "application/json"),
                                                ("description=Text%00NUL", "application/x-www-form-urlencoded")])
def test_logged_in_report_form_never_fails_on_bad_posts(world: Any, login: Any, body: str, content_type: str) -> None:
    client = login(world.pirna_official)
    before = row_counts()
    response = client.post("/melden/", body, content_type=content_type)
    assert response.status_code == 422
    assert response.context["form"].errors
    assert row_counts() == before
