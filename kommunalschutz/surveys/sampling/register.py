"""Writes of the register extract: upload, column mapping, the checked import, deletion, key rotation.

Every write runs in one transaction and is audited; bad input is refused with a German message before
anything is written. The extract's bytes and rows are stored encrypted in chunks and deleted as early as
the survey allows (see docs/surveys/sampling.md). Reading the file itself is register_format's job.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts.models import Actor
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.encryption import decrypt_bytes, encrypt_bytes, rotate_token
from kommunalschutz.foundation.core.errors import Errors, add_error, raise_if_errors
from kommunalschutz.surveys.projects.models import SurveyProject
from kommunalschutz.surveys.projects.progress import sync_phases
from kommunalschutz.surveys.sampling import register_format
from kommunalschutz.surveys.sampling.models import PopulationCell, RegisterChunk, RegisterExtract, Sample

RAW_CHUNK = 1 << 20  # bytes of the uploaded file per encrypted chunk
ROWS_PER_CHUNK = 10_000
MAX_FILE_SIZE = 512 << 20

Data = bytes | str | Path | IO[bytes]


class RegisterInvalid(ValidationError):
    """The extract has errors; ``report`` is the validation report (nothing was imported)."""

    def __init__(self, messages: list[str], report: dict[str, Any]) -> None:
        super().__init__({"file": messages})
        self.report = report


@contextlib.contextmanager
def _opened(data: Data) -> Iterator[IO[bytes]]:
    if isinstance(data, bytes):
        yield io.BytesIO(data)
    elif isinstance(data, str | Path):
        with open(data, "rb") as handle:
            yield handle
    else:
        data.seek(0)
        yield data


def _size(stream: IO[bytes]) -> int:
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    return size


def upload_register(*, actor: Actor, project: SurveyProject, data: Data, file_name: str) -> RegisterExtract:
    """Store an uploaded register file (encrypted), detect encoding, separator and header, and guess
    the column assignment. Nothing is checked row by row yet (that is :func:`import_extract`)."""
    with _opened(data) as stream:
        return _upload(actor, project, stream, file_name, keep_file=True)[0]


def _upload(actor: Actor, project: SurveyProject, stream: IO[bytes], file_name: str, *,
            keep_file: bool) -> tuple[RegisterExtract, register_format.Detected]:
    """The extract record (and, with ``keep_file``, the file's bytes in encrypted chunks) and what
    detection found. Without ``keep_file`` the caller checks ``stream`` itself in the same transaction."""
    errors: Errors = {}
    if Sample.objects.filter(project=project).exists():
        add_error(errors, "file", _("The sample has been drawn already; a new register extract can no longer "
                                    "be used."))
    size = _size(stream)
    if size == 0:
        add_error(errors, "file", _("The file is empty."))
    elif size > MAX_FILE_SIZE:
        add_error(errors, "file", _("The file is larger than 512 MB."))
    raise_if_errors(errors)
    try:
        detected = register_format.detect(stream)
    except register_format.FormatError as exc:
        add_error(errors, "file", exc.message)
        raise_if_errors(errors)
        raise
    if len(detected.header) < 2:
        add_error(errors, "file", _("No columns could be recognised in the first line. The first line must "
                                    "name the columns, separated by ; or ,."))
    raise_if_errors(errors)
    with transaction.atomic():
        extract = RegisterExtract.objects.create(
            project=project, file_name=Path(file_name).name[:255] or "register_format.csv", file_size=size,
            uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
            encoding=detected.encoding, delimiter=detected.delimiter, has_bom=detected.has_bom,
            header=detected.header, mapping=register_format.guess_mapping(detected.header),
        )
        stream.seek(0)
        index = 0
        while keep_file:
            piece = stream.read(RAW_CHUNK)
            if not piece:
                break
            RegisterChunk.objects.create(extract=extract, kind=RegisterChunk.Kind.RAW, index=index,
                                         payload=encrypt_bytes(piece))
            index += 1
        audit.record_create(actor=actor, obj=extract, summary=f"register extract uploaded ({size} bytes)")
        sync_phases(actor=actor, project=project)
    return extract, detected


@contextlib.contextmanager
def _raw_file(extract: RegisterExtract) -> Iterator[IO[bytes]]:
    """The uploaded bytes, decrypted into a temporary file (memory stays bounded; the file is removed)."""
    with tempfile.TemporaryFile() as handle:
        for chunk_id in extract.chunks.filter(kind=RegisterChunk.Kind.RAW).order_by("index").values_list(
                "pk", flat=True):
            payload = RegisterChunk.objects.values_list("payload", flat=True).get(pk=chunk_id)
            handle.write(decrypt_bytes(bytes(payload)))
        handle.seek(0)
        yield handle


class _Invalid(Exception):
    pass


class _RowWriter:
    """Collects the frame's persons and writes them in encrypted chunks of ROWS_PER_CHUNK."""

    def __init__(self, extract: RegisterExtract) -> None:
        self.extract = extract
        self.rows: list[list[str]] = []
        self.ids: list[int] = []
        self.strata: dict[tuple[str, str, str], int] = {}
        self.index = 0

    def __call__(self, person: register_format.Person) -> None:
        stratum = person[5:8]
        sid = self.strata.get(stratum)
        if sid is None:
            sid = self.strata[stratum] = len(self.strata)
        self.rows.append(list(person[:5]))
        self.ids.append(sid)
        if len(self.rows) >= ROWS_PER_CHUNK:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        # Level 1: a fifth of the default level's time for about 30 % more bytes (decision 0028).
        payload = zlib.compress(json.dumps(self.rows, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
                                level=1)
        strata = np.asarray(self.ids, dtype=np.uint32).tobytes()
        RegisterChunk.objects.create(extract=self.extract, kind=RegisterChunk.Kind.ROWS, index=self.index,
                                     row_count=len(self.rows), payload=encrypt_bytes(payload),
                                     strata=encrypt_bytes(strata))
        self.index += 1
        self.rows, self.ids = [], []


def _problem_messages(report: dict[str, Any], limit: int = 20) -> list[str]:
    lines = []
    for problem in report["problems"][:limit]:
        where = _("line %(line)s") % {"line": problem["line"]}
        if problem["column"]:
            where += ", " + _("column %(column)s") % {"column": problem["column"]}
        lines.append(f"{where}: {problem['message']}")
    if report["error_count"] > limit:
        lines.append(_("… %(count)s problems in all.") % {"count": report["error_count"]})
    return lines


def import_extract(*, actor: Actor, extract: RegisterExtract, mapping: dict[str, int]) -> RegisterExtract:
    """Check every row of an uploaded extract with a column assignment and, only if there is no error,
    import it: the frame's rows (encrypted) and the population cells. With errors nothing is imported;
    the extract keeps the report (status "invalid") so it can be shown and downloaded.

    A bad column assignment raises ValidationError (field = target) and writes nothing.
    """
    mapping = _checked_mapping(extract, mapping)
    with _raw_file(extract) as stream:
        # Encoding problems are found again from the bytes (they are not stored with the upload).
        return _check_and_import(actor, extract, mapping, stream, register_format.detect(stream))


def _checked_mapping(extract: RegisterExtract, mapping: dict[str, int]) -> dict[str, int]:
    project = extract.project
    errors: Errors = {}
    if extract.status not in (RegisterExtract.Status.UPLOADED, RegisterExtract.Status.INVALID):
        add_error(errors, "__all__", _("This register extract has been imported or deleted already."))
    if Sample.objects.filter(project=project).exists():
        add_error(errors, "__all__", _("The sample has been drawn already; a new register extract can no longer "
                                       "be used."))
    raise_if_errors(errors)
    mapping = {str(k): int(v) for k, v in mapping.items()}
    for target, message in register_format.validate_mapping(mapping, len(extract.header)).items():
        add_error(errors, target, message)
    raise_if_errors(errors)
    return mapping


def _check_and_import(actor: Actor, extract: RegisterExtract, mapping: dict[str, int], stream: IO[bytes],
                      found: register_format.Detected) -> RegisterExtract:
    """Check the file's rows (``found``: detection on these bytes) and import them if there is no error."""
    project = extract.project
    detected = register_format.Detected(encoding=extract.encoding, has_bom=extract.has_bom, delimiter=extract.delimiter,
                                 header=list(extract.header))
    before = audit.snapshot(extract, ["status", "mapping", "rows_total", "rows_in_frame", "excluded_minors",
                                      "excluded_blocked", "imported_at"])
    detected.problems, detected.problem_count = found.problems, found.problem_count
    try:
        with transaction.atomic():
            writer = _RowWriter(extract)
            outcome = register_format.check(stream, detected, mapping, reference_date=project.reference_date,
                                     minimum_age=project.minimum_age, emit=writer)
            if outcome.report.error_count:
                raise _Invalid
            writer.flush()
            if outcome.in_frame == 0:
                outcome.report.add("empty", 1, "", _("No person of the file belongs to the sampling frame "
                                                     "(all under the minimum age or blocked)."))
                raise _Invalid
            _store_import(actor, extract, mapping, outcome, writer, before)
            return extract
    except _Invalid:
        pass
    with transaction.atomic():
        extract.status = RegisterExtract.Status.INVALID
        extract.mapping = mapping
        extract.rows_total = outcome.rows_total
        extract.rows_in_frame = extract.excluded_minors = extract.excluded_blocked = 0
        extract.report = outcome.report.as_json()
        extract.save()
        audit.record_update(actor=actor, obj=extract, before=before,
                            summary=f"register extract checked: {outcome.report.error_count} problem(s)")
    return extract


def _store_import(actor: Actor, extract: RegisterExtract, mapping: dict[str, int], outcome: register_format.Outcome,
                  writer: _RowWriter, before: dict[str, Any]) -> None:
    project = extract.project
    for older in project.register_extracts.exclude(pk=extract.pk).exclude(status=RegisterExtract.Status.DELETED):
        discard_extract(actor, older, reason="replaced by a newer extract")
    extract.chunks.filter(kind=RegisterChunk.Kind.RAW).delete()  # the normalised rows are all that is needed
    extract.status = RegisterExtract.Status.IMPORTED
    extract.mapping = mapping
    extract.rows_total = outcome.rows_total
    extract.rows_in_frame = outcome.in_frame
    extract.excluded_minors = outcome.excluded_minors
    extract.excluded_blocked = outcome.excluded_blocked
    extract.report = outcome.report.as_json()
    extract.strata = [list(key) for key in writer.strata]
    extract.imported_at = timezone.now()
    extract.save()
    PopulationCell.objects.filter(project=project, source=PopulationCell.Source.REGISTER).delete()
    PopulationCell.objects.bulk_create([
        PopulationCell(project=project, source=PopulationCell.Source.REGISTER, locality=locality,
                       age_group=group, sex=sex, count=count)
        for (locality, group, sex), count in sorted(outcome.cells.items())
    ])
    audit.record_update(actor=actor, obj=extract, before=before,
                        summary=f"register extract imported: {outcome.in_frame} persons in the frame, "
                                f"{len(outcome.cells)} population cells")
    sync_phases(actor=actor, project=project)


def import_register(*, actor: Actor, project: SurveyProject, data: Data, file_name: str,
                    mapping: dict[str, int] | None = None) -> RegisterExtract:
    """Upload, check and import a register file in one step (all or nothing).

    Without ``mapping`` the columns are assigned from their headings. Raises :class:`RegisterInvalid`
    (a ValidationError with ``.report``) when the file has errors; then nothing at all is stored.
    """
    with transaction.atomic():
        # The file is checked from the caller's bytes: stored encrypted, they would be deleted again in this
        # transaction whatever the outcome, so they are not stored and not decrypted and scanned a second time.
        with _opened(data) as stream:
            extract, found = _upload(actor, project, stream, file_name, keep_file=False)
            extract = _check_and_import(actor, extract, _checked_mapping(
                extract, extract.mapping if mapping is None else mapping), stream, found)
        if extract.status != RegisterExtract.Status.IMPORTED:
            report = dict(extract.report)
            transaction.set_rollback(True)
            raise RegisterInvalid(_problem_messages(report), report)
    return extract


def discard_extract(actor: Actor, extract: RegisterExtract, *, reason: str) -> None:
    """Delete an extract's rows and file in the caller's transaction (replaced, letters sent, addresses
    deleted); the record stays as a trace."""
    before = audit.snapshot(extract, ["status", "deleted_at"])
    extract.chunks.all().delete()
    extract.status = RegisterExtract.Status.DELETED
    extract.deleted_at = timezone.now()
    extract.strata = []
    extract.save(update_fields=["status", "deleted_at", "strata"])
    audit.record_update(actor=actor, obj=extract, before=before, summary=f"register extract deleted ({reason})")


def delete_extract(*, actor: Actor, extract: RegisterExtract) -> RegisterExtract:
    """Delete an extract's data by hand (the record stays as a trace; the population cells stay)."""
    if extract.status == RegisterExtract.Status.DELETED:
        raise ValidationError(_("This register extract has been deleted already."))
    with transaction.atomic():
        discard_extract(actor, extract, reason="by hand")
    return extract


def current_extract(project: SurveyProject) -> RegisterExtract | None:
    return project.register_extracts.filter(status=RegisterExtract.Status.IMPORTED).first()


def rotate_chunks() -> int:
    """Re-encrypt every stored register chunk under the newest key (registered in ROTATION_HOOKS)."""
    count = 0
    for pk in RegisterChunk.objects.values_list("pk", flat=True).iterator():
        chunk = RegisterChunk.objects.get(pk=pk)
        chunk.payload = rotate_token(bytes(chunk.payload))
        if chunk.strata is not None:
            chunk.strata = rotate_token(bytes(chunk.strata))
        chunk.save(update_fields=["payload", "strata"])
        count += 1
    return count
