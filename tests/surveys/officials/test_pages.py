"""The officials' survey in the browser's requests: who may do what (404 for everyone else), the coordination
office's steps, a municipality's list and open link, the questionnaire, results and exports."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from kommunalschutz.foundation.core.models import TaskRun
from kommunalschutz.foundation.registry.models import Municipality
from kommunalschutz.surveys.officials import services, synthetic
from kommunalschutz.surveys.officials.models import FrameEntry, OfficialRole, OpenLink, Response, ResponseText, Wave
from tests.surveys.officials.conftest import People

pytestmark = pytest.mark.django_db


def _closed(field_wave: Wave, people: People) -> Wave:
    synthetic.answer_wave(field_wave, seed=3)
    return services.close_wave(actor=people.coordinator, wave=field_wave)


def test_the_coordination_office_runs_a_wave_in_pages(login: Any, people: People, registry: list[Municipality],
                                                      django_capture_on_commit_callbacks: Any) -> None:
    client = login(people.coordinator)
    assert client.get("/amtstraeger-befragung/").status_code == 200
    bad = client.post("/amtstraeger-befragung/neu/", {"title": "Welle", "reference_start": "2024-05-01",
                                                      "reference_end": "2024-04-01", "field_start": "2024-11-01",
                                                      "field_end": "2024-12-01", "cadence": "half_yearly"})
    assert bad.status_code == 400 and "Der Bezugszeitraum muss nach seinem Beginn enden." in bad.content.decode()
    assert not Wave.objects.exists()
    created = client.post("/amtstraeger-befragung/neu/", {
        "title": "Welle Herbst 2024", "reference_start": "2024-05-01", "reference_end": "2024-10-31",
        "field_start": "2024-11-01", "field_end": "2024-12-15", "cadence": "half_yearly",
        "contractor": people.contractor.pk})
    wave = Wave.objects.get()
    assert created.status_code == 302 and created["Location"] == f"/amtstraeger-befragung/{wave.pk}/"
    assert client.post(f"/amtstraeger-befragung/{wave.pk}/aktion/registry/").status_code == 302
    assert wave.frame.count() == len(registry) + 3
    jedorf = registry[9]
    assert client.post(f"/amtstraeger-befragung/{wave.pk}/rolle/", {"municipality": jedorf.pk, "role": "x"}
                       ).status_code == 400
    assert client.post(f"/amtstraeger-befragung/{wave.pk}/rolle/", {"municipality": jedorf.pk,
                                                                     "role": OfficialRole.MAYOR_HONORARY}
                       ).status_code == 302
    assert wave.frame.get(municipality=jedorf).role == OfficialRole.MAYOR_HONORARY
    refused = client.post(f"/amtstraeger-befragung/{wave.pk}/aktion/registry/")
    assert refused.status_code == 400 and "bereits" in refused.content.decode()
    assert client.post(f"/amtstraeger-befragung/{wave.pk}/aktion/unknown/").status_code == 404
    assert client.post(f"/amtstraeger-befragung/{wave.pk}/aktion/open/").status_code == 302
    with django_capture_on_commit_callbacks(execute=True):  # the queued rendering runs after the commit
        letters = client.post(f"/amtstraeger-befragung/{wave.pk}/aktion/letters/")
    run = TaskRun.objects.get(kind="officials.letters")
    assert run.status == TaskRun.Status.DONE, run.result
    assert letters["Location"] == f"/aufgaben/{run.pk}/"
    pdf = client.get(f"/aufgaben/{run.pk}/datei/")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    page = client.get(f"/amtstraeger-befragung/{wave.pk}/").content.decode()
    assert "Rücklauf nach Rolle" in page and "Welle abschließen" in page
    wave.frame.update(used=True)  # everyone answered: a reminder round has nobody to write to
    refused = client.post(f"/amtstraeger-befragung/{wave.pk}/aktion/reminders/")
    assert refused.status_code == 400 and "niemanden" in refused.content.decode()
    wave.refresh_from_db()
    assert wave.reminders_sent == 0
    assert client.post(f"/amtstraeger-befragung/{wave.pk}/aktion/close/").status_code == 302
    wave.refresh_from_db()
    assert wave.status == Wave.Status.CLOSED
    assert client.get(f"/amtstraeger-befragung/{wave.pk}/ergebnisse/").status_code == 200
    assert client.post(f"/amtstraeger-befragung/{wave.pk}/aktion/next/").status_code == 302
    assert Wave.objects.count() == 2


def test_a_municipality_brings_its_own_groups_in_and_no_other(login: Any, people: People, wave: Wave,
                                                              registry: list[Municipality]) -> None:
    client = login(people.municipal)
    own, other = registry[0], registry[1]
    form = client.get(f"/amtstraeger-befragung/{wave.pk}/liste/").content.decode()
    assert own.name in form and other.name not in form
    good = synthetic.council_list(own.name, 5, seed=4)
    response = client.post(f"/amtstraeger-befragung/{wave.pk}/liste/",
                           {"municipality": own.pk, "file": _upload("rat.csv", good)})
    assert response.status_code == 302
    assert wave.frame.filter(municipality=own, role=OfficialRole.COUNCIL_MEMBER).count() == 5
    refused = client.post(f"/amtstraeger-befragung/{wave.pk}/liste/",
                          {"municipality": other.pk, "file": _upload("rat.csv", good)})
    assert refused.status_code == 400 and not wave.frame.filter(municipality=other).exists()
    broken = client.post(f"/amtstraeger-befragung/{wave.pk}/link/",
                         {"municipality": own.pk, "role": OfficialRole.STAFF, "addressed": "0"})
    assert broken.status_code == 400 and not OpenLink.objects.exists()
    created = client.post(f"/amtstraeger-befragung/{wave.pk}/link/",
                          {"municipality": own.pk, "role": OfficialRole.STAFF, "addressed": "12"})
    link = OpenLink.objects.get()
    assert created["Location"] == f"/amtstraeger-befragung/{wave.pk}/link/{link.pk}/"
    assert f"/umfrage/amt/link/{link.token}/" in client.get(created["Location"]).content.decode()
    # The municipality runs no wave step and sees no results.
    for action in ("registry", "open", "close"):
        assert client.post(f"/amtstraeger-befragung/{wave.pk}/aktion/{action}/").status_code == 404
    assert client.get(f"/amtstraeger-befragung/{wave.pk}/ergebnisse/").status_code == 404


def _rows(workbook: Any) -> int:
    sheet = workbook.active
    assert sheet is not None
    return int(sheet.max_row)


def _upload(name: str, data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="text/csv")


@pytest.mark.parametrize("persona", ["other_analyst", "official", "municipal"])
def test_outsiders_get_404_for_results_texts_and_steps(login: Any, people: People, field_wave: Wave,
                                                      persona: str) -> None:
    wave = _closed(field_wave, people)
    client = login(getattr(people, persona))
    for url in (f"/amtstraeger-befragung/{wave.pk}/ergebnisse/", f"/amtstraeger-befragung/{wave.pk}/freitext/",
                f"/amtstraeger-befragung/{wave.pk}/ergebnisse/?format=csv&table=betroffenheit"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/amtstraeger-befragung/{wave.pk}/aktion/next/").status_code == 404
    assert Wave.objects.count() == 1


def test_anonymous_visitors_see_nothing_of_the_waves(client: Client, field_wave: Wave) -> None:
    for url in ("/amtstraeger-befragung/", f"/amtstraeger-befragung/{field_wave.pk}/",
                f"/amtstraeger-befragung/{field_wave.pk}/ergebnisse/"):
        assert client.get(url).status_code in (302, 404), url


def test_the_coordination_office_sees_results_only_after_closing_the_analysts_before(
        login: Any, people: People, field_wave: Wave) -> None:
    synthetic.answer_wave(field_wave, seed=5)
    assert login(people.coordinator).get(f"/amtstraeger-befragung/{field_wave.pk}/ergebnisse/").status_code == 404
    interim = login(people.analyst).get(f"/amtstraeger-befragung/{field_wave.pk}/ergebnisse/")
    assert interim.status_code == 200 and "Zwischenergebnisse" in interim.content.decode()


def test_results_page_and_every_table_as_csv_and_xlsx(login: Any, people: People, field_wave: Wave) -> None:
    wave = _closed(field_wave, people)
    client = login(people.coordinator)
    page = client.get(f"/amtstraeger-befragung/{wave.pk}/ergebnisse/").content.decode()
    for text in ("Betroffen im Bezugszeitraum", "Im Vergleich mit KoMo", "Herbst 2023", "Das Dunkelfeld",
                 "Nach Rolle", "Nach Kreis"):
        assert text in page, text
    for table in ("betroffenheit", "formen", "folgen", "nach-role", "nach-district", "dunkelfeld"):
        csv_response = client.get(f"/amtstraeger-befragung/{wave.pk}/ergebnisse/?format=csv&table={table}")
        rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig")), delimiter=";"))
        assert len(rows) > 1, table
        xlsx = client.get(f"/amtstraeger-befragung/{wave.pk}/ergebnisse/?format=xlsx&table={table}")
        assert _rows(load_workbook(io.BytesIO(xlsx.content))) == len(rows), table
    assert client.get(f"/amtstraeger-befragung/{wave.pk}/ergebnisse/?format=csv&table=nope").status_code == 404


def test_a_respondent_answers_with_the_code_from_the_letter(client: Client, field_wave: Wave) -> None:
    entry = field_wave.frame.filter(source=FrameEntry.Source.REGISTRY)[0]
    wrong = client.post("/umfrage/amt/", {"code": "AAAA-BBBB-CCCC"})
    assert wrong.status_code == 400 and "keine Teilnahme möglich" in wrong.content.decode()
    page = client.post("/umfrage/amt/", {"code": entry.code.lower()})
    body = page.content.decode()
    assert page.status_code == 200 and "Erfahrungen im Bezugszeitraum" in body and "01.05.2023" in body
    refused = client.post("/umfrage/amt/absenden/", {"code": entry.code, "exp_verbal": "1", "exp_count": "0"})
    assert refused.status_code == 400 and not Response.objects.exists()
    done = client.post("/umfrage/amt/absenden/", {
        "code": entry.code, "exp_verbal": "1", "exp_count": "3", "reported_police": "3",
        "why_not_reported": ["1", "2"], "support_text": "Mehr Rückhalt vom Landkreis.", "gender": "2"})
    assert done.status_code == 302 and done["Location"] == "/umfrage/amt/danke/"
    response = Response.objects.get()
    assert response.answers["why_not_reported"] == [1, 2] and "support_text" not in response.answers
    text = ResponseText.objects.get()
    assert text.text == "Mehr Rückhalt vom Landkreis." and text.review == ResponseText.Review.PENDING
    again = client.post("/umfrage/amt/", {"code": entry.code})
    assert again.status_code == 400 and Response.objects.count() == 1


def test_wrong_codes_are_throttled_without_storing_the_address(client: Client, field_wave: Wave,
                                                               settings: Any) -> None:
    settings.SURVEY_CODE_ATTEMPTS = 3
    for _ in range(3):
        client.post("/umfrage/amt/", {"code": "AAAA-BBBB-CCCC"}, REMOTE_ADDR="203.0.113.9")
    locked = client.post("/umfrage/amt/", {"code": field_wave.frame.all()[0].code}, REMOTE_ADDR="203.0.113.9")
    assert locked.status_code == 400 and "Zu viele Versuche" in locked.content.decode()
    other = client.post("/umfrage/amt/", {"code": field_wave.frame.all()[0].code}, REMOTE_ADDR="198.51.100.7")
    assert other.status_code == 200  # another client is not locked out


def test_an_open_link_answers_and_a_flooding_client_is_slowed(client: Client, field_wave: Wave) -> None:
    link = OpenLink.objects.get(wave=field_wave)
    url = f"/umfrage/amt/link/{link.token}/"
    assert "Beschäftigte der Verwaltung" in client.get(url).content.decode()
    for _ in range(3):
        assert client.post(url, {"exp_verbal": "2"}, REMOTE_ADDR="203.0.113.5").status_code == 302
    slowed = client.post(url, {"exp_verbal": "2"}, REMOTE_ADDR="203.0.113.5")
    assert slowed.status_code == 429 and "mehrere Antworten" in slowed.content.decode()
    assert client.post(url, {"exp_verbal": "2"}, REMOTE_ADDR="198.51.100.8").status_code == 302
    link.refresh_from_db()
    assert link.responses == 4 == Response.objects.filter(channel=Response.Channel.OPEN_LINK).count()
    assert client.get("/umfrage/amt/link/unknown-token/").status_code == 404


def test_free_text_is_reviewed_by_the_contractors_analyst(login: Any, people: People, field_wave: Wave) -> None:
    entry = field_wave.frame.all()[0]
    from kommunalschutz.surveys.officials import answering

    answering.submit_with_code(code=entry.code, answers={"exp_verbal": 2, "support_text": "Ein Text"})
    text = ResponseText.objects.get()
    client = login(people.analyst)
    assert "Ein Text" in client.get(f"/amtstraeger-befragung/{field_wave.pk}/freitext/").content.decode()
    assert client.post(f"/amtstraeger-befragung/{field_wave.pk}/freitext/",
                       {"text": str(text.pk), "decision": "maybe"}).status_code == 400
    assert client.post(f"/amtstraeger-befragung/{field_wave.pk}/freitext/",
                       {"text": "not-a-key", "decision": "released"}).status_code == 404
    assert client.post(f"/amtstraeger-befragung/{field_wave.pk}/freitext/",
                       {"text": str(text.pk), "decision": "released"}).status_code == 302
    text.refresh_from_db()
    assert text.review == ResponseText.Review.RELEASED and text.reviewed_by == people.analyst
    assert login(people.coordinator).get(f"/amtstraeger-befragung/{field_wave.pk}/freitext/").status_code == 404
