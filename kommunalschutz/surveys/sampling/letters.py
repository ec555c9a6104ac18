"""The letters of the sample: cover letters and reminder rounds (sending and rendering), returned letters.

Sending (a state change: members SENT, reminder counters) and rendering (a PDF, minutes for a large
sample) are separate: the web request does the first at once and queues the second as a background
operation (LETTERS_OPERATION) whose file only the requester can download. Rendering never changes
anything but the audit trail, so the letters of a round can be rendered again as long as the
addresses exist; each round's recipients are fixed (see reminder_round_members).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kommunalschutz.foundation.accounts.models import Actor
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.documents import image_data_uri, render_pdf_parts
from kommunalschutz.foundation.core.errors import Errors, add_error, raise_if_errors
from kommunalschutz.foundation.core.models import AuditEvent, TaskRun
from kommunalschutz.foundation.core.progress import Progress
from kommunalschutz.surveys.projects.models import SurveyProject
from kommunalschutz.surveys.projects.progress import sync_phases
from kommunalschutz.surveys.sampling import qr, stamping
from kommunalschutz.surveys.sampling.models import RegisterExtract, Sample, SampleMember
from kommunalschutz.surveys.sampling.register import discard_extract

MAX_REMINDERS = 2
LETTERS_OPERATION = "sampling.letters"
LETTER_BATCH = 50  # letters per WeasyPrint run (progress steps; memory stays bounded)

logger = logging.getLogger(__name__)


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
                 letter_date: dt.date, progress: Progress | None = None, stamp: bool = True) -> bytes:
    """The letters of ``members`` as one PDF, a page each in the given order.

    Laid out once and stamped per person (stamping.py, decision record 0029); ``stamp=False`` lays out
    every letter in full with WeasyPrint, as before (the benchmark compares both, tests compare their
    text). Stamping falls back to the full layout by itself where it cannot promise the same letter."""
    crest = None
    if project.crest and project.crest_type in ("image/png", "image/jpeg"):
        crest = image_data_uri(bytes(project.crest), project.crest_type)
    start_url = site_url + reverse("responses:start")
    common = {"project": project, "crest": crest, "reminder": reminder, "letter_date": letter_date,
              "start_url": start_url}
    if not stamp:
        return _laid_out_pdf(common, members, site_url=site_url, progress=progress)
    total = len(members)
    # One step more than letters: writing the PDF takes its own time.
    steps = total + 1
    if progress is not None:
        progress.update(0, 0, _("letters being prepared (QR codes) …"))
    urls = [f"{start_url}?code={member.access_code}" for member in members]
    matrices = qr.matrices(urls)
    letters = [{"member": member, "url": url, "matrix": matrix}
               for member, url, matrix in zip(members, urls, matrices, strict=True)]

    def report(stage: str, done: int) -> None:
        if progress is None:
            return
        if stage == "shaped":
            progress.update(done, steps, _("letters laid out"))
        else:
            progress.update(total, steps, _("the PDF is being assembled"))

    def full_layout(letter: dict[str, Any]) -> dict[str, Any]:
        return {**letter, "qr": image_data_uri(qr_png(letter["url"]), "image/png")}

    try:
        pdf = stamping.render_stamped("sampling/letters_pdf.html", common, letters,
                                      template_qr=image_data_uri(qr_png(f"{start_url}?code=XXXX-XXXX-XXXX"),
                                                                 "image/png"),
                                      full_layout=full_layout, on_step=report)
    except stamping.StampingUnavailable:
        logger.warning("letters: the template cannot be stamped; laying out every letter in full",
                       exc_info=True)
        return _laid_out_pdf(common, members, site_url=site_url, progress=progress)
    if progress is not None:
        progress.update(steps, steps, _("the PDF is ready"))
    return pdf


def _laid_out_pdf(common: dict[str, Any], members: list[SampleMember], *, site_url: str,
                  progress: Progress | None = None) -> bytes:
    """Every letter laid out in full by WeasyPrint (about 0.1 s a letter)."""
    total = len(members)
    if progress is not None:
        # The QR codes come first and take a while for a large sample: say so before anything is counted.
        progress.update(0, 0, _("letters being prepared (QR codes) …"))
    parts = []
    for start in range(0, total, LETTER_BATCH):
        letters = []
        for member in members[start:start + LETTER_BATCH]:
            url = questionnaire_url(site_url, member.access_code)
            letters.append({"member": member, "url": url, "qr": image_data_uri(qr_png(url), "image/png")})
        parts.append({**common, "letters": letters})

    # One step more than letters: joining the laid-out pages into one PDF takes its own time.
    steps = total + 1

    def report(done: int, count: int) -> None:
        if progress is None:
            return
        if done < count:
            progress.update(min(done * LETTER_BATCH, total), steps, _("letters laid out"))
        else:
            progress.update(total, steps, _("the PDF is being assembled"))

    if progress is not None:
        progress.update(0, steps, _("letters laid out"))
    pdf = render_pdf_parts("sampling/letters_pdf.html", parts, on_part=report)
    if progress is not None:
        progress.update(steps, steps, _("the PDF is ready"))
    return pdf


def _sample_for_letters(project: SurveyProject, errors: Errors) -> Sample | None:
    sample = Sample.objects.filter(project=project).first()
    if sample is None:
        add_error(errors, "__all__", _("No sample has been drawn yet."))
    elif sample.addresses_deleted_at is not None:
        add_error(errors, "__all__", _("The addresses of this sample have been deleted; no more letters can "
                                       "be produced."))
    return sample


def send_letters(*, actor: Actor, project: SurveyProject) -> Sample:
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
            discard_extract(actor, extract, reason="letters produced")
        sync_phases(actor=actor, project=project)
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


def send_reminders(*, actor: Actor, project: SurveyProject) -> int:
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
                  progress: Progress | None = None, stamp: bool = True) -> bytes:
    sample = _renderable_sample(project, round_)
    chosen = sample.members.all() if round_ == 0 else reminder_round_members(sample, round_)
    members = list(chosen.order_by("number"))
    return _letters_pdf(project, members, site_url=_site_url(site_url), reminder=round_,
                        letter_date=_round_date(sample, round_), progress=progress, stamp=stamp)


def letters_pdf(project: SurveyProject, *, site_url: str | None = None, progress: Progress | None = None,
                stamp: bool = True) -> bytes:
    """The cover letters of every member as one PDF (a page each, by letter number). Changes nothing;
    refused before :func:`send_letters` and after the addresses are deleted. ``stamp=False``: every
    letter laid out in full (the way before decision 0029; for comparison)."""
    return _render_round(project, 0, site_url=site_url, progress=progress, stamp=stamp)


def reminders_pdf(project: SurveyProject, round: int, *, site_url: str | None = None,
                  progress: Progress | None = None, stamp: bool = True) -> bytes:
    """The reminder letters of round ``round`` (1-based) as one PDF: the members of
    :func:`reminder_round_members`. Changes nothing."""
    if round < 1:
        raise ValidationError(_("There is no reminder round %(round)s.") % {"round": round})
    return _render_round(project, round, site_url=site_url, progress=progress, stamp=stamp)


def start_rendering(*, actor: Actor, project: SurveyProject, round: int = 0,
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
    """Render and store the letters PDF in the background (LETTERS_OPERATION, registered in SamplingConfig.ready)."""
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


def produce_letters(*, actor: Actor, project: SurveyProject, site_url: str | None = None) -> bytes:
    """Send the cover letters (the first time) and render them, in the caller's process (scripts)."""
    sample = Sample.objects.filter(project=project).first()
    if sample is None or sample.letters_produced_at is None:
        send_letters(actor=actor, project=project)
    return letters_pdf(project, site_url=site_url)


def produce_reminders(*, actor: Actor, project: SurveyProject, site_url: str | None = None) -> bytes:
    """Send a reminder round and render it, in the caller's process (scripts)."""
    send_reminders(actor=actor, project=project)
    sample = Sample.objects.get(project=project)
    return reminders_pdf(project, reminder_rounds(sample), site_url=site_url)


def mark_undeliverable(*, actor: Actor, project: SurveyProject, number: int) -> SampleMember:
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
