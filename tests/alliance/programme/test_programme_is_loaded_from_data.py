"""The programme (ASSKomm, since 6 Feb 2019) comes from a data file, loaded idempotently."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from kommunalschutz.alliance.programme import loading
from kommunalschutz.alliance.programme.models import Programme
from kommunalschutz.cli import ALIASES
from kommunalschutz.foundation.core.models import AuditEvent


def _events() -> int:
    return AuditEvent.objects.filter(object_type="alliance.programme").count()


def test_loading_creates_the_programme_and_links_the_coordination_office(world: Any) -> None:
    programme = loading.load_programme(actor=None)
    assert (programme.code, programme.short_name, programme.land) == ("asskomm", "ASSKomm", "14")
    assert programme.name == "Allianz Sichere Sächsische Kommunen"
    assert programme.started_on == dt.date(2019, 2, 6)
    assert programme.source_url == "https://www.asskomm.sachsen.de/asskomm-standorte-4899.html"
    assert programme.coordination_office == world.coordination_office
    assert _events() == 1


def test_loading_twice_changes_nothing(world: Any) -> None:
    loading.load_programme(actor=None)
    loading.load_programme(actor=None)
    assert Programme.objects.count() == 1
    assert _events() == 1


def test_loading_without_a_coordination_office_links_it_later(db: None, tmp_path: Path) -> None:
    from tests.factories import OrganisationFactory

    assert loading.load_programme(actor=None).coordination_office is None
    office = OrganisationFactory.create(kind="coordination_office", name="Koordinierungsstelle")
    assert loading.load_programme(actor=None).coordination_office == office
    assert _events() == 2


def test_a_changed_file_updates_the_programme(world: Any, tmp_path: Path) -> None:
    loading.load_programme(actor=None)
    data = json.loads(loading.PROGRAMME_FILE.read_text(encoding="utf-8"))
    data["short_name"] = "ASK"
    path = tmp_path / "programme.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert loading.load_programme(actor=None, path=path).short_name == "ASK"
    assert Programme.objects.count() == 1
    update = AuditEvent.objects.get(object_type="alliance.programme", action="update")
    assert update.changes == {"short_name": {"old": "ASSKomm", "new": "ASK"}}


def test_a_bad_start_date_is_refused(db: None, tmp_path: Path) -> None:
    path = tmp_path / "programme.json"
    path.write_text(json.dumps({"code": "x", "name": "X", "started_on": "6.2.2019"}), encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        loading.load_programme(actor=None, path=path)
    assert "started_on" in caught.value.message_dict
    assert not Programme.objects.exists()


def test_the_operator_command_load_programme(world: Any, capsys: Any) -> None:
    # Not through cli.main(): a management command run from the command line closes the database
    # connection when it ends, which on PostgreSQL would end the test's transaction.
    assert ALIASES["load-programme"] == "load_programme"
    call_command("load_programme")
    assert "ASSKomm" in capsys.readouterr().out
    assert Programme.objects.get().coordination_office == world.coordination_office
