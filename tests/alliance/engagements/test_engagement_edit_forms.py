"""Every kind has an edit form that shows the stored values and saves changes through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client
from django.urls import reverse

from kommunalschutz.foundation.core.models import AuditEvent
from tests.alliance.engagements.conftest import Kinds
from tests.conftest import World


def _resubmit(client: Client, pk: int, **changes: object) -> Any:
    """Post the edit form back with its own initial values, changed where asked."""
    url = reverse("engagements:engagement_edit", args=[pk])
    form = client.get(url).context["form"]
    data: dict[str, object] = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, list):
            data[name] = [str(v) for v in value]
        elif isinstance(value, dt.date):
            data[name] = value.isoformat()
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = str(value)
    data.update(changes)
    return client.post(url, data)


def test_each_kind_saves_its_edit_form(pirna_engagements: Kinds, world: World, login: Any) -> None:
    client = login(world.coordinator)
    edits = {
        pirna_engagements.consultation.pk: {"outcome": "Neues Ergebnis"},
        pirna_engagements.coaching.pk: {"goals": "Neue Ziele"},
        pirna_engagements.analysis.pk: {"sample_size": "1200"},
        pirna_engagements.funding.pk: {"conclusions": "Fazit"},
        pirna_engagements.general.pk: {"notes": "Neue Notiz"},
    }
    for pk, change in edits.items():
        response = _resubmit(client, pk, **change)
        assert response.status_code == 302, (pk, response.context["form"].errors)
    pirna_engagements.consultation.refresh_from_db()
    pirna_engagements.coaching.refresh_from_db()
    pirna_engagements.analysis.refresh_from_db()
    pirna_engagements.funding.refresh_from_db()
    pirna_engagements.general.refresh_from_db()
    assert pirna_engagements.consultation.outcome == "Neues Ergebnis"
    assert pirna_engagements.coaching.goals == "Neue Ziele"
    assert pirna_engagements.analysis.sample_size == 1200
    assert pirna_engagements.funding.conclusions == "Fazit"
    assert pirna_engagements.funding.total_costs == 20000
    assert pirna_engagements.general.notes == "Neue Notiz"
    assert AuditEvent.objects.filter(action="update", actor=world.coordinator,
                                     object_type="engagements.fundingapplication").exists()


def test_funding_edit_keeps_the_checks(pirna_engagements: Kinds, world: World, login: Any) -> None:
    client = login(world.coordinator)
    response = _resubmit(client, pirna_engagements.funding.pk, requested_amount="19999")
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"requested_amount"}
    pirna_engagements.funding.refresh_from_db()
    assert pirna_engagements.funding.requested_amount == 18000
