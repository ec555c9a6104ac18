"""Who sees and records assessments, on the page and in the API: the case team only. The reporter, other
municipalities, the LKA (no protection requested), and everyone else get 404, and nothing is saved."""

from __future__ import annotations

from typing import Any

import pytest

from kommunalschutz.protection.assessments.models import ThreatAssessment, WarningBehaviour
from kommunalschutz.protection.cases.models import Case
from tests.conftest import PERSONAS, World
from tests.protection.assessments.conftest import RATIONALE, in_days, ratings

pytestmark = pytest.mark.django_db

TEAM = {"coordinator", "dresden_police"}
OUTSIDE = sorted(set(PERSONAS) - TEAM)


def _form_data(level: str = "moderate", **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"level": level, "route": "police", "rationale": RATIONALE,
                            "next_review_on": in_days(14).isoformat()}
    for row in ratings(direct_threat="present"):
        code = row["behaviour"]
        data[f"{code}_rating"] = row["rating"]
        data[f"{code}_evidence_notes"] = row["evidence_notes"]
        data[f"{code}_observed_on"] = row["observed_on"].isoformat()
    data.update(overrides)
    return data


def _api_body(level: str = "moderate", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"level": level, "route": "health", "rationale": RATIONALE,
                            "next_review_on": in_days(30).isoformat(),
                            "ratings": [{**row, "observed_on": row["observed_on"].isoformat()}
                                        for row in ratings(fixation="partly")]}
    body.update(overrides)
    return body


# --- the page ------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", sorted(TEAM))
def test_the_team_sees_the_page_and_the_form(world: World, case: Case, record: Any, login: Any,
                                             persona: str) -> None:
    record("low")
    response = login(getattr(world, persona)).get(f"/gefaehrdungsbewertung/fall/{case.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<h1") == 1
    for code in WarningBehaviour.values:
        assert f'name="{code}_rating"' in page
        assert f'id="behaviour-{code}"' in page
    assert 'value="present"' in page and "<legend" in page


@pytest.mark.parametrize("persona", OUTSIDE)
def test_everyone_else_gets_404_and_cannot_record(world: World, case: Case, record: Any, login: Any,
                                                  persona: str) -> None:
    record("low")
    client = login(getattr(world, persona))
    url = f"/gefaehrdungsbewertung/fall/{case.pk}/"
    assert client.get(url).status_code == 404
    assert client.post(url, _form_data()).status_code == 404
    assert ThreatAssessment.objects.count() == 1


def test_the_lka_sees_assessments_once_protection_is_requested(world: World, case: Case, login: Any) -> None:
    url = f"/gefaehrdungsbewertung/fall/{case.pk}/"
    client = login(world.lka_officer)
    assert client.get(url).status_code == 404
    Case.objects.filter(pk=case.pk).update(lka_involved=True)
    assert client.get(url).status_code == 200


def test_anonymous_visitors_are_sent_to_the_login(client: Any, case: Case) -> None:
    response = client.get(f"/gefaehrdungsbewertung/fall/{case.pk}/")
    assert response.status_code == 302
    assert "/fall/" not in response["Location"].split("?")[0]


def test_unknown_case_is_404(world: World, login: Any) -> None:
    assert login(world.coordinator).get("/gefaehrdungsbewertung/fall/999999/").status_code == 404


def test_recording_through_the_page(world: World, case: Case, login: Any) -> None:
    client = login(world.dresden_police)
    url = f"/gefaehrdungsbewertung/fall/{case.pk}/"
    response = client.post(url, _form_data("high"))
    assert response.status_code == 302
    assessment = ThreatAssessment.objects.get()
    assert assessment.state == "awaiting_review"
    assert assessment.assessed_by == world.dresden_police
    assert assessment.ratings.get(behaviour="direct_threat").evidence_notes.startswith("Beleg")


def test_page_shows_errors_at_the_fields_and_saves_nothing(world: World, case: Case, login: Any) -> None:
    client = login(world.coordinator)
    data = _form_data(rationale="zu kurz", pathway_rating="present", pathway_evidence_notes="")
    del data["leakage_rating"]
    response = client.post(f"/gefaehrdungsbewertung/fall/{case.pk}/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert page.count('aria-invalid="true"') >= 3
    assert ThreatAssessment.objects.count() == 0
    # What was typed stays in the form.
    assert "zu kurz" in page


def test_the_form_is_prefilled_from_the_previous_assessment(world: World, case: Case, record: Any,
                                                            login: Any) -> None:
    record("low", ratings=ratings(pathway=("partly", "Recherche zur Wohnadresse im Netz.")))
    page = login(world.coordinator).get(f"/gefaehrdungsbewertung/fall/{case.pk}/").content.decode()
    assert page.count("Recherche zur Wohnadresse im Netz.") >= 2  # in force table and the form
    assert 'name="pathway_rating" value="partly"' in page.replace(" required", "")
    assert "previous-rating" in page


def test_no_score_anywhere(world: World, case: Case, record: Any, login: Any, bearer: Any, client: Any) -> None:
    record("low", ratings=ratings(**dict.fromkeys(WarningBehaviour.values, "present")))
    page = login(world.coordinator).get(f"/gefaehrdungsbewertung/fall/{case.pk}/").content.decode().lower()
    # The introduction says that no score is computed; everything else may not mention one.
    intro_start = page.index('<p class="assessment-intro">')
    page = page[:intro_start] + page[page.index("</p>", intro_start):]
    for word in ("score", "punktzahl", "punktwert", "punkte", "summe", "ampel", "8/8", "8 von 8"):
        assert word not in page
    client.logout()
    body = client.get(f"/api/v1/cases/{case.pk}/assessments", **bearer(world.coordinator)).json()
    assert set(body[0]) == {"id", "case", "level", "route", "rationale", "next_review_on", "state", "assessed_by",
                            "assessed_at", "reviewed_by", "reviewed_at", "review_note", "ratings"}


# --- the API -------------------------------------------------------------------------------------


def test_the_api_needs_a_token(client: Any, case: Case) -> None:
    assert client.get(f"/api/v1/cases/{case.pk}/assessments").status_code == 401
    assert client.post(f"/api/v1/cases/{case.pk}/assessments", _api_body(),
                       content_type="application/json").status_code == 401


@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_api_per_persona(world: World, case: Case, record: Any, client: Any, bearer: Any, persona: str) -> None:
    high = record("high")
    headers = bearer(getattr(world, persona))
    listing = client.get(f"/api/v1/cases/{case.pk}/assessments", **headers)
    create = client.post(f"/api/v1/cases/{case.pk}/assessments", _api_body(), content_type="application/json",
                         **headers)
    review = client.post(f"/api/v1/assessments/{high.pk}/review", {"confirm": True},
                         content_type="application/json", **headers)
    if persona in TEAM:
        assert listing.status_code == 200
        assert [row["id"] for row in listing.json()] == [high.pk]
        assert len(listing.json()[0]["ratings"]) == 8
        assert create.status_code == 422  # a high level waits for its review
        assert review.status_code == (422 if persona == "coordinator" else 200)
    else:
        assert (listing.status_code, create.status_code, review.status_code) == (404, 404, 404)
        high.refresh_from_db()
        assert high.state == "awaiting_review"
    assert ThreatAssessment.objects.count() == 1


def test_api_records_and_reviews(world: World, case: Case, client: Any, bearer: Any) -> None:
    response = client.post(f"/api/v1/cases/{case.pk}/assessments", _api_body("high"),
                           content_type="application/json", **bearer(world.coordinator))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "awaiting_review"
    assert body["assessed_by"]["id"] == world.coordinator.pk
    assert [r["behaviour"] for r in body["ratings"]] == WarningBehaviour.values
    self_review = client.post(f"/api/v1/assessments/{body['id']}/review", {"confirm": True},
                              content_type="application/json", **bearer(world.coordinator))
    assert self_review.status_code == 422
    assert "__all__" in self_review.json()["errors"]
    reject = client.post(f"/api/v1/assessments/{body['id']}/review", {"confirm": False, "note": ""},
                         content_type="application/json", **bearer(world.dresden_police))
    assert reject.status_code == 422
    assert set(reject.json()["errors"]) == {"note"}
    confirm = client.post(f"/api/v1/assessments/{body['id']}/review", {"confirm": True},
                          content_type="application/json", **bearer(world.dresden_police))
    assert confirm.status_code == 200
    assert confirm.json()["state"] == "in_force"
    assert confirm.json()["reviewed_by"]["id"] == world.dresden_police.pk
    assert client.post("/api/v1/assessments/999999/review", {"confirm": True}, content_type="application/json",
                       **bearer(world.dresden_police)).status_code == 404


def test_api_answers_422_per_field_and_saves_nothing(world: World, case: Case, client: Any, bearer: Any) -> None:
    rows = ratings(pathway=("present", ""))[:-1]
    body = _api_body(level="", route="", rationale="kurz", next_review_on=in_days(400).isoformat(),
                     ratings=[{**row, "observed_on": row["observed_on"].isoformat()} for row in rows])
    response = client.post(f"/api/v1/cases/{case.pk}/assessments", body, content_type="application/json",
                           **bearer(world.coordinator))
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {"level", "route", "rationale", "next_review_on", "pathway_evidence_notes",
            "direct_threat_rating"} <= set(errors)
    assert response.json()["detail"]
    assert ThreatAssessment.objects.count() == 0
    missing = client.post(f"/api/v1/cases/{case.pk}/assessments", {"level": "low"}, content_type="application/json",
                          **bearer(world.coordinator))
    assert missing.status_code == 422
    assert {"route", "rationale", "next_review_on", "pathway_rating"} <= set(missing.json()["errors"])
