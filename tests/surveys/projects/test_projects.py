"""Survey projects: who sees and sets them up, settings, crest, field period and status transitions."""

from __future__ import annotations

import datetime as dt
import struct
import zlib
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kommunalschutz.alliance.engagements.analyses import create_security_analysis
from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.surveys.projects import lifecycle
from kommunalschutz.surveys.projects.models import SurveyProject
from tests.alliance.engagements.conftest import contact
from tests.conftest import World
from tests.factories import OrganisationFactory
from tests.survey_factories import ItemFactory, QuestionnaireFactory, SurveyProjectFactory

pytestmark = pytest.mark.django_db
Status = SurveyProject.Status


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    """A real, tiny PNG (red pixels)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def pirna_project(world: World, **overrides: Any) -> SurveyProject:
    values: dict[str, Any] = {"municipality": world.pirna, "contractor": world.analysis_contractor,
                              "title": "Sicherheit in Pirna 2026"}
    values.update(overrides)
    return SurveyProjectFactory.create(**values)


def _create_data(world: World, **overrides: Any) -> dict[str, Any]:
    data = {"title": "Bürgerbefragung Pirna 2026", "municipality": world.pirna.pk, "year": 2026,
            "contractor": world.analysis_contractor.pk, "reference_date": "2026-01-01", "minimum_age": 16,
            "double_entry": "on", "security_analysis": ""}
    data.update(overrides)
    return data


# --- list and scope ------------------------------------------------------------------------------


def test_list_is_scoped_to_the_role(world: World, login: Any) -> None:
    pirna = pirna_project(world)
    plauen = SurveyProjectFactory.create(municipality=world.plauen, title="Sicherheit in Plauen")
    other_contractor = OrganisationFactory.create(kind="analysis_contractor", name="Anderes Institut")
    foreign = SurveyProjectFactory.create(municipality=world.plauen, contractor=other_contractor, title="Fremdauftrag")
    seen = {}
    for persona in ("coordinator", "pirna_coordinator", "analyst", "plauen_coordinator"):
        response = login(world.people[persona]).get(reverse("surveys:list"))
        assert response.status_code == 200
        seen[persona] = {p.pk for p in response.context["page"]}
    assert seen["coordinator"] == {pirna.pk, plauen.pk, foreign.pk}
    assert seen["pirna_coordinator"] == {pirna.pk}
    assert seen["analyst"] == {pirna.pk}
    assert seen["plauen_coordinator"] == {plauen.pk, foreign.pk}


@pytest.mark.parametrize("persona", ["outsider", "pirna_official", "dresden_police", "coach", "lka_officer"])
def test_people_without_a_survey_role_get_404(world: World, login: Any, persona: str) -> None:
    project = pirna_project(world)
    client = login(world.people[persona])
    assert client.get(reverse("surveys:list")).status_code == 404
    assert client.get(reverse("surveys:detail", args=[project.pk])).status_code == 404
    assert client.get(reverse("surveys:create")).status_code == 404


def test_plauen_coordinator_gets_404_for_a_pirna_project(world: World, login: Any) -> None:
    project = pirna_project(world)
    client = login(world.plauen_coordinator)
    for name in ("surveys:detail", "surveys:edit", "surveys:crest_upload", "surveys:questionnaire_new"):
        assert client.get(reverse(name, args=[project.pk])).status_code == 404
    response = client.post(reverse("surveys:edit", args=[project.pk]), {"title": "gekapert"})
    assert response.status_code == 404
    assert client.post(reverse("surveys:field_start", args=[project.pk]),
                       {"start": "2026-03-01", "end": "2026-04-01"}).status_code == 404
    project.refresh_from_db()
    assert project.title == "Sicherheit in Pirna 2026"


def test_analyst_of_another_contractor_gets_404(world: World, login: Any) -> None:
    other = OrganisationFactory.create(kind="analysis_contractor", name="Anderes Institut")
    project = pirna_project(world, contractor=other)
    assert login(world.analyst).get(reverse("surveys:detail", args=[project.pk])).status_code == 404


def test_coordinator_views_and_edits_and_the_hub_links_the_parts(world: World, login: Any) -> None:
    project = pirna_project(world)
    QuestionnaireFactory.create(project=project, version=1)
    client = login(world.coordinator)
    response = client.get(reverse("surveys:detail", args=[project.pk]))
    assert response.status_code == 200
    assert response.context["can_edit"] is True
    html = response.content.decode()
    assert "Version 1" in html and reverse("surveys:questionnaire", args=[project.pk, 1]) in html
    # The hub links only the parts the coordination office may open (issue 13): the results, never the
    # sample (personal data) or the keying of responses, which would answer 404.
    assert reverse("findings:overview", args=[project.pk]) in html
    for name in ("sampling:overview", "responses:entry"):
        assert reverse(name, args=[project.pk]) not in html
    data = _create_data(world, title="Neuer Titel", year=2027)
    data.pop("municipality")
    response = client.post(reverse("surveys:edit", args=[project.pk]), data)
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.title, project.year) == ("Neuer Titel", 2027)
    assert AuditEvent.objects.filter(object_type="surveys.surveyproject", object_id=str(project.pk),
                                     action="update").exists()


# --- create --------------------------------------------------------------------------------------


def test_pirna_coordinator_sets_up_a_project_for_pirna(world: World, login: Any) -> None:
    client = login(world.pirna_coordinator)
    response = client.post(reverse("surveys:create"), _create_data(world))
    assert response.status_code == 302
    project = SurveyProject.objects.get()
    assert (project.municipality, project.contractor, project.created_by) == (
        world.pirna, world.analysis_contractor, world.pirna_coordinator)
    assert project.status == Status.PREPARATION and project.double_entry is True
    assert AuditEvent.objects.filter(object_type="surveys.surveyproject", action="create").count() == 1


def test_pirna_coordinator_cannot_set_up_a_project_for_plauen(world: World, login: Any) -> None:
    response = login(world.pirna_coordinator).post(reverse("surveys:create"),
                                                   _create_data(world, municipality=world.plauen.pk))
    assert response.status_code == 400  # Plauen is not among the choices
    assert not SurveyProject.objects.exists()


def test_analyst_cannot_set_up_a_project(world: World, login: Any) -> None:
    assert login(world.analyst).get(reverse("surveys:create")).status_code == 404
    assert login(world.analyst).post(reverse("surveys:create"), _create_data(world)).status_code == 404
    assert not SurveyProject.objects.exists()


def test_bad_input_names_the_fields_and_writes_nothing(world: World, login: Any) -> None:
    coaching = OrganisationFactory.create(kind="coaching_institute", name="Noch ein Institut")
    with pytest.raises(ValidationError) as caught:
        lifecycle.create_project(actor=world.coordinator, municipality=world.pirna, title=" ", year=1800,
                                reference_date=dt.date(2026, 1, 1), contractor=coaching, minimum_age=5)
    assert set(caught.value.message_dict) == {"title", "year", "contractor", "minimum_age"}
    assert not SurveyProject.objects.exists()
    assert not AuditEvent.objects.filter(object_type="surveys.surveyproject").exists()


def test_link_to_a_security_analysis_of_the_same_municipality_only(world: World) -> None:
    contact(world, municipality=world.pirna, on=dt.date(2025, 1, 1))
    contact(world, municipality=world.plauen, on=dt.date(2025, 1, 1))
    pirna_analysis = create_security_analysis(actor=world.coordinator, municipality=world.pirna,
                                              title="Sicherheitsanalyse Pirna", started_on=dt.date(2026, 1, 5))
    plauen_analysis = create_security_analysis(actor=world.coordinator, municipality=world.plauen,
                                               title="Sicherheitsanalyse Plauen", started_on=dt.date(2026, 1, 5))
    with pytest.raises(ValidationError) as caught:
        lifecycle.create_project(actor=world.coordinator, municipality=world.pirna, title="Pirna", year=2026,
                                reference_date=dt.date(2026, 1, 1), security_analysis=plauen_analysis)
    assert "security_analysis" in caught.value.message_dict
    project = lifecycle.create_project(actor=world.coordinator, municipality=world.pirna, title="Pirna", year=2026,
                                      reference_date=dt.date(2026, 1, 1), security_analysis=pirna_analysis)
    assert project.security_analysis == pirna_analysis
    with pytest.raises(ValidationError) as caught:
        lifecycle.create_project(actor=world.coordinator, municipality=world.pirna, title="Zweite", year=2026,
                                reference_date=dt.date(2026, 1, 1), security_analysis=pirna_analysis)
    assert "bereits mit einer anderen Befragung verknüpft" in str(caught.value)


# --- crest ---------------------------------------------------------------------------------------


def test_crest_png_is_stored_and_served_back_with_its_type(world: World, login: Any) -> None:
    project = pirna_project(world)
    client = login(world.pirna_coordinator)
    content = png_bytes()
    response = client.post(reverse("surveys:crest_upload", args=[project.pk]),
                           {"crest": SimpleUploadedFile("wappen.png", content, content_type="image/png")})
    assert response.status_code == 302
    image = client.get(reverse("surveys:crest_image", args=[project.pk]))
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png" and image.content == content
    assert login(world.plauen_coordinator).get(reverse("surveys:crest_image", args=[project.pk])).status_code == 404


def test_crest_jpeg_is_recognised_from_its_bytes(world: World) -> None:
    project = pirna_project(world)
    lifecycle.set_crest(actor=world.coordinator, project=project, content=b"\xff\xd8\xff\xe0" + b"\x00" * 100)
    project.refresh_from_db()
    assert project.crest_type == "image/jpeg"


@pytest.mark.parametrize(("name", "content", "message"), [
    ("wappen.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "diese Datei ist keins von beiden"),
    ("wappen.png", b"Dies ist kein Bild, nur Text mit der Endung .png\n", "diese Datei ist keins von beiden"),
    ("wappen.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * (2 * 1024 * 1024), "darf höchstens 2 MB groß sein"),
])
def test_bad_crest_is_refused_and_nothing_is_stored(world: World, login: Any, name: str, content: bytes,
                                                     message: str) -> None:
    project = pirna_project(world)
    response = login(world.pirna_coordinator).post(
        reverse("surveys:crest_upload", args=[project.pk]),
        {"crest": SimpleUploadedFile(name, content, content_type="image/png")})
    assert response.status_code == 400
    assert message in response.content.decode()
    project.refresh_from_db()
    assert project.crest is None and project.crest_type == ""


# --- field period and status ---------------------------------------------------------------------


def test_field_period_needs_a_questionnaire(world: World) -> None:
    project = pirna_project(world)
    with pytest.raises(ValidationError) as caught:
        lifecycle.start_field_period(actor=world.coordinator, project=project, start=dt.date(2026, 3, 1),
                                    end=dt.date(2026, 4, 15))
    assert "Legen Sie den Fragebogen an" in str(caught.value)
    project.refresh_from_db()
    assert project.status == Status.PREPARATION and project.field_start is None


def test_field_period_freezes_the_questionnaire_and_ends_in_analysis(world: World, login: Any) -> None:
    project = pirna_project(world)
    questionnaire = QuestionnaireFactory.create(project=project, version=1)
    ItemFactory.create(questionnaire=questionnaire, code="safety_dark")
    client = login(world.analyst)
    response = client.post(reverse("surveys:field_start", args=[project.pk]),
                           {"start": "2026-04-10", "end": "2026-03-01"})
    assert response.status_code == 400  # the end lies before the start
    project.refresh_from_db()
    assert project.status == Status.PREPARATION
    response = client.post(reverse("surveys:field_start", args=[project.pk]),
                           {"start": "2026-03-01", "end": "2026-04-10"})
    assert response.status_code == 302
    project.refresh_from_db()
    questionnaire.refresh_from_db()
    assert project.status == Status.FIELD and questionnaire.is_frozen
    assert (project.field_start, project.field_end) == (dt.date(2026, 3, 1), dt.date(2026, 4, 10))
    # Starting again is not a valid transition.
    with pytest.raises(ValidationError):
        lifecycle.start_field_period(actor=world.analyst, project=project, start=dt.date(2026, 3, 1),
                                    end=dt.date(2026, 4, 10))
    response = client.post(reverse("surveys:field_end", args=[project.pk]), {"end": "2026-04-12"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == Status.ANALYSIS and project.field_end == dt.date(2026, 4, 12)


def test_status_transitions_are_validated(world: World) -> None:
    project = pirna_project(world)
    with pytest.raises(ValidationError):
        lifecycle.set_status(actor=world.coordinator, project=project, status=Status.REPORTED)
    with pytest.raises(ValidationError):
        lifecycle.end_field_period(actor=world.coordinator, project=project)
    project = lifecycle.set_status(actor=world.coordinator, project=project, status=Status.SAMPLING)
    assert project.status == Status.SAMPLING
    project.refresh_from_db()
    assert project.status == Status.SAMPLING


def test_list_queries_do_not_grow_with_the_projects(world: World, login: Any,
                                                    django_assert_max_num_queries: Any) -> None:
    client = login(world.coordinator)
    for number in range(3):
        project = pirna_project(world, title=f"Welle {number}")
        QuestionnaireFactory.create(project=project, version=1)
    client.get(reverse("surveys:list"))  # warm the session and permission caches
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("surveys:list"))
    for number in range(3, 10):
        project = pirna_project(world, title=f"Welle {number}")
        QuestionnaireFactory.create(project=project, version=1)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("surveys:list"))
    assert len(response.context["page"]) == 10
