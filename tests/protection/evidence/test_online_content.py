"""Online content (DOMAIN.md §2.2): absolute times, capture not before posting, nothing in the future, http(s)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kommunalschutz.protection.evidence import services
from kommunalschutz.protection.evidence.models import EvidenceItem
from tests.files import StoredPath
from tests.protection.evidence.conftest import store_files, upload

pytestmark = pytest.mark.django_db


def _data(**changes: Any) -> dict[str, Any]:
    now = timezone.now()
    data: dict[str, Any] = {"url": "https://x.example/status/1", "platform": "X", "account_name": "@anon",
                            "posted_at": now - dt.timedelta(hours=5), "captured_at": now - dt.timedelta(hours=1),
                            "content_text": "Hängt sie!", "context": "Kommentar unter dem Wahlaufruf"}
    data.update(changes)
    return data


def test_online_content_is_recorded(world: Any, case: Any) -> None:
    item = services.add_online_content(case=case, actor=world.dresden_police, data=_data())
    item.refresh_from_db()
    assert item.kind == EvidenceItem.Kind.ONLINE
    assert item.url == "https://x.example/status/1"
    assert item.content_text == "Hängt sie!"
    assert item.stored_name == "" and item.sha256 == ""


def test_online_content_with_a_screenshot_keeps_the_file(world: Any, case: Any, evidence_root: StoredPath) -> None:
    item = services.add_online_content(case=case, actor=world.pirna_official, data=_data(content_text=""),
                                       upload=upload("bildschirmfoto.png"))
    assert item.content_type == "image/png"
    assert [path.name for path in store_files(evidence_root)] == [item.stored_name]


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"captured_at": timezone.now() + dt.timedelta(days=1)}, "captured_at", "future"),
    ({"posted_at": timezone.now() + dt.timedelta(days=1), "captured_at": timezone.now() + dt.timedelta(days=2)},
     "posted_at", "future"),
    ({"posted_at": timezone.now() - dt.timedelta(hours=1), "captured_at": timezone.now() - dt.timedelta(hours=2)},
     "captured_at", "before it was posted"),
    ({"url": "javascript:alert(1)"}, "url", "http"),
    ({"url": "ftp://files.example/x"}, "url", "http"),
    ({"url": "file:///etc/passwd"}, "url", "http"),
    ({"url": ""}, "url", "address"),
    ({"profile_url": "javascript:alert(1)"}, "profile_url", "http"),
    ({"posted_at": None}, "posted_at", "posted"),
    ({"captured_at": "gestern"}, "captured_at", "captured"),
    ({"platform": ""}, "platform", "platform"),
    ({"content_text": ""}, "content_text", "screenshot"),
])
def test_bad_online_content_is_refused_and_nothing_is_saved(world: Any, case: Any, evidence_root: StoredPath,
                                                            english: Any, changes: dict[str, Any], field: str,
                                                            words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        services.add_online_content(case=case, actor=world.pirna_official, data=_data(**changes))
    assert words in " ".join(caught.value.message_dict[field])
    assert EvidenceItem.objects.count() == 0
    assert store_files(evidence_root) == []


def test_a_bad_screenshot_refuses_the_whole_record(world: Any, case: Any, evidence_root: StoredPath,
                                                   english: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        services.add_online_content(case=case, actor=world.pirna_official, data=_data(url="ftp://x"),
                                    upload=upload("bild.png", b"MZ\x90\x00"))
    assert set(caught.value.message_dict) == {"url", "file"}
    assert EvidenceItem.objects.count() == 0
    assert store_files(evidence_root) == []


def test_iso_strings_with_offset_are_accepted(world: Any, case: Any) -> None:
    item = services.add_online_content(case=case, actor=world.pirna_official, data=_data(
        posted_at="2024-11-04T22:13:00+01:00", captured_at="2024-11-05T08:02:00+01:00"))
    assert item.posted_at == dt.datetime(2024, 11, 4, 21, 13, tzinfo=dt.UTC)
