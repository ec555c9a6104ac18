"""Writes of the sampling app: register extract, sample, letters, tracking, deletion of personal data.

Every function runs in one transaction, is audited and refuses bad input with a German message before
anything is written. Personal data (the extract's rows, names, addresses, access codes) is stored
encrypted and deleted as early as the survey allows (see docs/surveys/sampling.md).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import secrets
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.documents import image_data_uri, render_pdf_parts
from kommunalschutz.foundation.core.encryption import decrypt_bytes, encrypt_bytes, rotate_token
from kommunalschutz.foundation.core.errors import Errors, add_error, raise_if_errors
from kommunalschutz.foundation.core.models import AuditEvent, TaskRun
from kommunalschutz.foundation.core.progress import Progress
from kommunalschutz.surveys.projects.models import SurveyProject
from kommunalschutz.surveys.sampling import codes, register
from kommunalschutz.surveys.sampling.models import PopulationCell, RegisterChunk, RegisterExtract, Sample, SampleMember

RAW_CHUNK = 1 << 20  # bytes of the uploaded file per encrypted chunk
ROWS_PER_CHUNK = 10_000
MAX_FILE_SIZE = 512 << 20
MAX_REMINDERS = 2
MAX_SEED = 2**63 - 1

Data = bytes | str | Path | IO[bytes]


class RegisterInvalid(ValidationError):
    """The extract has errors; ``report`` is the validation report (nothing was imported)."""

    def __init__(self, messages: list[str], report: dict[str, Any]) -> None:
        super().__init__({"file": messages})
        self.report = report


def _sync(actor: Any, project: SurveyProject) -> None:
    from kommunalschutz.surveys.projects.progress import sync_phases

    sync_phases(actor=actor, project=project)


@contextlib.contextmanager
def _opened(data: Data) -> Iterator[IO[bytes]]:
    if isinstance(data, bytes):
        import io

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


# --- register extract -----------------------------------------------------------------------------


def upload_register(*, actor: Any, project: SurveyProject, data: Data, file_name: str) -> RegisterExtract:
    """Store an uploaded register file (encrypted), detect encoding, separator and header, and guess
    the column assignment. Nothing is checked row by row yet (that is :func:`import_extract`)."""
    errors: Errors = {}
    if Sample.objects.filter(project=project).exists():
        add_error(errors, "file", _("The sample has been drawn already; a new register extract can no longer "
                                    "be used."))
    with _opened(data) as stream:
        size = _size(stream)
        if size == 0:
            add_error(errors, "file", _("The file is empty."))
        elif size > MAX_FILE_SIZE:
            add_error(errors, "file", _("The file is larger than 512 MB."))
        raise_if_errors(errors)
        detected = register.detect(stream)
        if len(detected.header) < 2:
            add_error(errors, "file", _("No columns could be recognised in the first line. The first line must "
                                        "name the columns, separated by ; or ,."))
        raise_if_errors(errors)
        with transaction.atomic():
            extract = RegisterExtract.objects.create(
                project=project, file_name=Path(file_name).name[:255] or "register.csv", file_size=size,
                uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
                encoding=detected.encoding, delimiter=detected.delimiter, has_bom=detected.has_bom,
                header=detected.header, mapping=register.guess_mapping(detected.header),
            )
            stream.seek(0)
            index = 0
            while True:
                piece = stream.read(RAW_CHUNK)
                if not piece:
                    break
                RegisterChunk.objects.create(extract=extract, kind=RegisterChunk.Kind.RAW, index=index,
                                             payload=encrypt_bytes(piece))
                index += 1
            audit.record_create(actor=actor, obj=extract, summary=f"register extract uploaded ({size} bytes)")
            _sync(actor, project)
    return extract


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

    def __call__(self, person: register.Person) -> None:
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
        payload = zlib.compress(json.dumps(self.rows, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
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


def import_extract(*, actor: Any, extract: RegisterExtract, mapping: dict[str, int]) -> RegisterExtract:
    """Check every row of an uploaded extract with a column assignment and, only if there is no error,
    import it: the frame's rows (encrypted) and the population cells. With errors nothing is imported;
    the extract keeps the report (status "invalid") so it can be shown and downloaded.

    A bad column assignment raises ValidationError (field = target) and writes nothing.
    """
    project = extract.project
    errors: Errors = {}
    if extract.status not in (RegisterExtract.Status.UPLOADED, RegisterExtract.Status.INVALID):
        add_error(errors, "__all__", _("This register extract has been imported or deleted already."))
    if Sample.objects.filter(project=project).exists():
        add_error(errors, "__all__", _("The sample has been drawn already; a new register extract can no longer "
                                       "be used."))
    raise_if_errors(errors)
    mapping = {str(k): int(v) for k, v in mapping.items()}
    for target, message in register.validate_mapping(mapping, len(extract.header)).items():
        add_error(errors, target, message)
    raise_if_errors(errors)
    detected = register.Detected(encoding=extract.encoding, has_bom=extract.has_bom, delimiter=extract.delimiter,
                                 header=list(extract.header))
    before = audit.snapshot(extract, ["status", "mapping", "rows_total", "rows_in_frame", "excluded_minors",
                                      "excluded_blocked", "imported_at"])
    with _raw_file(extract) as stream:
        # Encoding problems are found again from the bytes (they are not stored with the upload).
        found = register.detect(stream)
        detected.problems, detected.problem_count = found.problems, found.problem_count
        try:
            with transaction.atomic():
                writer = _RowWriter(extract)
                outcome = register.check(stream, detected, mapping, reference_date=project.reference_date,
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


def _store_import(actor: Any, extract: RegisterExtract, mapping: dict[str, int], outcome: register.Outcome,
                  writer: _RowWriter, before: dict[str, Any]) -> None:
    project = extract.project
    for older in project.register_extracts.exclude(pk=extract.pk).exclude(status=RegisterExtract.Status.DELETED):
        _delete_extract(actor, older, reason="replaced by a newer extract")
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
    _sync(actor, project)


def import_register(*, actor: Any, project: SurveyProject, data: Data, file_name: str,
                    mapping: dict[str, int] | None = None) -> RegisterExtract:
    """Upload, check and import a register file in one step (all or nothing).

    Without ``mapping`` the columns are assigned from their headings. Raises :class:`RegisterInvalid`
    (a ValidationError with ``.report``) when the file has errors; then nothing at all is stored.
    """
    with transaction.atomic():
        extract = upload_register(actor=actor, project=project, data=data, file_name=file_name)
        extract = import_extract(actor=actor, extract=extract, mapping=extract.mapping if mapping is None
                                 else mapping)
        if extract.status != RegisterExtract.Status.IMPORTED:
            report = dict(extract.report)
            transaction.set_rollback(True)
            raise RegisterInvalid(_problem_messages(report), report)
    return extract


def _delete_extract(actor: Any, extract: RegisterExtract, *, reason: str) -> None:
    before = audit.snapshot(extract, ["status", "deleted_at"])
    extract.chunks.all().delete()
    extract.status = RegisterExtract.Status.DELETED
    extract.deleted_at = timezone.now()
    extract.strata = []
    extract.save(update_fields=["status", "deleted_at", "strata"])
    audit.record_update(actor=actor, obj=extract, before=before, summary=f"register extract deleted ({reason})")


def delete_extract(*, actor: Any, extract: RegisterExtract) -> RegisterExtract:
    """Delete an extract's data by hand (the record stays as a trace; the population cells stay)."""
    if extract.status == RegisterExtract.Status.DELETED:
        raise ValidationError(_("This register extract has been deleted already."))
    with transaction.atomic():
        _delete_extract(actor, extract, reason="by hand")
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


# --- sample ---------------------------------------------------------------------------------------


def _row_chunks(extract: RegisterExtract) -> Any:
    return extract.chunks.filter(kind=RegisterChunk.Kind.ROWS).order_by("index")


def frame_strata(extract: RegisterExtract) -> Any:
    """The stratum id of every person of the frame, in file order (numpy uint32)."""
    parts = [np.frombuffer(decrypt_bytes(bytes(strata)), dtype=np.uint32)
             for strata in _row_chunks(extract).values_list("strata", flat=True).iterator()]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint32)


def allocate(counts: list[int], size: int) -> list[int]:
    """Proportional allocation of ``size`` to strata of ``counts`` persons, by largest remainder; every
    non-empty stratum gets at least one when ``size`` allows (taken from the largest allocations)."""
    total = sum(counts)
    if total == 0:
        return [0] * len(counts)
    exact = [size * count / total for count in counts]
    shares = [int(value) for value in exact]
    left = size - sum(shares)
    order = sorted(range(len(counts)), key=lambda h: (-(exact[h] - shares[h]), h))
    for h in order[:left]:
        shares[h] += 1
    nonempty = [h for h, count in enumerate(counts) if count > 0]
    if size >= len(nonempty):
        for h in nonempty:
            if shares[h] == 0:
                donor = max((g for g in nonempty if shares[g] > 1), key=lambda g: (shares[g], -g))
                shares[donor] -= 1
                shares[h] = 1
    return shares


def select(strata: Any, method: str, size: int, seed: int) -> tuple[Any, Any, Any]:
    """(selected frame positions, their design weights, their letter numbers) - reproducible from seed."""
    rng = np.random.Generator(np.random.PCG64(seed))
    total = len(strata)
    if method == Sample.Method.SIMPLE:
        chosen = np.sort(rng.choice(total, size=size, replace=False))
        weights = np.full(size, total / size)
    else:
        counts = np.bincount(strata).tolist() if total else []
        shares = allocate(counts, size)
        picked, picked_weights = [], []
        by_stratum = np.argsort(strata, kind="stable")  # positions grouped by stratum, in file order
        ends = np.cumsum(counts)
        for h, (count, share) in enumerate(zip(counts, shares, strict=True)):
            if share == 0:
                continue
            members = by_stratum[ends[h] - count:ends[h]]
            picked.append(rng.choice(members, size=share, replace=False))
            picked_weights.append(np.full(share, count / share))
        chosen_unsorted = np.concatenate(picked)
        order = np.argsort(chosen_unsorted, kind="stable")
        chosen = chosen_unsorted[order]
        weights = np.concatenate(picked_weights)[order]
    # Letter numbers in random order: the number on a returned form tells nothing about the person.
    numbers = rng.permutation(size) + 1
    return chosen, weights, numbers


def _persons_at(extract: RegisterExtract, positions: Any) -> dict[int, list[str]]:
    """The frame's rows at sorted positions, decrypting only the chunks that hold one."""
    found: dict[int, list[str]] = {}
    start = 0
    wanted = positions.tolist()
    cursor = 0
    for row_count, payload in _row_chunks(extract).values_list("row_count", "payload").iterator():
        end = start + row_count
        if cursor < len(wanted) and wanted[cursor] < end:
            rows = json.loads(zlib.decompress(decrypt_bytes(bytes(payload))))
            while cursor < len(wanted) and wanted[cursor] < end:
                found[wanted[cursor]] = rows[wanted[cursor] - start]
                cursor += 1
        start = end
    return found


def draw_sample(*, actor: Any, project: SurveyProject, method: str, size: int, seed: int | None = None) -> Sample:
    """Draw the sample from the imported extract: simple random or stratified (locality x age group x
    sex, proportional). The same seed on the same extract draws the same persons."""
    errors: Errors = {}
    extract = current_extract(project)
    if Sample.objects.filter(project=project).exists():
        add_error(errors, "__all__", _("The sample of this survey has been drawn already."))
    if extract is None:
        add_error(errors, "__all__", _("Please import a register extract first."))
    if method not in Sample.Method.values:
        add_error(errors, "method", _("Please choose a sampling method."))
    if size < 1:
        add_error(errors, "size", _("The sample needs at least one person."))
    elif extract is not None and size > extract.rows_in_frame:
        add_error(errors, "size", _("The sampling frame has only %(count)s persons.")
                  % {"count": extract.rows_in_frame})
    if seed is not None and not 0 <= seed <= MAX_SEED:
        add_error(errors, "seed", _("The seed must be a whole number between 0 and 9223372036854775807."))
    raise_if_errors(errors)
    assert extract is not None
    if seed is None:
        seed = secrets.randbelow(MAX_SEED)
    strata = frame_strata(extract)
    chosen, weights, numbers = select(strata, method, size, seed)
    persons = _persons_at(extract, chosen)
    labels = extract.strata
    with transaction.atomic():
        sample = Sample.objects.create(
            project=project, method=method, size=size, seed=seed, population_size=len(strata),
            drawn_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        members = []
        for position, weight, number in zip(chosen.tolist(), weights.tolist(), numbers.tolist(), strict=True):
            family, given, street, postcode, city = persons[position]
            locality, group, sex = labels[int(strata[position])]
            code = codes.new_code()
            members.append(SampleMember(
                sample=sample, number=number, locality=locality, age_group=group, sex=sex, design_weight=weight,
                status=SampleMember.Status.DRAWN, family_name=family, given_names=given, street=street,
                postcode=postcode, city=city, access_code=code, code_digest=codes.digest(code),
            ))
        SampleMember.objects.bulk_create(members, batch_size=500)
        audit.record_create(actor=actor, obj=sample, summary=f"sample drawn: {size} of {len(strata)} persons "
                                                             f"({method}, seed {seed})")
        if project.status == SurveyProject.Status.PREPARATION:
            before = audit.snapshot(project, ["status"])
            project.status = SurveyProject.Status.SAMPLING
            project.save(update_fields=["status"])
            audit.record_update(actor=actor, obj=project, before=before)
        _sync(actor, project)
    return sample


# --- letters --------------------------------------------------------------------------------------
#
# Sending (a state change: members SENT, reminder counters) and rendering (a PDF, minutes for a large
# sample) are separate: the web request does the first at once and queues the second as a background
# operation (LETTERS_OPERATION) whose file only the requester can download. Rendering never changes
# anything but the audit trail, so the letters of a round can be rendered again as long as the
# addresses exist; each round's recipients are fixed (see reminder_round_members).

LETTERS_OPERATION = "sampling.letters"
LETTER_BATCH = 100  # letters per WeasyPrint run (progress steps; memory stays bounded)


def _site_url(site_url: str | None) -> str:
    if site_url:
        return site_url.rstrip("/")
    if settings.SITE_URL:
        return settings.SITE_URL.rstrip("/")
    hosts = [h for h in settings.ALLOWED_HOSTS if h and h != "*" and not h.startswith(".")]
    return f"https://{hosts[0]}" if hosts else ""


def questionnaire_url(site_url: str, code: str) -> str:
    return f"{site_url}{reverse('responses:start')}?code={code}"


def qr_png(url: str) -> bytes:
    """The QR code as a PNG of one pixel per module (about 300 bytes); the template scales it up with
    ``image-rendering: pixelated``, so the modules stay sharp in print."""
    import io

    import qrcode
    from qrcode.image.pil import PilImage

    image = qrcode.make(url, box_size=1, border=4, image_factory=PilImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def _letters_pdf(project: SurveyProject, members: list[SampleMember], *, site_url: str, reminder: int,
                 letter_date: dt.date, progress: Progress | None = None) -> bytes:
    crest = None
    if project.crest and project.crest_type in ("image/png", "image/jpeg"):
        crest = image_data_uri(bytes(project.crest), project.crest_type)
    common = {"project": project, "crest": crest, "reminder": reminder, "letter_date": letter_date,
              "start_url": site_url + reverse("responses:start")}
    total = len(members)
    parts = []
    for start in range(0, total, LETTER_BATCH):
        letters = []
        for member in members[start:start + LETTER_BATCH]:
            url = questionnaire_url(site_url, member.access_code)
            letters.append({"member": member, "url": url, "qr": image_data_uri(qr_png(url), "image/png")})
        parts.append({**common, "letters": letters})

    def report(done: int, count: int) -> None:
        if progress is not None:
            progress.update(min(done * LETTER_BATCH, total), total, _("letters laid out"))

    if progress is not None:
        progress.update(0, total, _("letters laid out"))
    return render_pdf_parts("sampling/letters_pdf.html", parts, on_part=report)


def _sample_for_letters(project: SurveyProject, errors: Errors) -> Sample | None:
    sample = Sample.objects.filter(project=project).first()
    if sample is None:
        add_error(errors, "__all__", _("No sample has been drawn yet."))
    elif sample.addresses_deleted_at is not None:
        add_error(errors, "__all__", _("The addresses of this sample have been deleted; no more letters can "
                                       "be produced."))
    return sample


def send_letters(*, actor: Any, project: SurveyProject) -> Sample:
    """Record that the cover letters go out: every drawn member counts as written to (SENT), and the
    register extract is deleted (the population cells stay). Renders nothing (see :func:`letters_pdf`).
    Refused when the letters have been sent already or the addresses are gone."""
    errors: Errors = {}
    sample = _sample_for_letters(project, errors)
    if sample is not None and sample.letters_produced_at is not None:
        add_error(errors, "__all__", _("The cover letters have been produced already; you can download them "
                                       "again."))
    raise_if_errors(errors)
    assert sample is not None
    with transaction.atomic():
        sample = Sample.objects.select_for_update().get(pk=sample.pk)
        if sample.letters_produced_at is not None:  # a second click that raced the first
            raise ValidationError(_("The cover letters have been produced already; you can download them "
                                    "again."))
        today = timezone.localdate()
        count = sample.members.filter(status=SampleMember.Status.DRAWN).update(
            status=SampleMember.Status.SENT, letter_sent_at=today)
        before = audit.snapshot(sample, ["letters_produced_at"])
        sample.letters_produced_at = timezone.now()
        sample.save(update_fields=["letters_produced_at"])
        audit.record_update(actor=actor, obj=sample, before=before, summary=f"{count} cover letters sent")
        for extract in project.register_extracts.exclude(status=RegisterExtract.Status.DELETED):
            _delete_extract(actor, extract, reason="letters produced")
        _sync(actor, project)
    return sample


def reminder_members(sample: Sample) -> Any:
    """Who would get a reminder now: written to, no answer, not undeliverable, fewer than MAX_REMINDERS."""
    return sample.members.filter(status=SampleMember.Status.SENT, reminders_sent__lt=MAX_REMINDERS)


def reminder_rounds(sample: Sample) -> int:
    """How many reminder rounds have been sent."""
    return int(sample.members.aggregate(rounds=models.Max("reminders_sent"))["rounds"] or 0)


def reminder_round_members(sample: Sample, round_: int) -> Any:
    """The recipients of reminder round ``round_`` (1-based), fixed once the round is sent.

    A round goes to everyone still waiting (status SENT); status never returns to SENT, so whoever is
    waiting at round k was waiting at every earlier round and got each of them. Hence the members with
    ``reminders_sent >= k`` are exactly those written to in round k, whatever happened since (an answer
    or a returned letter later does not change who got the round)."""
    return sample.members.filter(reminders_sent__gte=round_)


def send_reminders(*, actor: Any, project: SurveyProject) -> int:
    """Send a reminder round to every member who has not answered (and whose letter arrived), at most
    MAX_REMINDERS each: increments ``reminders_sent`` and sets ``last_reminder_at``. Returns how many got
    one; the round's number is :func:`reminder_rounds` afterwards. Renders nothing."""
    errors: Errors = {}
    sample = _sample_for_letters(project, errors)
    if sample is not None and sample.letters_produced_at is None:
        add_error(errors, "__all__", _("Please produce the cover letters first."))
    raise_if_errors(errors)
    assert sample is not None
    with transaction.atomic():
        members = list(reminder_members(sample).select_for_update().only("pk", "reminders_sent"))
        if not members:
            raise ValidationError(_("Nobody is waiting for a reminder: everyone has answered, was not reachable "
                                    "or has had two reminders."))
        today = timezone.localdate()
        for member in members:
            member.reminders_sent += 1
            member.last_reminder_at = today
        SampleMember.objects.bulk_update(members, ["reminders_sent", "last_reminder_at"], batch_size=500)
        audit.record(actor=actor, action=AuditEvent.Action.UPDATE, obj=sample,
                     summary=f"reminder round {members[0].reminders_sent}: {len(members)} reminder letters sent")
    return len(members)


def _renderable_sample(project: SurveyProject, round_: int) -> Sample:
    """The sample whose letters (round 0) or reminders (round k) may be rendered; else ValidationError."""
    errors: Errors = {}
    sample = _sample_for_letters(project, errors)
    raise_if_errors(errors)
    assert sample is not None
    if sample.letters_produced_at is None:
        raise ValidationError(_("Please produce the cover letters first."))
    if round_ < 0 or round_ > reminder_rounds(sample):
        raise ValidationError(_("There is no reminder round %(round)s.") % {"round": round_})
    return sample


def _round_date(sample: Sample, round_: int) -> dt.date:
    """The date printed on the letters of a round: the day it was sent."""
    if round_ == 0:
        assert sample.letters_produced_at is not None
        return timezone.localdate(sample.letters_produced_at)
    # Members whose last reminder was this round carry its date; if everyone got a later round too, the
    # earliest date among them is the best that is left (the audit trail has the exact day).
    exact = sample.members.filter(reminders_sent=round_).aggregate(day=models.Max("last_reminder_at"))["day"]
    if exact is None:
        exact = sample.members.filter(reminders_sent__gte=round_).aggregate(
            day=models.Min("last_reminder_at"))["day"]
    return exact or timezone.localdate()


def _render_round(project: SurveyProject, round_: int, *, site_url: str | None,
                  progress: Progress | None = None) -> bytes:
    sample = _renderable_sample(project, round_)
    chosen = sample.members.all() if round_ == 0 else reminder_round_members(sample, round_)
    members = list(chosen.order_by("number"))
    return _letters_pdf(project, members, site_url=_site_url(site_url), reminder=round_,
                        letter_date=_round_date(sample, round_), progress=progress)


def letters_pdf(project: SurveyProject, *, site_url: str | None = None, progress: Progress | None = None) -> bytes:
    """The cover letters of every member as one PDF (a page each, by letter number). Changes nothing;
    refused before :func:`send_letters` and after the addresses are deleted."""
    return _render_round(project, 0, site_url=site_url, progress=progress)


def reminders_pdf(project: SurveyProject, round: int, *, site_url: str | None = None,
                  progress: Progress | None = None) -> bytes:
    """The reminder letters of round ``round`` (1-based) as one PDF: the members of
    :func:`reminder_round_members`. Changes nothing."""
    if round < 1:
        raise ValidationError(_("There is no reminder round %(round)s.") % {"round": round})
    return _render_round(project, round, site_url=site_url, progress=progress)


def start_rendering(*, actor: Any, project: SurveyProject, round: int = 0,
                    site_url: str | None = None) -> TaskRun:
    """Queue the rendering of the cover letters (round 0) or of reminder round ``round`` as a background
    operation; the PDF is then downloadable from the TaskRun by ``actor`` only. Refused (nothing queued)
    when there is nothing to render or the addresses are deleted."""
    from kommunalschutz.foundation.core.services import start_operation

    _renderable_sample(project, round)
    if round == 0:
        label = _("Cover letters: %(title)s") % {"title": project.title}
    else:
        label = _("Reminder letters, round %(round)s: %(title)s") % {"round": round, "title": project.title}
    return start_operation(actor=actor, kind=LETTERS_OPERATION, label=label[:200], arguments={
        "project_id": project.pk, "round": round, "site_url": _site_url(site_url)})


def letters_file_prefix(project_id: int) -> str:
    """Where the rendered letter PDFs of a project are stored (deleted with the addresses)."""
    return f"sampling/letters/{project_id}/"


def render_letters_operation(*, progress: Progress, actor_id: int | None, project_id: int, round: int,
                             site_url: str) -> dict[str, Any]:
    """The background operation (core.tasks.OPERATIONS[LETTERS_OPERATION]): render and store the PDF."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from kommunalschutz.foundation.accounts.models import User

    project = SurveyProject.objects.select_related("municipality").get(pk=project_id)
    try:
        pdf = _render_round(project, round, site_url=site_url, progress=progress)
    except ValidationError as exc:
        raise RuntimeError(" ".join(exc.messages)) from exc  # the TaskRun shows the message
    stem = "anschreiben" if round == 0 else f"erinnerungen-runde-{round}"
    name = default_storage.save(f"{letters_file_prefix(project_id)}{stem}-{project_id}-"
                                f"{timezone.now():%Y%m%d-%H%M%S}.pdf", ContentFile(pdf))
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    sample = Sample.objects.get(project_id=project_id)
    what = "cover letters" if round == 0 else f"reminder letters of round {round}"
    audit.record(actor=actor, action=AuditEvent.Action.OTHER, obj=sample, summary=f"{what} rendered as PDF")
    return {"file": name, "bytes": len(pdf)}


def produce_letters(*, actor: Any, project: SurveyProject, site_url: str | None = None) -> bytes:
    """Send the cover letters (the first time) and render them, in the caller's process (scripts)."""
    sample = Sample.objects.filter(project=project).first()
    if sample is None or sample.letters_produced_at is None:
        send_letters(actor=actor, project=project)
    return letters_pdf(project, site_url=site_url)


def produce_reminders(*, actor: Any, project: SurveyProject, site_url: str | None = None) -> bytes:
    """Send a reminder round and render it, in the caller's process (scripts)."""
    send_reminders(actor=actor, project=project)
    sample = Sample.objects.get(project=project)
    return reminders_pdf(project, reminder_rounds(sample), site_url=site_url)


def mark_undeliverable(*, actor: Any, project: SurveyProject, number: int) -> SampleMember:
    """Record that the letter with this number came back undeliverable."""
    sample = Sample.objects.filter(project=project).first()
    member = sample.members.filter(number=number).first() if sample is not None and number else None
    if member is None:
        raise ValidationError({"number": [_("There is no letter with the number %(number)s.") % {"number": number}]})
    if member.status == SampleMember.Status.UNDELIVERABLE:
        raise ValidationError({"number": [_("Letter %(number)s is marked undeliverable already.")
                                          % {"number": number}]})
    if member.status in (SampleMember.Status.ONLINE, SampleMember.Status.POST):
        raise ValidationError({"number": [_("Letter %(number)s has been answered; it cannot be undeliverable.")
                                          % {"number": number}]})
    if member.status == SampleMember.Status.DRAWN:
        raise ValidationError({"number": [_("The letters have not been produced yet.")]})
    with transaction.atomic():
        before = audit.snapshot(member, ["status"])
        member.status = SampleMember.Status.UNDELIVERABLE
        member.save(update_fields=["status"])
        audit.record_update(actor=actor, obj=member, before=before)
    return member


PERSONAL_FIELDS = ("family_name", "given_names", "street", "postcode", "city", "access_code")


def delete_addresses(*, actor: Any, project: SurveyProject) -> int:
    """Clear the sample's names, addresses and access codes (and any register extract left); returns how
    many members were cleared. Strata, weights and status stay for weighting and the response rate."""
    sample = Sample.objects.filter(project=project).first()
    if sample is None:
        raise ValidationError(_("No sample has been drawn yet."))
    if sample.addresses_deleted_at is not None:
        raise ValidationError(_("The addresses have been deleted already."))
    with transaction.atomic():
        count = sample.members.update(**dict.fromkeys(PERSONAL_FIELDS, ""))
        before = audit.snapshot(sample, ["addresses_deleted_at"])
        sample.addresses_deleted_at = timezone.now()
        sample.save(update_fields=["addresses_deleted_at"])
        audit.record_update(actor=actor, obj=sample, before=before,
                            summary=f"names, addresses and access codes of {count} members deleted")
        for extract in project.register_extracts.exclude(status=RegisterExtract.Status.DELETED):
            _delete_extract(actor, extract, reason="addresses deleted")
        _sync(actor, project)
        transaction.on_commit(lambda: delete_letter_files(project.pk))
    return count


def delete_letter_files(project_id: int) -> int:
    """Remove the rendered letter PDFs of a project from the file store (they hold names, addresses and
    access codes); returns how many were removed."""
    from django.core.files.storage import default_storage

    prefix = letters_file_prefix(project_id)
    try:
        _dirs, files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return 0
    for name in files:
        default_storage.delete(prefix + name)
    return len(files)


def delete_due_addresses(*, today: dt.date | None = None) -> int:
    """Delete the addresses of every sample whose field period has ended (nightly); returns how many
    samples were cleared."""
    today = today or timezone.localdate()
    due = Sample.objects.filter(addresses_deleted_at__isnull=True, project__field_end__lt=today).select_related(
        "project")
    count = 0
    for sample in due:
        delete_addresses(actor=None, project=sample.project)
        count += 1
    return count
