"""The evidence package of a case for a criminal complaint: the originals, a manifest, a PDF summary, hashes."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

import kommunalschutz
from kommunalschutz.foundation.accounts.models import Actor
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.documents import render_pdf
from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.protection.cases.models import Case, CaseEvent
from kommunalschutz.protection.cases.services import add_event
from kommunalschutz.protection.evidence.models import EvidenceItem
from kommunalschutz.protection.evidence.store import read_original

# --- what other apps add to the package --------------------------------------------------------------------


@dataclass
class PackageAnnotations:
    """What an app that hangs on the evidence adds to a case's package (the online-hate triage, decision 0043):
    items to leave out (imported comments nobody has confirmed), extra manifest keys per item and sentences
    for the manifest and the PDF summary."""

    leave_out: set[int] = field(default_factory=set)
    per_item: dict[int, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


PackageContributor = Callable[[Case, list[EvidenceItem]], PackageAnnotations]
_contributors: dict[str, PackageContributor] = {}


def register_package_contributor(name: str, contributor: PackageContributor) -> None:
    """Let ``contributor(case, items)`` annotate the evidence package (evidence imports none of its users;
    they register in their AppConfig.ready(), like the case hooks of decision 0010)."""
    _contributors[name] = contributor


def _annotations(case: Case, items: list[EvidenceItem]) -> PackageAnnotations:
    merged = PackageAnnotations()
    for contributor in _contributors.values():
        found = contributor(case, items)
        merged.leave_out |= found.leave_out
        for pk, values in found.per_item.items():
            merged.per_item.setdefault(pk, {}).update(values)
        merged.notes.extend(found.notes)
    return merged


# --- the evidence package --------------------------------------------------------------------------------


def _iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value is not None else None


def safe_name(name: str, fallback: str = "datei") -> str:
    """A file name for the ZIP: ASCII letters, digits, dot, dash and underscore; no path, no leading dot."""
    name = name.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("Ä", "Ae").replace(
        "Ö", "Oe").replace("Ü", "Ue").replace("ß", "ss")
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", os.path.basename(name)).strip("._") or fallback
    stem, extension = os.path.splitext(name)
    return stem[:80] + extension[:10]


def _uploader(item: EvidenceItem) -> str:
    if item.by_reporter:
        return "reporter"
    if item.created_by is None:
        return "system"
    return str(item.created_by.get_full_name() or item.created_by.get_username())


def _incident(case: Case) -> dict[str, Any]:
    from kommunalschutz.protection.cases.models import IncidentType

    labels = dict(IncidentType.choices)
    if case.occurred_at is not None:
        when = timezone.localtime(case.occurred_at).strftime("%d.%m.%Y %H:%M")
    elif case.period_start is not None:
        end = case.period_end.strftime("%d.%m.%Y") if case.period_end else "…"
        when = f"{case.period_start.strftime('%d.%m.%Y')} - {end}"
    else:
        when = ""
    channel = str(case.get_channel_display())
    if case.platform:
        channel = f"{channel} ({case.platform})"
    return {
        "types": [str(labels.get(code, code)) for code in case.incident_types or []],
        "when": when,
        "place": str(case.get_place_display()),
        "municipality": case.municipality.name if case.municipality_id and case.municipality else "",
        "channel": channel,
    }


@transaction.atomic
def build_package(*, case: Case, actor: Actor) -> tuple[str, bytes]:
    """The evidence package of a case for a criminal complaint: (file name, ZIP bytes).

    originale/<nn>_<name> are the byte-identical originals (each checked against its SHA-256 first),
    manifest.json the metadata and hashes, zusammenfassung.pdf a summary for the police and SHA256SUMS
    the hashes in ``sha256sum`` format. Raises EvidenceIntegrityError if a stored file was altered.
    """
    created = timezone.localtime()
    items = list(EvidenceItem.objects.filter(case=case).select_related("created_by").order_by("created_at", "pk"))
    annotations = _annotations(case, items)
    # Items keep the number they have on the evidence page, also when others are left out.
    numbered = [(number, item) for number, item in enumerate(items, start=1) if item.pk not in annotations.leave_out]
    items = [item for _number, item in numbered]
    entries: list[dict[str, Any]] = []
    files: list[tuple[str, bytes]] = []
    for number, item in numbered:
        zip_name = None
        if item.stored_name:
            content = read_original(item)
            zip_name = f"originale/{number:02d}_{safe_name(item.original_name)}"
            files.append((zip_name, content))
        entry: dict[str, Any] = {
            "number": number,
            "kind": item.kind,
            "description": item.description,
            "file_in_package": zip_name,
            "original_name": item.original_name or None,
            "size": item.size,
            "detected_type": item.content_type or None,
            "sha256": item.sha256 or None,
            "uploaded_at": _iso(item.created_at),
            "uploaded_by": _uploader(item),
        }
        if item.kind == EvidenceItem.Kind.ONLINE:
            entry["online"] = {
                "url": item.url, "platform": item.platform, "account_name": item.account_name,
                "profile_url": item.profile_url, "posted_at": _iso(item.posted_at),
                "captured_at": _iso(item.captured_at), "content": item.content_text, "context": item.context,
            }
        entry.update(annotations.per_item.get(item.pk, {}))
        entries.append(entry)
    creator = actor if getattr(actor, "is_authenticated", False) else None
    manifest = {
        "case_number": case.reference,
        "created_at": created.isoformat(),
        "created_by": (creator.get_full_name() or creator.get_username()) if creator else "system",
        "platform": settings.PLATFORM_NAME,
        "platform_version": kommunalschutz.__version__,
        "hash_algorithm": "SHA-256",
        "items": entries,
    }
    if annotations.notes:
        manifest["notes"] = annotations.notes
    manifest_bytes = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    pdf = render_pdf("evidence/package_summary_pdf.html", {
        "case": case, "incident": _incident(case), "entries": entries, "created": created,
        "created_by": manifest["created_by"], "platform": settings.PLATFORM_NAME,
        "version": kommunalschutz.__version__, "notes": annotations.notes,
    })
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n"
                   for name, data in [*files, ("manifest.json", manifest_bytes)])
    buffer = io.BytesIO()
    stamp = (created.year, created.month, created.day, created.hour, created.minute, created.second)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in [*files, ("manifest.json", manifest_bytes), ("zusammenfassung.pdf", pdf),
                           ("SHA256SUMS", sums.encode("ascii"))]:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    summary = _("Evidence package exported (%(count)s items)") % {"count": len(items)}
    audit.record(actor=actor, action=AuditEvent.Action.OTHER, obj=case, summary=f"evidence package: {len(items)} items",
                 changes={})
    add_event(case, CaseEvent.Kind.EVIDENCE, summary, actor=actor)
    filename = f"beweismittel-{case.reference}-{created.strftime('%Y%m%d-%H%M')}.zip"
    return filename, buffer.getvalue()


# --- made in the background, downloaded from the encrypted store (decision 0024) -------------------------

PACKAGE_OPERATION = "evidence.package"
PACKAGE_STEPS = 3


def package_operation(*, progress: Any, actor_id: int | None, case_id: int, language: str = "de") -> dict[str, Any]:
    """Build the evidence package of a case as the person who asked for it (audited and entered in the case's
    history exactly as before, by build_package) and keep it encrypted in the evidence store until its
    download (views.evidence_package_download) or PACKAGE_RETENTION. Nothing is recorded and nothing
    stays behind if a stored original no longer matches its checksum."""
    from django.contrib.auth import get_user_model

    from kommunalschutz.protection.evidence import store

    case = Case.objects.select_related("municipality").get(pk=case_id)
    if actor_id is None:  # queued only by a signed-in person (views.evidence_package)
        raise ValueError("an evidence package needs the person who asked for it")
    actor = get_user_model().objects.get(pk=actor_id)
    with translation.override(language):
        progress.update(0, PACKAGE_STEPS, _("the originals are being read and checked against their checksums"))
        try:
            with transaction.atomic():
                filename, content = build_package(case=case, actor=actor)
                progress.update(2, PACKAGE_STEPS, _("the package is being encrypted and stored"))
                stored_name = store.store_package(content)
        except store.EvidenceIntegrityError as exc:
            raise RuntimeError(_("A stored file no longer matches the checksum taken at upload, so no evidence "
                                 "package was created. Please inform the platform's operators.")) from exc
        progress.update(PACKAGE_STEPS, PACKAGE_STEPS, _("the evidence package is ready"))
    return {"package": stored_name, "filename": filename, "bytes": len(content),
            "sha256": hashlib.sha256(content).hexdigest()}


def start_package(*, actor: Actor, case: Case) -> Any:
    """Queue the evidence package of ``case`` for ``actor`` (one already queued or running is returned)."""
    from kommunalschutz.foundation.core import downloads

    label = _("Evidence package of case %(reference)s") % {"reference": case.reference}
    return downloads.start_once(actor=actor, kind=PACKAGE_OPERATION, label=label,
                                arguments={"case_id": case.pk, "language": translation.get_language() or "de"})


def latest_package_task(actor: Actor, case: Case) -> Any:
    from kommunalschutz.foundation.core import downloads

    return downloads.latest_task(actor, PACKAGE_OPERATION, case_id=case.pk)


def delete_case_packages(case: Case) -> int:
    """Remove the waiting packages of a case (a retention hook, like its originals), once the deletion
    commits."""
    from kommunalschutz.foundation.core.models import TaskRun
    from kommunalschutz.protection.evidence import store

    names = [name for name in TaskRun.objects.filter(kind=PACKAGE_OPERATION, result__arguments__case_id=case.pk)
             .values_list("result__outcome__package", flat=True) if isinstance(name, str)]
    if names:
        transaction.on_commit(lambda: store.remove_packages(names))
    return len(names)


def hand_out_package(*, actor: Actor, case: Case, run: Any) -> tuple[str, bytes]:
    """The finished package of ``run`` for ``actor``: (file name, ZIP bytes), decrypted and checked against
    the SHA-256 taken when it was made; every download is on the audit trail (who, which case, which file).
    FileNotFoundError once retention has removed it; EvidenceIntegrityError if it was altered."""
    from kommunalschutz.protection.evidence import store

    outcome = run.result.get("outcome", {})
    content = store.read_package(outcome["package"], outcome["sha256"])
    audit.record(actor=actor, action=AuditEvent.Action.OTHER, obj=case,
                 summary=f"evidence package downloaded: {outcome['filename']} (SHA-256 {outcome['sha256']})",
                 changes={})
    return outcome["filename"], content
