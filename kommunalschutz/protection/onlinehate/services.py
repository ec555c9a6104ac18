"""Online hate: the writes - bulk imports into a case's evidence, the model's ranking, the case worker's
decisions and the export of corrections - each audited, each all or nothing (decision 0043).

An import is checked as a whole first (importing.check / check_paste: every problem listed, nothing
written); only a clean import is written, in one transaction with the case locked, so that two imports
of the same thread at once cannot both add the same comment (the record digest is unique per case).
Every comment becomes an ordinary online-content evidence item; the model ranks it in the same
transaction. No text of a comment goes to a log or into the audit trail (encrypted fields appear there as
"[secret]").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts.models import Actor, User
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.protection.cases.models import Case, CaseEvent
from kommunalschutz.protection.cases.services import add_event
from kommunalschutz.protection.evidence import store
from kommunalschutz.protection.evidence.models import EvidenceItem
from kommunalschutz.protection.evidence.services import clean_online_data
from kommunalschutz.protection.evidence.uploads import validate_upload
from kommunalschutz.protection.onlinehate import classifier, importing
from kommunalschutz.protection.onlinehate.models import LegalCategory, Task1, Task2, ThreadImport, TriagedItem

OFFENCES = (Task2.ABUSE, Task2.INSULT, Task2.PROFANITY)
MAX_SCREENSHOTS = 20


def _user(actor: Actor) -> User | None:
    return actor if getattr(actor, "is_authenticated", False) else None


def _check_open(case: Case) -> None:
    if case.status == Case.Status.CLOSED:
        raise ValidationError({"__all__": [_("This case is closed; no evidence can be added.")]})


def existing_digests(case: Case) -> set[str]:
    return set(TriagedItem.objects.filter(case=case).values_list("record_sha256", flat=True))


def max_bytes() -> int:
    return int(getattr(settings, "ONLINEHATE_IMPORT_MAX_BYTES", 20_000_000))


# --- the model's ranking ----------------------------------------------------------------------------------


def _model() -> classifier.TriageModel | None:
    try:
        return classifier.load_model()
    except classifier.ModelMissing:
        return None


def _apply(triaged: TriagedItem, prediction: classifier.Prediction, version: str) -> None:
    triaged.model_version = version
    triaged.p_offense = prediction.p_offense
    triaged.p_abuse = prediction.fine.get(Task2.ABUSE, 0.0)
    triaged.p_insult = prediction.fine.get(Task2.INSULT, 0.0)
    triaged.p_profanity = prediction.fine.get(Task2.PROFANITY, 0.0)
    triaged.predicted_task1 = prediction.task1
    triaged.predicted_task2 = prediction.task2


def _rank(rows: Sequence[TriagedItem], texts: Sequence[str]) -> str:
    """Fill in the model's view of ``rows`` (texts in the same order); the model's version or "" without one."""
    model = _model()
    if model is None or not rows:
        return ""
    for triaged, prediction in zip(rows, model.predict(list(texts)), strict=True):
        _apply(triaged, prediction, model.version)
    return model.version


# --- writing a checked import -----------------------------------------------------------------------------


def _context(comment: importing.Comment) -> str:
    return _("In reply to: %(reply)s") % {"reply": comment.reply_to} if comment.reply_to else ""


def _write(*, case: Case, actor: Actor, thread_import: ThreadImport, comments: Sequence[importing.Comment],
           captured_at: dt.datetime, by_reporter: bool, files: Mapping[int, dict[str, Any]] | None = None,
           skipped: int = 0) -> tuple[int, int]:
    """Write the comments not yet in the case (the case row is locked): evidence items, their triage rows,
    one audit event each and one entry in the case's history. ``skipped``: duplicates the check already left
    out. Returns (written, skipped in all)."""
    Case.objects.select_for_update().filter(pk=case.pk).first()
    known = existing_digests(case)
    fresh = [(index, comment) for index, comment in enumerate(comments) if comment.digest not in known]
    user = _user(actor)
    now = timezone.now()
    items = []
    for index, comment in fresh:
        item = EvidenceItem(case=case, kind=EvidenceItem.Kind.ONLINE, created_by=user, by_reporter=by_reporter,
                            created_at=now, url=comment.url, platform=comment.platform,
                            account_name=comment.author, profile_url=comment.profile_url,
                            posted_at=comment.posted_at, captured_at=captured_at, content_text=comment.text,
                            context=_context(comment), **(files or {}).get(index, {}))
        items.append(item)
    EvidenceItem.objects.bulk_create(items, batch_size=500)
    rows = [TriagedItem(item=item, case=case, thread_import=thread_import, record_sha256=comment.digest,
                        source_line=comment.line or None)
            for item, (_index, comment) in zip(items, fresh, strict=True)]
    version = _rank(rows, [comment.text for _index, comment in fresh])
    TriagedItem.objects.bulk_create(rows, batch_size=500)
    summary = "online content imported"
    audit.record_many([audit.build(actor=actor, action=AuditEvent.Action.CREATE, obj=item,
                                   changes=audit.diff({}, audit.snapshot(item)), summary=summary) for item in items])
    before = audit.snapshot(thread_import)
    thread_import.status = ThreadImport.Status.IMPORTED
    thread_import.item_count = len(items)
    thread_import.duplicate_count = skipped + len(comments) - len(items)
    thread_import.model_version = version
    thread_import.save()
    audit.record_update(actor=actor, obj=thread_import, before=before,
                        summary=f"thread import: {len(items)} items written")
    add_event(case, CaseEvent.Kind.EVIDENCE,
              _("%(count)s online comments imported as evidence (%(source)s)")
              % {"count": len(items), "source": thread_import.get_source_display()},
              actor=actor, by_reporter=by_reporter)
    return len(items), thread_import.duplicate_count


def _refuse(outcome: importing.Outcome) -> None:
    if not outcome.ok:
        raise ValidationError({"__all__": [_("Nothing was imported: the check found %(count)s problems. Please "
                                             "correct them (see the check report) and try again.")
                                           % {"count": f"{outcome.report.problem_count:,}".replace(",", ".")}]})


def _captured(value: dt.datetime | None) -> dt.datetime:
    now = timezone.now()
    if value is None:
        return now
    if value > now + dt.timedelta(minutes=1):
        raise ValidationError({"captured_at": [_("The capture time lies in the future.")]})
    return value


def _clean_defaults(platform: str, url: str) -> tuple[str, str]:
    """The thread's platform and address as the online-content record checks them."""
    platform, url = (platform or "").strip(), (url or "").strip()
    errors: dict[str, list[str]] = {}
    if len(platform) > 100:
        errors["platform"] = [_("Please keep the platform name under 100 characters.")]
    if url and (problem := importing.url_problem(url)) is not None:
        errors["url"] = [problem]
    if errors:
        raise ValidationError(errors)
    return platform, url


# --- CSV and JSON exports: upload, column dialog, check, import ----------------------------------------


def upload_export(*, case: Case, actor: Actor, upload: Any, platform: str = "", url: str = "",
                  captured_at: dt.datetime | None = None, by_reporter: bool = False) -> ThreadImport:
    """Keep an uploaded export of a comment thread (CSV or JSON) for its column dialog: encrypted in the
    evidence store with its SHA-256; the columns are guessed. Nothing is imported yet."""
    _check_open(case)
    if upload is None:
        raise ValidationError({"file": [_("Please choose a file.")]})
    if upload.size > max_bytes():
        raise ValidationError({"file": [_("The file is larger than %(limit)s MB. Please split the export.")
                                        % {"limit": f"{max_bytes() / 1_000_000:g}"}]})
    content = upload.read()
    platform, url = _clean_defaults(platform, url)
    captured = _captured(captured_at)
    name = str(getattr(upload, "name", "") or "export")[:255]
    try:
        table = importing.read_table(content, name)
    except importing.FormatError as exc:
        where = _("line %(line)s: ") % {"line": exc.line} if exc.line else ""
        raise ValidationError({"file": [where + exc.message]}) from exc
    stored_name = store.store(content)
    try:
        with transaction.atomic():
            thread_import = ThreadImport.objects.create(
                case=case, source=ThreadImport.Source.JSON if table.kind == "json" else ThreadImport.Source.CSV,
                status=ThreadImport.Status.UPLOADED, stored_name=stored_name, file_name=name,
                file_sha256=hashlib.sha256(content).hexdigest(), file_size=len(content), header=table.header,
                mapping=table.mapping, platform_default=platform, url_default=url, captured_at=captured,
                created_by=_user(actor), by_reporter=by_reporter)
            audit.record_create(actor=actor, obj=thread_import, summary="export of a comment thread uploaded")
    except BaseException:
        store.discard(stored_name)
        raise
    return thread_import


def preview(thread_import: ThreadImport) -> list[list[str]]:
    """The first rows of an uploaded export, for the column dialog."""
    content = store.read_stored(thread_import.stored_name, thread_import.file_sha256)
    return importing.read_table(content, thread_import.file_name).preview


def import_export(*, thread_import: ThreadImport, actor: Actor, mapping: dict[str, int]) -> importing.Outcome:
    """Check the uploaded export with the columns as assigned and, if no problem is found, import every
    comment at once. The check report is kept on the import either way. ValidationError on refusal."""
    case = thread_import.case
    _check_open(case)
    if thread_import.status != ThreadImport.Status.UPLOADED:
        raise ValidationError({"__all__": [_("This file has already been imported.")]})
    errors = importing.validate_mapping(mapping, len(thread_import.header),
                                        require_url=not thread_import.url_default)
    if errors:
        raise ValidationError({field: [message] for field, message in errors.items()})
    content = store.read_stored(thread_import.stored_name, thread_import.file_sha256)
    outcome = importing.check(content, thread_import.file_name, mapping,
                              platform_default=thread_import.platform_default,
                              url_default=thread_import.url_default, existing=existing_digests(case))
    with transaction.atomic():
        locked = ThreadImport.objects.select_for_update().get(pk=thread_import.pk)
        if locked.status != ThreadImport.Status.UPLOADED:
            raise ValidationError({"__all__": [_("This file has already been imported.")]})
        before = audit.snapshot(locked)
        locked.mapping = mapping
        locked.report = json.dumps(report_dict(outcome.report), ensure_ascii=False)
        locked.save(update_fields=["mapping", "report"])
        audit.record_update(actor=actor, obj=locked, before=before, summary="export of a comment thread checked")
    _refuse(outcome)
    with transaction.atomic():
        locked = ThreadImport.objects.select_for_update().get(pk=thread_import.pk)
        if locked.status != ThreadImport.Status.UPLOADED:
            raise ValidationError({"__all__": [_("This file has already been imported.")]})
        _write(case=case, actor=actor, thread_import=locked, comments=outcome.comments,
                         captured_at=locked.captured_at or timezone.now(), by_reporter=locked.by_reporter,
                         skipped=_skipped(outcome))
    thread_import.refresh_from_db()
    return outcome


def _skipped(outcome: importing.Outcome) -> int:
    return outcome.report.duplicates_in_file + outcome.report.already_in_case


def discard_upload(*, thread_import: ThreadImport, actor: Actor) -> None:
    """Remove an uploaded export that was not imported (its encrypted file goes once the deletion commits)."""
    if thread_import.status != ThreadImport.Status.UPLOADED:
        raise ValidationError({"__all__": [_("An imported file stays with the case's evidence.")]})
    name = thread_import.stored_name
    with transaction.atomic():
        audit.record_delete(actor=actor, obj=thread_import, summary="uploaded export of a comment thread removed")
        thread_import.delete()
        transaction.on_commit(lambda: store.discard(name))


# --- a pasted list and screenshots: checked and imported in one step ------------------------------------


def import_paste(*, case: Case, actor: Actor, text: str, platform: str, url: str,
                 posted_at: dt.datetime | None = None, captured_at: dt.datetime | None = None,
                 by_reporter: bool = False) -> tuple[ThreadImport | None, importing.Outcome]:
    """Import a pasted list of comments (one per line). Returns the import (None if refused) and the check."""
    _check_open(case)
    platform, url = _clean_defaults(platform, url)
    errors: dict[str, list[str]] = {}
    if not platform:
        errors["platform"] = [_("Name the platform (for example Facebook, X, Telegram, a website).")]
    if not url:
        errors["url"] = [_("Enter the address (URL) of the content.")]
    if not (text or "").strip():
        errors["text"] = [_("Paste the comments, one per line.")]
    if errors:
        raise ValidationError(errors)
    captured = _captured(captured_at)
    outcome = importing.check_paste(text, platform=platform, url=url, posted_at_default=posted_at,
                                    existing=existing_digests(case))
    if not outcome.ok:
        return None, outcome
    with transaction.atomic():
        thread_import = ThreadImport.objects.create(
            case=case, source=ThreadImport.Source.PASTE, platform_default=platform, url_default=url,
            captured_at=captured, report=json.dumps(report_dict(outcome.report), ensure_ascii=False),
            created_by=_user(actor),
            by_reporter=by_reporter)
        audit.record_create(actor=actor, obj=thread_import, summary="pasted list of comments imported")
        _write(case=case, actor=actor, thread_import=thread_import, comments=outcome.comments,
                         captured_at=captured, by_reporter=by_reporter, skipped=_skipped(outcome))
    return thread_import, outcome


def import_screenshots(*, case: Case, actor: Actor, rows: Sequence[Mapping[str, Any]], platform: str,
                       captured_at: dt.datetime | None = None, by_reporter: bool = False) -> ThreadImport:
    """Several screenshots, each with its comment's text typed or pasted, author, posting time and address:
    each becomes an online-content item with its screenshot (original bytes, SHA-256). All or nothing."""
    _check_open(case)
    captured = _captured(captured_at)
    filled = [(number, row) for number, row in enumerate(rows, start=1) if row.get("file") is not None
              or str(row.get("text") or "").strip()]
    if not filled:
        raise ValidationError({"__all__": [_("Add at least one screenshot with the text of its comment.")]})
    if len(filled) > MAX_SCREENSHOTS:
        raise ValidationError({"__all__": [_("At most %(count)s screenshots can be imported at once.")
                                           % {"count": MAX_SCREENSHOTS}]})
    errors: list[str] = []
    comments: list[importing.Comment] = []
    files: dict[int, dict[str, Any]] = {}
    contents: dict[int, bytes] = {}
    for number, row in filled:
        problems: list[str] = []
        try:
            fields = clean_online_data({"url": row.get("url"), "platform": platform or row.get("platform"),
                                        "account_name": row.get("author"), "content_text": row.get("text"),
                                        "posted_at": row.get("posted_at"), "captured_at": captured},
                                       has_file=True)
        except ValidationError as exc:
            problems += [str(message) for messages in exc.message_dict.values() for message in messages]
            fields = {}
        if not str(row.get("text") or "").strip():
            problems.append(_("Type or paste the text of the comment shown in the screenshot."))
        if row.get("file") is None:
            problems.append(_("Choose the screenshot."))
        else:
            try:
                content, detected, name = validate_upload(row["file"])
                contents[len(comments)] = content
                files[len(comments)] = {"original_name": name, "content_type": detected, "size": len(content),
                                        "sha256": hashlib.sha256(content).hexdigest()}
            except ValidationError as exc:
                problems += [str(message) for messages in exc.message_dict.values() for message in messages]
        if problems:
            errors += [_("Screenshot %(number)s: %(problem)s") % {"number": number, "problem": problem}
                       for problem in problems]
            continue
        comments.append(_comment(line=number, text=importing.clean_text(fields["content_text"]),
                                 posted_at=fields["posted_at"], author=fields["account_name"], url=fields["url"],
                                 platform=fields["platform"]))
    if errors:
        raise ValidationError({"__all__": errors})
    stored: list[str] = []
    try:
        for index, content in contents.items():
            files[index]["stored_name"] = store.store(content)
            stored.append(files[index]["stored_name"])
        with transaction.atomic():
            thread_import = ThreadImport.objects.create(case=case, source=ThreadImport.Source.SCREENSHOTS,
                                                        platform_default=platform, captured_at=captured,
                                                        created_by=_user(actor), by_reporter=by_reporter)
            audit.record_create(actor=actor, obj=thread_import, summary="screenshots of comments imported")
            _write(case=case, actor=actor, thread_import=thread_import, comments=comments,
                             captured_at=captured, by_reporter=by_reporter, files=files)
    except BaseException:
        for name in stored:
            store.discard(name)
        raise
    return thread_import


def report_dict(report: importing.Report) -> dict[str, Any]:
    """The check report as kept on the import (line numbers and messages; never a comment's text)."""
    return report.as_json()


def _comment(*, line: int, text: str, posted_at: dt.datetime, author: str, url: str, platform: str,
             profile_url: str = "") -> importing.Comment:
    """A comment that did not come through importing.check (a screenshot's, one recorded by hand)."""
    comment = importing.Comment(line=line, text=text, posted_at=posted_at, author=author, url=url, platform=platform,
                                profile_url=profile_url, reply_to="", digest="")
    return dataclasses.replace(comment, digest=importing.record_sha256(comment))


def item_digest(item: EvidenceItem) -> str:
    """The record digest of an online-content item recorded one by one (as an import would compute it)."""
    return _comment(line=0, text=item.content_text, posted_at=item.posted_at or item.created_at,
                    author=item.account_name, url=item.url, platform=item.platform).digest


# --- ranking what was recorded by hand, and again with a newer model ---------------------------------------


def rank_case(*, case: Case, actor: Actor) -> int:
    """Rank the case's online content that has no ranking by the current model: items recorded one by one
    get a triage row, older rankings are replaced. Decisions stay as they are. Returns the items ranked."""
    model = _model()
    if model is None:
        raise ValidationError({"__all__": [_("The triage model is not installed on this server.")]})
    with transaction.atomic():
        Case.objects.select_for_update().filter(pk=case.pk).first()
        known = {row.item_id: row for row in TriagedItem.objects.filter(case=case).select_related("item")}
        digests = {row.record_sha256 for row in known.values()}
        rows: list[TriagedItem] = []
        created: list[TriagedItem] = []
        items = EvidenceItem.objects.filter(case=case, kind=EvidenceItem.Kind.ONLINE)
        for item in items:
            row = known.get(item.pk)
            if row is not None and row.model_version == model.version:
                continue
            if row is None:
                digest = item_digest(item) if item.content_text else ""
                if not digest or digest in digests:  # nothing to rank, or the same record twice
                    continue
                digests.add(digest)
                row = TriagedItem(item=item, case=case, record_sha256=digest)
                created.append(row)
            row.item = item
            rows.append(row)
        _rank(rows, [row.item.content_text for row in rows])
        earlier = [row for row in rows if row.pk is not None]
        TriagedItem.objects.bulk_create(created, batch_size=500)
        TriagedItem.objects.bulk_update(earlier, ["model_version", "p_offense", "p_abuse", "p_insult", "p_profanity",
                                                  "predicted_task1", "predicted_task2"], batch_size=500)
        audit.record(actor=actor, action=AuditEvent.Action.OTHER, obj=case,
                     summary=f"online content ranked by triage model {model.version}: {len(rows)} items",
                     changes={})
    return len(rows)


# --- the case worker's decision ------------------------------------------------------------------------


def decide(*, triaged: TriagedItem, actor: Actor, task1: str, task2: str = "",
           legal_category: str = "") -> TriagedItem:
    """Record the case worker's decision on one item: offensive or not, the kind, optionally the legal
    category (only a person assigns it). Audited with the values before and after."""
    _check_open(triaged.case)
    errors: dict[str, list[str]] = {}
    if task1 not in Task1.values:
        errors["task1"] = [_("Decide whether the content is offensive.")]
    if task1 == Task1.OTHER:
        task2 = Task2.OTHER  # a kind chosen before deciding "not offensive" no longer applies
    elif task1 == Task1.OFFENSE and task2 not in OFFENCES:
        errors["task2"] = [_("Choose the kind of offence: abuse, insult or profanity.")]
    if legal_category not in ("", *LegalCategory.values):
        errors["legal_category"] = [_("Choose a legal category from the list.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = TriagedItem.objects.select_for_update().get(pk=triaged.pk)
        before = audit.snapshot(locked)
        locked.label_task1, locked.label_task2, locked.legal_category = task1, task2, legal_category
        locked.decided_by = _user(actor)
        locked.decided_at = timezone.now()
        locked.save()
        audit.record_update(actor=actor, obj=locked, before=before, summary="triage decision recorded")
    return locked


def confirm_suggestion(*, triaged: TriagedItem, actor: Actor) -> TriagedItem:
    """Take over the model's labels as the decision (the legal category stays with the person)."""
    if not triaged.predicted_task1:
        raise ValidationError({"__all__": [_("The model has not ranked this item.")]})
    return decide(triaged=triaged, actor=actor, task1=triaged.predicted_task1, task2=triaged.predicted_task2,
                  legal_category=triaged.legal_category)


# --- corrections as training data for the coordination office ------------------------------------------


def _one_line(text: str) -> str:
    return " |LBR| ".join(part.strip() for part in text.replace("\t", " ").splitlines() if part.strip())


def corrections_file(*, case: Case, actor: Actor, only_changed: bool = False) -> tuple[str, bytes, int]:
    """The case's decided items as GermEval 2018 training lines (text TAB task 1 TAB task 2), for a later
    retraining by the coordination office (``kommunalschutz train-triage --extra FILE``; never automatic).
    ``only_changed`` keeps the items where the decision differs from the model. Audited."""
    rows = TriagedItem.objects.filter(case=case).exclude(label_task1="").select_related("item").order_by("pk")
    lines = []
    for row in rows:
        if only_changed and (row.label_task1, row.label_task2) == (row.predicted_task1, row.predicted_task2):
            continue
        text = _one_line(row.item.content_text)
        if text:
            lines.append(f"{text}\t{row.label_task1}\t{row.label_task2}\n")
    audit.record(actor=actor, action=AuditEvent.Action.OTHER, obj=case,
                 summary=f"triage decisions exported as training data: {len(lines)} items", changes={})
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"sichtung-{case.reference}-{stamp}.txt", "".join(lines).encode("utf-8"), len(lines)


# --- retention -----------------------------------------------------------------------------------------


def delete_case_imports(case: Case) -> int:
    """Remove the uploaded exports of a case's imports once the case's deletion commits (retention)."""
    names = list(ThreadImport.objects.filter(case=case).exclude(stored_name="").values_list("stored_name", flat=True))

    def unlink() -> None:
        for name in names:
            store.discard(name)

    if names:
        transaction.on_commit(unlink)
    return len(names)


def stored_names() -> Iterable[str]:
    return ThreadImport.objects.exclude(stored_name="").values_list("stored_name", flat=True)
