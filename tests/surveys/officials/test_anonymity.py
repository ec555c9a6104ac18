"""The sealed-envelope scheme holds: nothing the platform stores joins an answer to a person or a code.

Each test tries a way an insider would: the schema (a column or a table that links them), the audit trail,
the order of rows, the database's own transaction ids (PostgreSQL), times, and the client's address.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, models
from django.test import Client

from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.surveys.officials import answering, services, synthetic
from kommunalschutz.surveys.officials.models import FrameEntry, OpenLink, Response, ResponseText, Wave
from tests.protection.intake.anonymous import database_text
from tests.surveys.officials.conftest import People

pytestmark = pytest.mark.django_db

ANSWER_MODELS = (Response, ResponseText)
PERSON_MODELS = (FrameEntry, OpenLink)


def test_no_column_of_an_answer_names_a_person_a_code_a_place_or_a_time() -> None:
    response_fields = {field.name for field in Response._meta.concrete_fields}
    assert response_fields == {"id", "wave", "channel", "role", "district", "size_class", "gender", "answers",
                               "is_synthetic"}
    text_fields = {field.name for field in ResponseText._meta.concrete_fields}
    assert text_fields == {"id", "wave", "item", "text", "review", "reviewed_by"}
    for model in ANSWER_MODELS:
        assert not any(isinstance(field, models.DateTimeField | models.DateField)
                       for field in model._meta.concrete_fields), model
        assert isinstance(model._meta.pk, models.UUIDField), model  # no sequence that counts arrivals


def test_no_table_links_an_answer_with_a_person_or_a_code() -> None:
    for model in apps.get_models():
        targets = {field.related_model for field in model._meta.get_fields()
                   if field.is_relation and field.concrete and field.related_model is not None}
        if model in ANSWER_MODELS:
            assert not targets & set(PERSON_MODELS), model
        assert not (targets & set(ANSWER_MODELS) and targets & set(PERSON_MODELS)), model
        if model not in ANSWER_MODELS:
            assert not targets & set(ANSWER_MODELS), f"{model} points at an answer"


def _answer_all(wave: Wave, count: int) -> list[tuple[FrameEntry, Response]]:
    rng = random.Random(5)
    pairs = []
    for entry in list(wave.frame.order_by("pk"))[:count]:
        pairs.append((entry, answering.submit_with_code(code=entry.code, answers=synthetic.answers_for(
            entry.role, rng))))
    return pairs


def test_the_audit_trail_names_the_wave_not_the_answer_or_the_entry(field_wave: Wave) -> None:
    pairs = _answer_all(field_wave, 6)
    events = AuditEvent.objects.filter(object_type="officials.response")
    assert events.count() == 6
    trail = " ".join(f"{e.object_id} {e.object_repr} {e.summary} {e.changes}" for e in AuditEvent.objects.all())
    for entry, response in pairs:
        assert str(response.pk) not in trail
        assert entry.code not in trail and str(entry.code_digest) not in trail
    assert not AuditEvent.objects.filter(object_type="officials.frameentry").exists()
    assert set(events.values_list("object_id", flat=True)) == {str(field_wave.pk)}


def test_the_order_of_the_rows_says_nothing_about_who_answered_when(field_wave: Wave) -> None:
    pairs = _answer_all(field_wave, 12)
    submitted = [str(response.pk) for _entry, response in pairs]
    stored = [str(pk) for pk in Response.objects.order_by("id").values_list("pk", flat=True)]
    assert sorted(submitted) == stored and stored != submitted  # 1 in 12! that random keys keep the order


def test_after_closing_not_even_the_transaction_ids_pair_answers_with_codes(field_wave: Wave,
                                                                            people: People) -> None:
    _answer_all(field_wave, 8)
    ResponseText.objects.create(wave=field_wave, item="support_text", text="Hilfe")
    if connection.vendor != "postgresql":
        services.close_wave(actor=people.coordinator, wave=field_wave)
        assert not field_wave.frame.filter(code_digest__isnull=False).exists()
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(DISTINCT xmin::text) FROM officials_response")
        assert cursor.fetchone()[0] > 1  # during the field period every answer has its own transaction
    services.close_wave(actor=people.coordinator, wave=field_wave)
    with connection.cursor() as cursor:
        found = {}
        for table in ("officials_response", "officials_responsetext", "officials_frameentry"):
            cursor.execute(f"SELECT DISTINCT xmin::text FROM {table}")  # noqa: S608 - fixed names
            found[table] = {row[0] for row in cursor.fetchall()}
    assert len(found["officials_response"]) == 1
    assert found["officials_response"] == found["officials_responsetext"] == found["officials_frameentry"]


def test_no_address_of_a_respondent_is_stored(client: Client, field_wave: Wave) -> None:
    entry = field_wave.frame.all()[0]
    link = OpenLink.objects.get(wave=field_wave)
    client.post("/umfrage/amt/", {"code": "AAAA-BBBB-CCCC"}, REMOTE_ADDR="203.0.113.77")
    client.post("/umfrage/amt/absenden/", {"code": entry.code, "exp_verbal": "2"}, REMOTE_ADDR="203.0.113.77")
    client.post(f"/umfrage/amt/link/{link.token}/", {"exp_verbal": "2"}, REMOTE_ADDR="2001:db8::77")
    assert Response.objects.count() == 2
    text = database_text()
    assert "203.0.113.77" not in text and "2001:db8::77" not in text


def test_results_never_go_below_the_district(field_wave: Wave, people: People) -> None:
    from kommunalschutz.surveys.officials import results

    synthetic.answer_wave(field_wave, seed=9)
    services.close_wave(actor=people.coordinator, wave=field_wave)
    computed = results.compute(field_wave)
    assert set(computed.breakdowns) == {"role", "full_time", "size_class", "gender", "district"}
    names: Any = field_wave.frame.exclude(municipality=None).values_list("municipality__name", flat=True)
    shown = " ".join(share.label for shares in computed.breakdowns.values() for share in shares)
    assert not any(name in shown.split() for name in names)
