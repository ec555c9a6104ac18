"""The intake pages: three ways in, the confirmation with the 110 box, the follow-up visit, inert script."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from kommunalschutz.protection.cases.models import Case, CaseMessage
from kommunalschutz.protection.intake import receipts, reporting

PASS = "gruene Wiese am Elbufer"


def _form(world: Any, report_data: dict[str, Any], **changes: Any) -> dict[str, Any]:
    data = {**report_data, "occurred_at": timezone.localtime(report_data["occurred_at"]).strftime("%Y-%m-%dT%H:%M"),
            "municipality": world.pirna.pk}
    data.update(changes)
    return data


def test_an_official_reports_for_themselves(world: Any, login: Any, report_data: dict[str, Any]) -> None:
    client = login(world.pirna_official)
    page = client.get("/melden/").content.decode()
    assert 'name="report_for"' not in page and "<legend>" in page
    page = client.get("/melden/")
    response = client.post("/melden/", _form(world, report_data, danger_now="on",
                                             form_token=page.context["form_token"]))
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/melden/bestaetigung/{case.pk}/"
    assert (case.intake, case.reported_by, case.affected_user) == ("self", world.pirna_official, world.pirna_official)
    done = client.get(response["Location"]).content.decode()
    assert case.reference in done and "110" in done and f"/faelle/{case.pk}/" in done


def test_a_coordinator_reports_on_behalf(world: Any, login: Any, report_data: dict[str, Any]) -> None:
    client = login(world.pirna_coordinator)
    page = client.get("/melden/")
    assert 'name="report_for"' in page.content.decode()
    response = client.post("/melden/", _form(world, report_data, report_for="on_behalf",
                                             form_token=page.context["form_token"]))
    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"affected_name", "affected_contact"}
    response = client.post("/melden/", _form(world, report_data, report_for="on_behalf",
                                             affected_name="Ortsvorsteherin", affected_contact="0351 000000",
                                             form_token=response.context["form_token"]))
    case = Case.objects.get()
    assert (case.intake, case.reported_by, case.affected_user) == ("on_behalf", world.pirna_coordinator, None)
    done = client.get(response["Location"]).content.decode()
    # Every confirmation names the emergency number; only an acute one says that the police was informed.
    assert "110" in done and "ist über diese Meldung informiert" not in done


def test_people_without_the_permission_get_404(world: Any, login: Any, client: Any) -> None:
    assert login(world.outsider).get("/melden/").status_code == 404
    client.logout()
    assert client.get("/melden/").status_code == 302  # to the login


def test_the_confirmation_is_only_for_the_reporter(world: Any, login: Any, report_data: dict[str, Any]) -> None:
    case = reporting.create_case(actor=world.pirna_official, data=report_data, intake="self",
                                 affected_user=world.pirna_official)
    assert login(world.plauen_coordinator).get(f"/melden/bestaetigung/{case.pk}/").status_code == 404


def test_script_in_free_text_arrives_inert(world: Any, login: Any, report_data: dict[str, Any]) -> None:
    client = login(world.pirna_official)
    script = "<script>alert('x')</script>"
    response = client.post("/melden/", _form(world, report_data, description=script, channel="social_media"))
    page = response.content.decode()
    assert script not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    case, receipt = reporting.submit_anonymous(data={**report_data, "description": script}, passphrase=PASS,
                                               passphrase_repeat=PASS)
    assert Case.objects.get(pk=case.pk).description == script  # stored as typed
    CaseMessage.objects.create(case=case, body=script)
    client.logout()
    client.post("/melden/anonym/nachverfolgen/", {"action": "open", "receipt": receipt, "passphrase": PASS})
    page = client.get("/melden/anonym/nachverfolgen/").content.decode()
    assert script not in page and "&lt;script&gt;" in page


def test_anonymous_report_shows_the_receipt_once(world: Any, client: Any, report_data: dict[str, Any]) -> None:
    page = client.get("/melden/anonym/").content.decode()
    assert 'name="affected_name"' not in page and 'name="passphrase_repeat"' in page and "IP" in page
    token = client.get("/melden/anonym/").context["form_token"]
    response = client.post("/melden/anonym/", _form(world, report_data, threat_to_life="on", passphrase=PASS,
                                                    passphrase_repeat=PASS, form_token=token))
    assert response.status_code == 302 and response["Location"] == "/melden/anonym/eingangsbestaetigung/"
    response = client.get(response["Location"])
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    receipt = response.context["receipt"]
    body = response.content.decode()
    assert receipt and receipt in body and "110" in body
    digits = receipt.replace(" ", "")
    assert all(digits not in str(value) for value in client.session.values())
    case = Case.objects.get()
    assert case.is_acute and case.intake == "anonymous"


def test_anonymous_form_errors_include_the_passphrase(world: Any, client: Any, report_data: dict[str, Any]) -> None:
    response = client.post("/melden/anonym/", _form(world, report_data, description="", passphrase="kurz",
                                                    passphrase_repeat="anders"))
    assert {"description", "passphrase", "passphrase_repeat"} <= set(response.context["form"].errors)
    assert Case.objects.count() == 0


def test_follow_up_visit(world: Any, client: Any, report_data: dict[str, Any]) -> None:
    case, receipt = reporting.submit_anonymous(data=report_data, passphrase=PASS, passphrase_repeat=PASS)
    question = CaseMessage.objects.create(case=case, body="Wann genau kam der Brief?", is_question=True)
    CaseMessage.objects.create(case=case, body="Nur intern: Täter bekannt", internal=True)
    url = "/melden/anonym/nachverfolgen/"
    wrong = client.post(url, {"action": "open", "receipt": receipt, "passphrase": "falsch falsch"})
    unknown = client.post(url, {"action": "open", "receipt": "1" * 16, "passphrase": PASS})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.context["refusal"].message == unknown.context["refusal"].message
    malformed = client.post(url, {"action": "open", "receipt": "12", "passphrase": PASS})
    assert malformed.status_code == 422 and "receipt" in malformed.context["form"].errors
    assert client.post(url, {"action": "open", "receipt": receipts.format_receipt(receipt),
                             "passphrase": PASS}).status_code == 302
    page = client.get(url).content.decode()
    assert question.body in page and "Nur intern" not in page and case.get_status_display() in page
    question.refresh_from_db()
    assert question.read_by_reporter_at is not None
    token = client.get(url).context["reply_token"]
    response = client.post(url, {"action": "reply", "reply-body": "Am Montag.", "form_token": token})
    assert response.status_code == 302
    assert [m.body for m in CaseMessage.objects.filter(case=case, from_reporter=True)] == ["Am Montag."]
    token = client.get(url).context["reply_token"]
    assert client.post(url, {"action": "reply", "reply-body": "", "form_token": token}).status_code == 422
    client.post(url, {"action": "end"})
    assert receipts.FOLLOW_UP_SESSION_KEY not in client.session
    assert "Wann genau" not in client.get(url).content.decode()


def test_follow_up_refusals_for_deleted_cases(world: Any, client: Any, report_data: dict[str, Any]) -> None:
    case, receipt = reporting.submit_anonymous(data=report_data, passphrase=PASS, passphrase_repeat=PASS)
    receipts.tombstone_receipt(case)
    case.delete()
    response = client.post("/melden/anonym/nachverfolgen/", {"action": "open", "receipt": receipt, "passphrase": PASS})
    assert response.status_code == 410
