"""The intake API: the public anonymous round trip with its refusals, and authenticated reports."""

from __future__ import annotations

import json
from typing import Any

from django.test import override_settings

from kommunalschutz.foundation.accounts import services as account_services
from kommunalschutz.protection.cases.models import Case, CaseMessage
from kommunalschutz.protection.intake import receipts, reporting

PASS = "gruene Wiese am Elbufer"


def _json(world: Any, report_data: dict[str, Any], **changes: Any) -> dict[str, Any]:
    data = {key: value for key, value in report_data.items() if key != "municipality"}
    data["occurred_at"] = report_data["occurred_at"].isoformat()
    data["municipality_ags"] = world.pirna.ags
    data.update(changes)
    return data


def _post(client: Any, url: str, body: dict[str, Any], **extra: Any) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json", **extra)


def _bearer(world: Any, user: Any) -> dict[str, str]:
    token = account_services.create_token(actor=user, user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_public_round_trip(world: Any, client: Any, report_data: dict[str, Any]) -> None:
    response = _post(client, "/api/v1/public/reports",
                     {**_json(world, report_data, danger_now=True), "passphrase": PASS, "passphrase_repeat": PASS})
    assert response.status_code == 201
    receipt = response.json()["receipt"]
    assert len(receipt) == 16 and receipt.isdigit()
    case = Case.objects.get()
    assert case.is_acute and case.intake == "anonymous" and case.police_directorate == world.dresden_pd
    CaseMessage.objects.create(case=case, body="Haben Sie den Brief noch?", is_question=True)
    CaseMessage.objects.create(case=case, body="intern", internal=True)
    looked = _post(client, "/api/v1/public/reports/lookup", {"receipt": receipt, "passphrase": PASS})
    assert looked.status_code == 200
    body = looked.json()
    assert body["status"] == "new" and body["is_acute"] is True and body["status_label"]
    assert [(m["body"], m["is_question"], m["from_reporter"]) for m in body["messages"]] == [
        ("Haben Sie den Brief noch?", True, False)]
    sent = _post(client, "/api/v1/public/reports/messages", {"receipt": receipt, "passphrase": PASS, "body": "Ja."})
    assert sent.status_code == 201
    again = _post(client, "/api/v1/public/reports/lookup", {"receipt": receipt, "passphrase": PASS}).json()
    assert [m["from_reporter"] for m in again["messages"]] == [False, True]


def test_public_report_errors_per_field(world: Any, client: Any, report_data: dict[str, Any]) -> None:
    response = _post(client, "/api/v1/public/reports", {
        **_json(world, report_data, description="", municipality_ags="09162000", incident_types=["nope"]),
        "passphrase": "kurz", "passphrase_repeat": "kurz"})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"description", "municipality_ags", "incident_types", "passphrase"}
    assert Case.objects.count() == 0


def test_lookup_refusals(world: Any, client: Any, report_data: dict[str, Any]) -> None:
    case, receipt = reporting.submit_anonymous(data=report_data, passphrase=PASS, passphrase_repeat=PASS)
    wrong = _post(client, "/api/v1/public/reports/lookup", {"receipt": receipt, "passphrase": "falsch falsch"})
    unknown = _post(client, "/api/v1/public/reports/lookup", {"receipt": "1" * 16, "passphrase": PASS})
    assert wrong.status_code == unknown.status_code == 404 and wrong.json() == unknown.json()
    malformed = _post(client, "/api/v1/public/reports/lookup", {"receipt": "abc", "passphrase": PASS})
    assert malformed.status_code == 422 and "receipt" in malformed.json()["errors"]
    receipts.tombstone_receipt(case)
    case.delete()
    gone = _post(client, "/api/v1/public/reports/lookup", {"receipt": receipt, "passphrase": PASS})
    assert gone.status_code == 410


@override_settings(RECEIPT_LOCKOUT_ATTEMPTS=2)
def test_locked_receipt_answers_429_with_retry_after(world: Any, client: Any, report_data: dict[str, Any]) -> None:
    _case, receipt = reporting.submit_anonymous(data=report_data, passphrase=PASS, passphrase_repeat=PASS)
    _post(client, "/api/v1/public/reports/lookup", {"receipt": receipt, "passphrase": "falsch falsch"})
    locked = _post(client, "/api/v1/public/reports/lookup", {"receipt": receipt, "passphrase": "falsch falsch"})
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 0


def test_authenticated_report_for_oneself(world: Any, client: Any, report_data: dict[str, Any]) -> None:
    response = _post(client, "/api/v1/reports", _json(world, report_data), **_bearer(world, world.pirna_official))
    assert response.status_code == 201
    case = Case.objects.get(pk=response.json()["id"])
    assert response.json()["reference"] == case.reference and case.affected_user == world.pirna_official
    assert response.json()["acknowledgement_due_at"]


def test_authenticated_report_on_behalf(world: Any, client: Any, report_data: dict[str, Any]) -> None:
    official = _post(client, "/api/v1/reports", _json(world, report_data, report_for="on_behalf",
                                                      affected_name="X", affected_contact="Y"),
                     **_bearer(world, world.pirna_official))
    assert official.status_code == 422 and "report_for" in official.json()["errors"]
    headers = _bearer(world, world.dresden_police)
    missing = _post(client, "/api/v1/reports", _json(world, report_data, report_for="on_behalf"), **headers)
    assert missing.status_code == 422 and set(missing.json()["errors"]) == {"affected_name", "affected_contact"}
    done = _post(client, "/api/v1/reports", _json(world, report_data, report_for="on_behalf",
                                                  affected_name="Gemeinderätin", affected_contact="0351 1"), **headers)
    assert done.status_code == 201
    assert Case.objects.get().intake == "on_behalf"


def test_outsiders_and_anonymous_callers(world: Any, client: Any, report_data: dict[str, Any]) -> None:
    assert _post(client, "/api/v1/reports", _json(world, report_data), **_bearer(world, world.outsider)).status_code \
        == 404
    assert _post(client, "/api/v1/reports", _json(world, report_data)).status_code == 401
    assert Case.objects.count() == 0


def test_openapi_lists_the_endpoints(client: Any, db: None) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/public/reports", "/api/v1/public/reports/lookup", "/api/v1/public/reports/messages",
            "/api/v1/reports"} <= set(paths)


def test_openapi_documents_the_proof_of_work_and_415(client: Any, db: None) -> None:
    document = client.get("/api/v1/openapi.json").json()
    paths = document["paths"]
    challenge = paths["/api/v1/public/reports/challenge"]["get"]["responses"]["200"]
    assert challenge["content"]["application/json"]["schema"]["$ref"].endswith("/ChallengeOut")
    report = paths["/api/v1/public/reports"]["post"]
    assert "415" in report["responses"] and "415" in paths["/api/v1/reports"]["post"]["responses"]
    schema_ref = report["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    fields = document["components"]["schemas"][schema_ref]
    assert {"proof_challenge", "proof_nonce"} <= set(fields["properties"])
    assert "proof_challenge" not in fields.get("required", [])
    assert set(document["components"]["schemas"]["ChallengeOut"]["properties"]) == {"challenge", "bits", "expires_in"}
