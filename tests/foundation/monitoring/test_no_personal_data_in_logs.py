"""No case text, reporter address, name, e-mail or user name ever reaches a log line.

A real gunicorn (2 workers, DEBUG off, LOG_FORMAT json by default, LOG_LEVEL=DEBUG and gunicorn at debug:
the most an operator could switch on) behind a pretend proxy (TRUSTED_PROXY_COUNT=1). Reports with
distinctive text and addresses go in by every way: for oneself, on behalf of someone else (with the affected
person's name and e-mail), anonymously from a distinctive client address; then bad input (422), a
distinctive query string on a sensitive page, 404s, and a 500 from a real code path fed bad data (a case
whose stored description cannot be decrypted, opened by its case team). Everything gunicorn and the
platform wrote (stdout and stderr) is captured and searched for every distinctive string; each line must be
one JSON object, and every request's access line carries its request id.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection

from kommunalschutz.protection.cases.models import Case
from tests.browser.worker import totp_source
from tests.concurrency.conftest import concurrent_database
from tests.conftest import PASSWORD, World
from tests.foundation.monitoring.servers import gunicorn, log_lines
from tests.visitor import Visitor

__all__ = ["concurrent_database"]  # the fixture that makes the test database a file on SQLite (autouse)

pytestmark = pytest.mark.django_db(transaction=True)

SELF_TEXT = "Quokka-Selbstmeldung-Drohbrief-91X"
BEHALF_TEXT = "Quokka-Stellvertretung-Beschreibung-27Y"
BEHALF_NAME = "Wendelin Quokkabauer"
BEHALF_CONTACT = "wendelin.quokkabauer@distinkt.example"
ANONYMOUS_TEXT = "Quokka-Anonymer-Bericht-55Z"
ANONYMOUS_ADDRESS = "198.51.100.203"
ANONYMOUS_PASSPHRASE = "Quokka-Passphrase-lang-genug"
BAD_TEXT = "Quokka-Fehleingabe-13W"
QUERY_TEXT = "Quokka-Suchbegriff-77V"
CORRUPT_TEXT = "Quokka-Kaputt-Verschluesselt-08U"
USER_AGENT = "Quokka-Browser/1.0"
DISTINCTIVE = (SELF_TEXT, BEHALF_TEXT, BEHALF_NAME, BEHALF_CONTACT, ANONYMOUS_TEXT, ANONYMOUS_ADDRESS,
               ANONYMOUS_PASSPHRASE, BAD_TEXT, QUERY_TEXT, CORRUPT_TEXT, "Quokka")


def incident(world: World, description: str) -> dict[str, str]:
    return {"description": description, "incident_types": "threat", "channel": "letter",
            "occurred_at": "2026-12-01T10:00", "municipality": str(world.pirna.pk), "place": "office",
            "affected_role": "mayor"}


# Distinctive user names and e-mail addresses (the personas' own names are words such as "coordinator",
# which the permission rules' debug lines name as roles).
ACCOUNTS = {"pirna_official": ("Quokka.Amtstraegerin", "quokka.amt@distinkt.example"),
            "coordinator": ("Quokka.Koordination", "quokka.koordination@distinkt.example")}


@pytest.fixture
def people(world: World) -> dict[str, Any]:
    codes = {}
    for name, (username, email) in ACCOUNTS.items():
        user = getattr(world, name)
        user.username, user.email = username, email
        user.password = make_password(PASSWORD, hasher="argon2")
        user.save(update_fields=["username", "email", "password"])
        codes[name] = totp_source(user, create=True) if user.needs_second_factor else None
    return codes


def test_no_personal_data_reaches_any_log_line(tmp_path: Path, world: World, people: dict[str, Any]) -> None:
    with gunicorn(tmp_path, "pii", TRUSTED_PROXY_COUNT="1", LOG_LEVEL="DEBUG", GUNICORN_LOG_LEVEL="debug",
                  ANONYMOUS_PROOF_OF_WORK_BITS="1") as server:
        # For oneself.
        official = Visitor(server.port, address="192.0.2.10", user_agent=USER_AGENT)
        official.log_in(ACCOUNTS["pirna_official"][0], people["pirna_official"])
        status, _text, location = official.request("POST", "/melden/", {
            **official.form("/melden/"), **incident(world, SELF_TEXT)})
        assert status == 302, status
        own_case = int(re.search(r"/(\d+)/", location).group(1))  # type: ignore[union-attr]
        # Bad input with distinctive text: refused with the form again, nothing logged of it.
        status, _text, _location = official.request("POST", "/melden/", {
            **official.form("/melden/"), **incident(world, BAD_TEXT), "occurred_at": f"gestern {BAD_TEXT}",
            "municipality": BAD_TEXT})
        assert status == 422, status

        # On behalf of someone else, with their name and e-mail address.
        coordinator = Visitor(server.port, address="192.0.2.11", user_agent=USER_AGENT)
        coordinator.log_in(ACCOUNTS["coordinator"][0], people["coordinator"])
        status, _text, location = coordinator.request("POST", "/melden/", {
            **coordinator.form("/melden/"), **incident(world, BEHALF_TEXT), "report_for": "on_behalf",
            "affected_name": BEHALF_NAME, "affected_contact": BEHALF_CONTACT})
        assert status == 302, status

        # Anonymously, from a distinctive address, then a follow-up with a wrong passphrase.
        anonymous = Visitor(server.port, address=ANONYMOUS_ADDRESS, user_agent=USER_AGENT)
        status, _text, location = anonymous.request("POST", "/melden/anonym/", {
            **anonymous.form("/melden/anonym/"), **incident(world, ANONYMOUS_TEXT),
            "passphrase": ANONYMOUS_PASSPHRASE, "passphrase_repeat": ANONYMOUS_PASSPHRASE})
        assert status == 302, status
        status, _text, _location = anonymous.request("POST", "/melden/anonym/", {
            **anonymous.form("/melden/anonym/"), **incident(world, BAD_TEXT), "incident_types": BAD_TEXT,
            "passphrase": "kurz", "passphrase_repeat": "anders"})
        assert status == 422, status
        status, _text, _location = anonymous.request("POST", "/melden/anonym/nachverfolgen/", {
            **anonymous.form("/melden/anonym/nachverfolgen/"), "action": "open", "receipt": "1234567812345678",
            "passphrase": ANONYMOUS_PASSPHRASE})
        assert status in (200, 404, 422), status  # a wrong receipt looks like an unknown one

        # Query strings on sensitive pages and unknown addresses.
        assert anonymous.request("GET", f"/melden/anonym/nachverfolgen/?receipt={QUERY_TEXT}")[0] == 200
        assert official.request("GET", f"/faelle/?q={QUERY_TEXT}")[0] in (200, 404)
        assert official.request("GET", f"/gibt-es-nicht/{QUERY_TEXT}/?{urlencode({'name': BEHALF_NAME})}")[0] == 404
        assert anonymous.request("GET", f"/melden/{QUERY_TEXT}/")[0] == 404

        # A 500 from a real code path: the stored description of the case is not a valid ciphertext (bad
        # data, e.g. a restore with the wrong keys); the case team opens the case.
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {Case._meta.db_table} SET description = %s WHERE id = %s",  # noqa: S608
                           [CORRUPT_TEXT, own_case])
        status, _text, _location = coordinator.request("GET", f"/faelle/{own_case}/")
        assert status == 500, status

    lines = log_lines(server)  # every line JSON
    text = server.log.read_text(encoding="utf-8")
    secrets = [*DISTINCTIVE, *(value for account in ACCOUNTS.values() for value in account), PASSWORD]
    leaks = [line for line in text.splitlines() if any(secret in line for secret in secrets)]
    assert not leaks, "personal data reached the log:\n" + "\n".join(line[:500] for line in leaks[:40])
    assert "/faelle/" not in text.replace('"route": "cases:', "")  # no paths with case ids either
    # The 500 was logged (with its stack, without the exception's message), with its route and request id.
    errors = [line for line in lines if line.get("status") == 500 and line["logger"] == "django.request"]
    assert errors and errors[0]["route"] == "cases:case_detail" and "exception" in errors[0], lines[-5:]
    assert "message withheld" in errors[0]["exception"]
    # Every answer's request id is in an access line; access lines name routes, not paths.
    access = {line["request_id"]: line for line in lines if line["logger"] == "gunicorn.access"}
    for visitor in (official, coordinator, anonymous):
        assert visitor.request_ids and all(rid in access for rid in visitor.request_ids)
    assert access[coordinator.request_ids[-1]]["status"] == 500
    assert access[anonymous.request_ids[0]]["route"] == "intake:anonymous_report"
