"""The printable questionnaire carries exactly the online content: every question, every answer option,
the filter instructions, the letter number field and the crest."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.urls import reverse
from pypdf import PdfReader

from kommunalschutz.surveys.projects import builder, lifecycle, presentation
from kommunalschutz.surveys.projects.models import Questionnaire, SurveyProject
from tests.conftest import World
from tests.survey_factories import SurveyProjectFactory
from tests.surveys.projects.test_projects import png_bytes

pytestmark = pytest.mark.django_db


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _pdf(client: Any, questionnaire: Questionnaire, lang: str = "de", capture: Any = None) -> tuple[str, PdfReader]:
    """Press the button, let the queue run the task (Huey is eager in tests), follow the download link."""
    url = reverse("surveys:questionnaire_pdf", args=[questionnaire.project_id, questionnaire.version])
    with capture(execute=True):
        assert client.post(url, {"lang": lang}).status_code == 302
    page = client.get(url + ("?lang=en" if lang == "en" else "")).content.decode()
    link = re.search(r'href="([^"]+/datei/)"', page)
    assert link is not None, page
    response = client.get(link.group(1))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    name = f"fragebogen-{questionnaire.project_id}-v{questionnaire.version}-{lang}.pdf"
    assert name in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    return _normalise(" ".join(page.extract_text() for page in reader.pages)), reader


@pytest.fixture
def questionnaire(world: World) -> Questionnaire:
    project: SurveyProject = SurveyProjectFactory.create(municipality=world.pirna, contractor=world.analysis_contractor)
    questionnaire = builder.create_questionnaire_from_bank(actor=world.analyst, project=project)
    builder.add_item(actor=world.analyst, questionnaire=questionnaire, block="places", code="market_safety",
                      kind="scale", text_de="Wie sicher fühlen Sie sich auf dem Wochenmarkt?",
                      text_en="How safe do you feel at the weekly market?", allow_dont_use=True,
                      options=[{"code": c, "de": f"Stufe {c} markt", "en": f"level {c} market"} for c in range(1, 6)],
                      show_if={"item": "safety_overall", "values": [4, 5]})
    return questionnaire


@pytest.mark.parametrize("lang", ["de", "en"])
def test_pdf_contains_every_item_and_option_of_the_online_version(world: World, login: Any,
                                                                  questionnaire: Questionnaire, lang: str,
                                                                  django_capture_on_commit_callbacks: Any) -> None:
    text, _reader = _pdf(login(world.analyst), questionnaire, lang, django_capture_on_commit_callbacks)
    numbered = presentation.numbered_items(list(questionnaire.items.order_by("position")), lang)
    assert len(numbered) == 60
    # Numbered as respondents see them: the questions everyone is asked count 1, 2, 3 … without gaps,
    # filtered follow-ups carry the number before them and a letter (12a).
    main = [int(entry.label) for entry in numbered if not entry.item.show_if]
    assert main == list(range(1, len(main) + 1))
    assert all(re.fullmatch(r"\d+[a-z]+", entry.label) for entry in numbered if entry.item.show_if)
    for entry in numbered:
        item = entry.item
        online_text = item.text_en if lang == "en" else item.text_de
        assert _normalise(f"{entry.label}. {online_text}") in text, item.code
        for option in item.options:
            label = option["en"] if lang == "en" else option["de"]
            assert _normalise(label) in text, (item.code, label)
        for _code, label in entry.options:  # scale extras ("weiß nicht", "nutze ich nicht") included
            assert _normalise(label) in text
        for note in [*entry.notes, entry.skip]:
            assert _normalise(note) in text, note


def test_pdf_has_the_filter_instructions_letter_number_and_codes(world: World, login: Any,
                                                                 questionnaire: Questionnaire,
                                                                 django_capture_on_commit_callbacks: Any) -> None:
    text, _reader = _pdf(login(world.analyst), questionnaire, capture=django_capture_on_commit_callbacks)
    items = list(questionnaire.items.order_by("position"))
    number = {item.code: n for n, item in enumerate(items, start=1)}
    # victim_burglary -> reported_burglary (filtered) -> victim_theft: "no" jumps over the follow-up.
    assert (f"Falls Sie „nein“ angekreuzt haben, weiter mit Frage {number['victim_theft']}.") in text
    assert (f"Nur beantworten, falls Sie bei Frage {number['victim_burglary']} „ja“ angekreuzt haben.") in text
    assert "Laufende Nummer" in text
    assert "nutze ich nicht / bin dort nie" in text
    assert f"Nur beantworten, falls Sie bei Frage {number['safety_overall']} „eher unsicher“ oder „sehr unsicher“" \
        in text


def test_pdf_shows_the_crest_on_the_first_page(world: World, login: Any, questionnaire: Questionnaire,
                                               django_capture_on_commit_callbacks: Any) -> None:
    client = login(world.analyst)
    _text, reader = _pdf(client, questionnaire, capture=django_capture_on_commit_callbacks)
    assert len(reader.pages[0].images) == 0
    lifecycle.set_crest(actor=world.analyst, project=questionnaire.project, content=png_bytes(8, 8))
    _text, reader = _pdf(client, questionnaire, capture=django_capture_on_commit_callbacks)
    assert len(reader.pages[0].images) == 1


def test_pdf_of_another_municipality_is_404(world: World, login: Any, questionnaire: Questionnaire) -> None:
    url = reverse("surveys:questionnaire_pdf", args=[questionnaire.project_id, questionnaire.version])
    for persona in (world.plauen_coordinator, world.outsider):
        assert login(persona).get(url).status_code == 404
        assert login(persona).post(url).status_code == 404
