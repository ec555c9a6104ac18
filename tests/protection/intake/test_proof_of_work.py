"""The proof of work of the anonymous report: a valid proof spares the client's limit; an invalid, expired,
reused or foreign one counts like none; proven reports make the next challenge harder; the form works
without it. Run with the volatile cache in memory and on real Redis."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core import signing
from django.test import override_settings

from kommunalschutz.protection.cases.models import Case
from kommunalschutz.protection.intake import abuse
from tests.protection.intake.anonymous import post_json, report_json
from tests.protection.intake.conftest import VolatileRedis

CLIENT = "198.51.100.7"
OTHER = "203.0.113.99"

pytestmark = pytest.mark.usefixtures("volatile")


def _challenge(client: Any, address: str) -> dict[str, Any]:
    response = client.get("/api/v1/public/reports/challenge", REMOTE_ADDR=address)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def _proven(client: Any, address: str) -> dict[str, str]:
    issued = _challenge(client, address)
    return {"proof_challenge": issued["challenge"], "proof_nonce": abuse.solve(issued["challenge"], issued["bits"])}


def test_solution_has_the_asked_zero_bits(volatile: VolatileRedis | None) -> None:
    issued = abuse.new_challenge("fingerprint")
    nonce = abuse.solve(issued.challenge, issued.bits)
    assert abuse.leading_zero_bits(abuse.proof_digest(issued.challenge, nonce)) >= issued.bits
    assert abuse.leading_zero_bits(bytes([0, 0, 0b00010000])) == 19
    assert abuse.leading_zero_bits(bytes([0x80])) == 0


@override_settings(ANONYMOUS_REPORTS_PER_CLIENT=1, ANONYMOUS_PROOF_OF_WORK_BITS=8)
def test_valid_proofs_do_not_count_against_the_limit(world: Any, client: Any, report_data: dict[str, Any]) -> None:
    body = report_json(world, report_data)
    for _report in range(4):
        assert post_json(client, "/public/reports", {**body, **_proven(client, CLIENT)}, CLIENT).status_code == 201
    # The one report without a proof still fits in the limit; the next does not.
    assert post_json(client, "/public/reports", body, CLIENT).status_code == 201
    assert post_json(client, "/public/reports", body, CLIENT).status_code == 429
    assert post_json(client, "/public/reports", {**body, **_proven(client, CLIENT)}, CLIENT).status_code == 201
    assert Case.objects.count() == 6


@override_settings(ANONYMOUS_REPORTS_PER_CLIENT=1, ANONYMOUS_PROOF_OF_WORK_BITS=8)
def test_invalid_proof_counts_like_none(world: Any, client: Any, report_data: dict[str, Any]) -> None:
    body = report_json(world, report_data)
    issued = _challenge(client, CLIENT)
    nonce = abuse.solve(issued["challenge"], issued["bits"])
    wrong = next(str(n) for n in range(10_000) if abuse.leading_zero_bits(
        abuse.proof_digest(issued["challenge"], str(n))) < issued["bits"])
    assert post_json(client, "/public/reports", {**body, "proof_challenge": issued["challenge"],
                                                 "proof_nonce": wrong}, CLIENT).status_code == 201
    # A forged challenge (the signature does not fit) with a nonce that solves it.
    forged = issued["challenge"][:-3] + ("AAA" if not issued["challenge"].endswith("AAA") else "BBB")
    assert post_json(client, "/public/reports", {**body, "proof_challenge": forged,
                                                 "proof_nonce": abuse.solve(forged, 8)}, CLIENT).status_code == 429
    # The right nonce for the real challenge still works: the wrong one did not use it up.
    assert post_json(client, "/public/reports", {**body, "proof_challenge": issued["challenge"],
                                                 "proof_nonce": nonce}, CLIENT).status_code == 201


@override_settings(ANONYMOUS_REPORTS_PER_CLIENT=1, ANONYMOUS_PROOF_OF_WORK_BITS=8, ANONYMOUS_PROOF_OF_WORK_SECONDS=600)
def test_expired_proof_counts_like_none(world: Any, client: Any, report_data: dict[str, Any],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    body = report_json(world, report_data)
    real = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real() - 601)  # type: ignore[attr-defined]
    old = _challenge(client, CLIENT)
    monkeypatch.setattr(signing.time, "time", real)  # type: ignore[attr-defined]
    proof = {"proof_challenge": old["challenge"], "proof_nonce": abuse.solve(old["challenge"], old["bits"])}
    assert post_json(client, "/public/reports", {**body, **proof}, CLIENT).status_code == 201  # counted
    assert post_json(client, "/public/reports", {**body, **_proven(client, CLIENT)}, CLIENT).status_code == 201
    assert post_json(client, "/public/reports", {**body, **proof}, CLIENT).status_code == 429


@override_settings(ANONYMOUS_REPORTS_PER_CLIENT=1, ANONYMOUS_PROOF_OF_WORK_BITS=8)
def test_a_proof_is_used_once(world: Any, client: Any, report_data: dict[str, Any]) -> None:
    body = {**report_json(world, report_data), **_proven(client, CLIENT)}
    assert post_json(client, "/public/reports", body, CLIENT).status_code == 201  # proven
    assert post_json(client, "/public/reports", body, CLIENT).status_code == 201  # reused: counted (1 of 1)
    assert post_json(client, "/public/reports", body, CLIENT).status_code == 429
    assert Case.objects.count() == 2


@override_settings(ANONYMOUS_REPORTS_PER_CLIENT=1, ANONYMOUS_PROOF_OF_WORK_BITS=8)
def test_a_proof_is_no_proof_for_another_client(world: Any, client: Any, report_data: dict[str, Any]) -> None:
    body = {**report_json(world, report_data), **_proven(client, CLIENT)}
    assert post_json(client, "/public/reports", body, OTHER).status_code == 201  # counted for OTHER
    assert post_json(client, "/public/reports", report_json(world, report_data), OTHER).status_code == 429
    # The client it was issued to can still use it.
    assert post_json(client, "/public/reports", body, CLIENT).status_code == 201


@override_settings(ANONYMOUS_PROOF_OF_WORK_BITS=6, ANONYMOUS_REPORTS_PER_CLIENT=1)
def test_proven_reports_make_the_next_challenge_harder(world: Any, client: Any, report_data: dict[str, Any]) -> None:
    body = report_json(world, report_data)
    cheap = _proven(client, CLIENT)  # fetched and solved while challenges were cheap
    bits = []
    for _report in range(abuse.PROOF_FREE_REPORTS + 3):
        proof = _proven(client, CLIENT)
        bits.append(_challenge(client, CLIENT)["bits"])
        assert post_json(client, "/public/reports", {**body, **proof}, CLIENT).status_code == 201
    assert bits == [6, 6, 6, 6, 7, 8]
    assert _challenge(client, CLIENT)["bits"] == 9
    assert _challenge(client, OTHER)["bits"] == 6
    # The cheap proof no longer spares the limit once a harder one is due: it counts (1 of 1), then 429.
    assert post_json(client, "/public/reports", {**body, **cheap}, CLIENT).status_code == 201
    assert post_json(client, "/public/reports", body, CLIENT).status_code == 429


def test_the_form_carries_a_challenge_and_works_without_a_proof(world: Any, client: Any,
                                                                report_data: dict[str, Any]) -> None:
    page = client.get("/melden/anonym/", REMOTE_ADDR=CLIENT)
    html = page.content.decode()
    assert page.context["challenge"].bits == abuse.required_bits("x")
    assert 'name="proof_challenge"' in html and 'name="proof_nonce" value=""' in html
    assert "js/intake/proof-of-work" in html
    form = {**report_data, "occurred_at": "2024-05-01T10:00", "passphrase": "gruene Wiese am Elbufer",
            "passphrase_repeat": "gruene Wiese am Elbufer", "form_token": page.context["form_token"]}
    assert client.post("/melden/anonym/", form, REMOTE_ADDR=CLIENT).status_code == 302
    assert Case.objects.count() == 1
