"""The draft agreement as a PDF: the entered sections, marked as a draft, the three parties and signature lines."""

from __future__ import annotations

import io
from typing import Any

from django.urls import reverse
from pypdf import PdfReader

from tests.alliance.programme.conftest import draft


def test_the_draft_pdf_holds_the_sections_parties_and_signature_lines(world: Any, login: Any) -> None:
    agreement = draft(world, police_station="Polizeirevier Pirna",
                      problem_inventory="Vandalismus am Bahnhof und Graffiti in der Altstadt.")
    response = login(world.coordinator).get(reverse("alliance:agreement_draft_pdf", args=[agreement.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="vereinbarung-{agreement.pk}-entwurf.pdf"'
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    assert "Entwurf" in text
    assert "Kooperationsvereinbarung Pirna, Stadt" in text
    for party in ("Pirna, Stadt", "Polizeirevier Pirna", "Koordinierungsstelle"):
        assert party in text
    assert "Vandalismus am Bahnhof" in text
    assert "Lokale Problemanalyse" in text or "Problem" in text
    assert "Tim Lochner, Oberbürgermeister" in text
    assert text.count("Ort, Datum") == 3
