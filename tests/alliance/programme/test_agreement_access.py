"""Who may read an agreement, download its PDFs, and change it: pages and API alike, 404 for the rest."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kommunalschutz.alliance.programme import agreements
from kommunalschutz.alliance.programme.models import CooperationAgreement
from tests.alliance.programme.conftest import PDF_BYTES, draft

READERS = {"coordinator", "pirna_coordinator", "dresden_police"}
# The list answers the roles that may read some agreement (an empty list for another municipality's coordinator).
LIST_READERS = READERS | {"plauen_coordinator"}
PERSONAS = ["coordinator", "pirna_coordinator", "dresden_police", "plauen_coordinator", "pirna_official",
            "lka_officer", "coach", "analyst", "auditor", "administrator", "outsider"]


@pytest.fixture
def signed(world: Any) -> CooperationAgreement:
    agreement = draft(world)
    return agreements.sign_agreement(
        actor=world.coordinator, agreement=agreement, signed_on=dt.date(2021, 6, 25),
        document=SimpleUploadedFile("kv.pdf", PDF_BYTES, content_type="application/pdf"))


@pytest.mark.parametrize("persona", PERSONAS)
def test_agreement_pages_answer_each_persona(world: Any, login: Any, signed: CooperationAgreement,
                                             persona: str) -> None:
    client = login(getattr(world, persona))
    expected = 200 if persona in READERS else 404
    for name in ("agreement_detail", "agreement_document", "agreement_draft_pdf"):
        assert client.get(reverse(f"alliance:{name}", args=[signed.pk])).status_code == expected, name


@pytest.mark.parametrize("persona", PERSONAS)
def test_agreement_api_answers_each_persona(world: Any, api: Any, signed: CooperationAgreement,
                                            persona: str) -> None:
    user = getattr(world, persona)
    expected = 200 if persona in READERS else 404
    assert api.get(user, f"/alliance/agreements/{signed.pk}").status_code == expected
    listing = api.get(user, "/alliance/agreements")
    if persona in LIST_READERS:
        assert listing.status_code == 200
        assert [a["id"] for a in listing.json()] == ([signed.pk] if persona in READERS else [])
    else:  # the documented rule for roles that may read no agreement: 404, as for one agreement
        assert listing.status_code == 404
        assert set(listing.json()) == {"detail"}


def test_the_police_read_only_agreements_their_directorate_is_party_to(world: Any, api: Any, login: Any) -> None:
    other = draft(world, police_directorate=world.zwickau_pd, title="Vereinbarung mit PD Zwickau")
    assert api.get(world.dresden_police, f"/alliance/agreements/{other.pk}").status_code == 404
    assert login(world.dresden_police).get(reverse("alliance:agreement_detail", args=[other.pk])).status_code == 404
    assert api.get(world.pirna_coordinator, f"/alliance/agreements/{other.pk}").status_code == 200


@pytest.mark.parametrize("persona", ["pirna_coordinator", "dresden_police", "outsider"])
def test_only_the_coordinator_changes_agreements(world: Any, login: Any, persona: str) -> None:
    agreement = draft(world)
    client = login(getattr(world, persona))
    for name in ("agreement_edit", "agreement_sign", "agreement_terminate", "review_add",
                 "agreement_document_upload"):
        assert client.get(reverse(f"alliance:{name}", args=[agreement.pk])).status_code == 404, name
        assert client.post(reverse(f"alliance:{name}", args=[agreement.pk]), {}).status_code == 404, name
    assert client.get(reverse("alliance:agreement_create", args=["14628270"])).status_code == 404
    agreement.refresh_from_db()
    assert agreement.status == "draft"


def test_the_signed_pdf_is_a_download_that_is_never_sniffed(world: Any, login: Any,
                                                            signed: CooperationAgreement) -> None:
    response = login(world.pirna_coordinator).get(reverse("alliance:agreement_document", args=[signed.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_an_agreement_without_a_signed_pdf_has_no_download(world: Any, login: Any) -> None:
    agreement = draft(world)
    assert login(world.coordinator).get(reverse("alliance:agreement_document", args=[agreement.pk])).status_code == 404


def test_the_api_creates_a_draft_for_the_coordinator_only(world: Any, api: Any) -> None:
    payload = {"title": "KV Pirna", "municipality": "14628270", "police_directorate": "pd-dresden",
               "coordination_office": world.coordination_office.pk, "background": "Hintergrund",
               "signatories": [{"party": "municipality", "name": "Tim Lochner", "function": "OB"}]}
    assert api.post(world.pirna_coordinator, "/alliance/agreements", payload).status_code == 404
    response = api.post(world.coordinator, "/alliance/agreements", payload)
    assert response.status_code == 201, response.content
    assert response.json()["signatories"][0]["name"] == "Tim Lochner"


@pytest.mark.parametrize(("changes", "field"), [
    ({"police_directorate": "pd-nowhere"}, "police_directorate"),
    ({"municipality": None}, "municipality"),
    ({"district": "14628"}, "municipality"),
    ({"coordination_office": "pirna"}, "coordination_office"),
    ({"signatories": [{"party": "mayor", "name": "X", "function": "Y"}]}, "signatories"),
])
def test_bad_agreements_get_422_and_nothing_is_saved(world: Any, api: Any, changes: dict[str, Any],
                                                     field: str) -> None:
    payload = {"title": "KV Pirna", "municipality": "14628270", "police_directorate": "pd-dresden",
               "coordination_office": world.coordination_office.pk}
    payload.update(changes)
    if payload.get("coordination_office") == "pirna":
        payload["coordination_office"] = world.pirna_org.pk
    response = api.post(world.coordinator, "/alliance/agreements", payload)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert not CooperationAgreement.objects.exists()
