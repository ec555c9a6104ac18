"""Register extracts as the corpus has them, uploaded through the page (issue 12, item 5).

Every encoding and separator a register program writes is accepted for the column assignment; UTF-16, binary
files, a header field over the csv module's limit (131,072 characters) or with a stray carriage return are
refused at the file field in German and nothing is stored (these were a `_csv.Error` 500). A data row the csv
module cannot split ends the check with a German report line instead of a server error.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kommunalschutz.surveys.projects.models import SurveyProject
from kommunalschutz.surveys.sampling.models import RegisterChunk, RegisterExtract
from tests.bad_input import corpus
from tests.bad_input.site import changed, german_problem, row_counts
from tests.conftest import World
from tests.surveys.sampling.conftest import project  # noqa: F401  (the fixture)

FILES = corpus.register_files()


@pytest.mark.parametrize(("name", "content", "readable"), FILES, ids=[name for name, _, _ in FILES])
def test_register_upload_accepts_every_export_and_refuses_the_rest_in_german(
        world: World, project: SurveyProject, login: Any,  # noqa: F811
        name: str, content: bytes, readable: bool) -> None:
    client = login(world.pirna_coordinator)
    before = row_counts()
    response = client.post(reverse("sampling:upload", args=[project.pk]),
                           {"file": SimpleUploadedFile("melderegister.csv", content, content_type="text/csv")})
    assert german_problem(response) is None, german_problem(response)
    if readable:
        extract = RegisterExtract.objects.get()
        assert response.status_code == 302 and response["Location"].endswith(f"/{extract.pk}/spalten/")
        assert "Straße" in extract.header and len(extract.header) == len(corpus.REGISTER_HEADER)
    else:
        assert response.status_code == 400
        assert not changed(before, row_counts()), "a refused upload stores nothing"
        assert 'id="id_file_error"' in response.content.decode() or "errorlist" in response.content.decode()


def test_a_row_the_csv_module_cannot_split_is_reported_not_a_server_error(
        world: World, project: SurveyProject, login: Any) -> None:  # noqa: F811
    client = login(world.pirna_coordinator)
    response = client.post(reverse("sampling:upload", args=[project.pk]), {
        "file": SimpleUploadedFile("melderegister.csv", corpus.register_file_with_bad_row(),
                                   content_type="text/csv")})
    extract = RegisterExtract.objects.get()
    assert response.status_code == 302
    guessed = {target: str(index) for target, index in extract.mapping.items()}
    checked = client.post(response["Location"], guessed)
    assert checked.status_code == 302
    extract.refresh_from_db()
    assert extract.status == RegisterExtract.Status.INVALID
    assert extract.report["by_kind"].get("format") == 1
    problem = next(p for p in extract.report["problems"] if "CSV" in p["message"])
    assert problem["line"] == 5 and "Anführungszeichen" in problem["message"]
    assert not RegisterChunk.objects.filter(extract=extract, kind="rows").exists(), "nothing imported"
