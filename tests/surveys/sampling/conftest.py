"""Register files and a survey project of Pirna for the sampling tests."""

from __future__ import annotations

import datetime as dt
import random
import re
from typing import Any

import pytest

from kommunalschutz.surveys.projects.models import SurveyProject
from tests.conftest import World
from tests.survey_factories import SurveyProjectFactory

# A value stored encrypted: one Fernet token (version byte 0x80, then URL-safe base64) and nothing beside it.
FERNET_TOKEN = re.compile(rb"gAAAAA[A-Za-z0-9_-]+=*")
HEADER = ["Familienname", "Vornamen", "Straße", "Hausnummer", "PLZ", "Ort", "Ortsteil", "Geburtsdatum",
          "Geschlecht", "Auskunftssperre"]
LOCALITIES = ["Altstadt", "Copitz", "Sonnenstein", "Graupa"]
FAMILY = ["Müller", "Schmidt", "Schröder", "Weiß", "Krüger", "Lehmann", "Böhm", "Hoffmann"]
GIVEN = ["Jürgen", "Sören", "Anna", "Käthe", "Lukas", "Maria Luise", "Jörg", "Zoë"]


def person_rows(count: int, *, seed: int = 7) -> list[list[str]]:
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        born = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 78))
        rows.append([rng.choice(FAMILY), rng.choice(GIVEN), "Dohnaer Straße", str(i + 1), "01796", "Pirna",
                     LOCALITIES[i % len(LOCALITIES)], born.strftime("%d.%m.%Y"), rng.choice("mwd"), "N"])
    return rows


def quote(value: str, delimiter: str) -> str:
    if delimiter in value or '"' in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def register_file(rows: list[list[str]], *, header: list[str] = HEADER, delimiter: str = ";",
                  encoding: str = "utf-8", bom: bool = False, newline: str = "\r\n") -> bytes:
    lines = [delimiter.join(quote(v, delimiter) for v in row) for row in [header, *rows]]
    data = (newline.join(lines) + newline).encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


@pytest.fixture
def project(world: World) -> SurveyProject:
    project: SurveyProject = SurveyProjectFactory.create(
        municipality=world.pirna, contractor=world.analysis_contractor, title="Sicherheit in Pirna 2026",
        reference_date=dt.date(2026, 1, 1), field_start=dt.date(2026, 3, 1), field_end=dt.date(2026, 4, 30))
    return project


@pytest.fixture
def imported(world: World, project: SurveyProject) -> Any:
    from kommunalschutz.surveys.sampling.register import import_register

    return import_register(actor=world.analyst, project=project, data=register_file(person_rows(400)),
                           file_name="melderegister.csv")


@pytest.fixture
def file_store() -> Any:
    """Rendered letters in the platform's file storage (each test has its own database)."""
    from tests.files import StoredPath

    return StoredPath()
