"""The faster register import keeps all or nothing, on SQLite and PostgreSQL (issue 14 item 4, decision 0028).

A file with a problem stores nothing through either door (one step: import_register; the pages' two
steps: upload_register, then import_extract keeps only the report), and the report is the one the old
row-by-row check wrote (the goldens of register_corpus/). A tenth of the benchmark's register (60,000
rows, from the benchmark's own generator) is imported as a correctness run; how long it takes is the
benchmark's business (bench/survey_register.py), not this test's.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from bench.survey_register import write_register
from kommunalschutz.foundation.core.encryption import decrypt_bytes
from kommunalschutz.surveys.projects.models import SurveyProject
from kommunalschutz.surveys.sampling import register
from kommunalschutz.surveys.sampling.models import PopulationCell, RegisterChunk, RegisterExtract
from tests.bad_input.site import changed, row_counts
from tests.conftest import World
from tests.surveys.sampling.conftest import FERNET_TOKEN
from tests.surveys.sampling.register_corpus.make_corpus import HERE as CORPUS

pytestmark = pytest.mark.django_db


def _golden(name: str) -> dict[str, Any]:
    golden: dict[str, Any] = json.loads((CORPUS / f"{name}.golden.json").read_text("utf-8"))
    return golden


BAD = sorted(
    path.name.removesuffix(".csv")
    for path in CORPUS.glob("*.csv")
    if _golden(path.name.removesuffix(".csv")).get("report", {}).get("error_count")
)


def test_the_corpus_has_bad_files_of_every_kind() -> None:
    assert len(BAD) >= 12


@pytest.mark.parametrize("name", BAD)
def test_a_bad_file_stores_nothing_in_one_step_and_reports_what_the_old_check_reported(
    world: World, project: SurveyProject, name: str
) -> None:
    assert project.reference_date.isoformat() == "2026-01-01" and project.minimum_age == 16  # as the goldens
    before = row_counts()
    with translation.override("de"), pytest.raises(register.RegisterInvalid) as caught:
        register.import_register(
            actor=world.analyst, project=project, data=CORPUS / f"{name}.csv", file_name="melderegister.csv"
        )
    assert not changed(before, row_counts()), "nothing at all is stored"
    assert caught.value.report == _golden(name)["report"]


@pytest.mark.parametrize("name", BAD)
def test_a_bad_file_keeps_only_its_report_in_two_steps(world: World, project: SurveyProject, name: str) -> None:
    with translation.override("de"):
        extract = register.upload_register(
            actor=world.analyst, project=project, data=CORPUS / f"{name}.csv", file_name="melderegister.csv"
        )
        assert extract.chunks.filter(kind=RegisterChunk.Kind.RAW).exists(), "the upload keeps the file (encrypted)"
        register.import_extract(actor=world.analyst, extract=extract, mapping=extract.mapping)
    extract.refresh_from_db()
    assert extract.status == RegisterExtract.Status.INVALID
    assert extract.report == _golden(name)["report"]
    assert not RegisterChunk.objects.filter(kind=RegisterChunk.Kind.ROWS).exists()
    assert not PopulationCell.objects.exists()


@pytest.fixture(scope="module")
def tenth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tenth of the benchmark's register: 60,000 persons, Windows-1252, `;`, quoted separators."""
    path = tmp_path_factory.mktemp("register") / "melderegister.csv"
    write_register(path, 60_000, 20260501)
    return path


def test_one_bad_row_after_six_written_chunks_stores_nothing(
    world: World, project: SurveyProject, tenth: Path, tmp_path: Path
) -> None:
    """Chunks of the frame are written while the check runs; a problem in the last row undoes them all."""
    bad = tmp_path / "melderegister.csv"
    bad.write_bytes(
        tenth.read_bytes() + "Müller;Anna;Weg;1;04103;Leipzig;Ortsteil 01;31.02.1980;w;N\r\n".encode("cp1252")
    )
    before = row_counts()
    with pytest.raises(register.RegisterInvalid) as caught:
        register.import_register(actor=world.analyst, project=project, data=bad, file_name=bad.name)
    assert caught.value.report["by_kind"] == {"birth_date": 1}
    assert caught.value.report["problems"][0]["line"] == 60_002
    assert not changed(before, row_counts())


def test_a_tenth_of_the_benchmark_register_imports_completely_and_alike_through_both_doors(
    world: World, project: SurveyProject, tenth: Path
) -> None:
    extract = register.import_register(actor=world.analyst, project=project, data=tenth, file_name=tenth.name)
    assert extract.status == RegisterExtract.Status.IMPORTED and extract.encoding == "cp1252"
    assert extract.rows_total == 60_000
    assert extract.rows_in_frame + extract.excluded_minors + extract.excluded_blocked == 60_000
    assert extract.rows_in_frame > 45_000 and extract.excluded_minors > 5_000 and extract.excluded_blocked > 300
    cells = PopulationCell.objects.filter(project=project)
    assert sum(cells.values_list("count", flat=True)) == extract.rows_in_frame + extract.excluded_blocked
    chunks = extract.chunks.filter(kind=RegisterChunk.Kind.ROWS).order_by("index")
    assert not extract.chunks.filter(kind=RegisterChunk.Kind.RAW).exists()
    assert [chunk.row_count for chunk in chunks] == [10_000] * (extract.rows_in_frame // 10_000) + [
        extract.rows_in_frame % 10_000
    ]
    first = chunks.first()
    assert first is not None and first.payload is not None
    assert FERNET_TOKEN.fullmatch(bytes(first.payload)), "the frame is stored encrypted"
    rows = json.loads(zlib.decompress(decrypt_bytes(bytes(first.payload))))
    assert len(rows) == 10_000 and all(len(row) == 5 and row[4] == "Leipzig" for row in rows)
    assert any("Hinterhaus" in row[2] for row in rows) and any("ü" in row[0] for row in rows)
    # The pages' two steps (stored file, decrypted and scanned again) come to the same frame and report.
    with pytest.raises(ValidationError):  # an imported extract is not checked again: a second project
        register.import_extract(actor=world.analyst, extract=extract, mapping=extract.mapping)
    other = SurveyProject.objects.create(
        municipality=project.municipality, title="Zweite Befragung", year=2026, reference_date=project.reference_date
    )
    uploaded = register.upload_register(actor=world.analyst, project=other, data=tenth, file_name=tenth.name)
    again = register.import_extract(actor=world.analyst, extract=uploaded, mapping=uploaded.mapping)
    assert again.status == RegisterExtract.Status.IMPORTED
    assert (again.rows_in_frame, again.excluded_minors, again.excluded_blocked, again.report, again.strata) == (
        extract.rows_in_frame,
        extract.excluded_minors,
        extract.excluded_blocked,
        extract.report,
        extract.strata,
    )
    mine = [json.loads(zlib.decompress(decrypt_bytes(bytes(c.payload)))) for c in chunks]
    theirs = [
        json.loads(zlib.decompress(decrypt_bytes(bytes(c.payload))))
        for c in again.chunks.filter(kind=RegisterChunk.Kind.ROWS).order_by("index")
    ]
    assert mine == theirs
