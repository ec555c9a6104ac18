"""The letters of a wave: one page per official with the sealed envelope's access code.

Rendered in the background (LETTERS_OPERATION) for whoever starts it; the file is kept in the storage
under ``letters_prefix(wave)`` and deleted with the codes when the wave closes (services.close_wave).
The first round goes to the whole frame, a reminder to those whose code is still unused.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts.models import Actor
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.documents import render_pdf_parts
from kommunalschutz.foundation.core.models import AuditEvent, TaskRun
from kommunalschutz.foundation.core.progress import Progress
from kommunalschutz.surveys.officials import selectors
from kommunalschutz.surveys.officials.answering import alliance_name
from kommunalschutz.surveys.officials.models import Wave

LETTERS_OPERATION = "officials.letters"
BATCH = 50


def letters_prefix(wave_id: int) -> str:
    return f"officials/letters/{wave_id}/"


def site_url() -> str:
    if settings.SITE_URL:
        return str(settings.SITE_URL).rstrip("/")
    hosts = [h for h in settings.ALLOWED_HOSTS if h and h != "*" and not h.startswith(".")]
    return f"https://{hosts[0]}" if hosts else ""


def start_rendering(*, actor: Actor, wave: Wave, reminder: bool) -> TaskRun:
    """Queue the letters (or the reminders); refused before the field period and after it."""
    from kommunalschutz.foundation.core.services import start_operation

    if wave.status != Wave.Status.FIELD:
        raise ValidationError(_("Letters exist only during the field period."))
    if not selectors.letters(wave, pending_only=reminder):
        raise ValidationError(_("There is nobody to write to."))
    label = (_("Reminder letters: %(title)s") if reminder else _("Letters: %(title)s")) % {"title": wave.title}
    return start_operation(actor=actor, kind=LETTERS_OPERATION, label=label[:200],
                           arguments={"wave_id": wave.pk, "reminder": reminder})


def letters_pdf(wave: Wave, *, reminder: bool, progress: Progress | None = None) -> bytes:
    rows = selectors.letters(wave, pending_only=reminder)
    url = site_url() + reverse("officials_answer:start")
    common = {"wave": wave, "reminder": reminder, "url": url, "alliance": alliance_name(),
              "date": timezone.localdate(), "period_start": wave.reference_start, "period_end": wave.reference_end}
    contexts = [{**common, "letters": rows[index:index + BATCH]} for index in range(0, len(rows), BATCH)]
    if not contexts:
        raise ValidationError(_("There is nobody to write to."))

    def report(done: int, total: int) -> None:
        if progress is not None:
            progress.update(done, total, _("letters are being laid out"))

    return render_pdf_parts("officials/letters_pdf.html", contexts, on_part=report)


def render_letters_operation(*, progress: Progress, actor_id: int | None, wave_id: int,
                             reminder: bool) -> dict[str, Any]:
    from kommunalschutz.foundation.accounts.models import User

    wave = Wave.objects.get(pk=wave_id)
    if wave.status != Wave.Status.FIELD:
        raise RuntimeError(_("Letters exist only during the field period."))
    try:
        pdf = letters_pdf(wave, reminder=reminder, progress=progress)
    except ValidationError as exc:
        raise RuntimeError(" ".join(exc.messages)) from exc  # the task's page shows the message
    stem = "erinnerungen" if reminder else "anschreiben"
    name = default_storage.save(f"{letters_prefix(wave_id)}{stem}-{wave_id}-{timezone.now():%Y%m%d-%H%M%S}.pdf",
                                ContentFile(pdf))
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    audit.record(actor=actor, action=AuditEvent.Action.OTHER, obj=wave,
                 summary="reminder letters rendered as PDF" if reminder else "letters rendered as PDF")
    return {"file": name, "bytes": len(pdf)}


def delete_letters(wave_id: int) -> None:
    prefix = letters_prefix(wave_id)
    try:
        _folders, files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return
    for name in files:
        default_storage.delete(prefix + name)
