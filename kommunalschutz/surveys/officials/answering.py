"""Writing an answer sheet: by the code of a sealed envelope, or by a municipality's open link.

The answer is stored without the code, the frame entry, the municipality or a time (models.Response).
The one audit event per answer names the wave and the channel only, so the trail cannot join an answer
to a person either. The code is checked off (``FrameEntry.used``) in the same transaction, under a row
lock, so one code gives exactly one answer even when the same letter is answered twice at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kommunalschutz.alliance.programme.selectors import current_programme
from kommunalschutz.foundation.core import audit
from kommunalschutz.foundation.core.errors import raise_if_errors
from kommunalschutz.surveys.officials import codes, item_bank
from kommunalschutz.surveys.officials.models import FrameEntry, OpenLink, Response, ResponseText, Wave, size_class_of
from kommunalschutz.surveys.projects.models import Item
from kommunalschutz.surveys.responses.validation import prune_hidden, validate_answers


def generic_refusal() -> str:
    """One message for every refused code or link: it tells nobody whether a code exists."""
    return _("This access code cannot be used: it is unknown, the survey is not running at the moment, "
             "or this access code has already been used to answer.")


def questionnaire_of(wave: Wave) -> list[Item]:
    return item_bank.questionnaire(start=wave.reference_start, end=wave.reference_end,
                                   alliance=alliance_name())


def alliance_name() -> str:
    """The alliance as the questions name it (the installation's programme: "Allianz Sichere Sächsische
    Kommunen"); a generic word before the programme is loaded."""
    programme = current_programme()
    return programme.name if programme is not None else _("alliance")


def checked_answers(wave: Wave, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers validated against the wave's questionnaire (ValidationError in German otherwise),
    with the follow-ups of someone not affected and the questions the filters skip removed."""
    items = questionnaire_of(wave)
    if not isinstance(answers, Mapping):
        raise ValidationError(_("The answers are not in the expected form."))
    unknown = sorted(str(code) for code in answers if code not in {item.code for item in items})
    if unknown:
        raise ValidationError({"__all__": [_("Unknown questions: %(codes)s.") % {"codes": ", ".join(unknown[:10])}]})
    cleaned = prune_hidden(items, item_bank.clean({k: v for k, v in answers.items() if v not in (None, "", [])}))
    errors = validate_answers(None, cleaned, partial=False, items=items)  # type: ignore[arg-type]
    experienced, reported = cleaned.get("exp_count"), cleaned.get("reported_count")
    if isinstance(experienced, int) and isinstance(reported, int) and reported > experienced and not errors:
        errors["reported_count"] = [_("More incidents cannot have been reported than were experienced "
                                      "(question %(number)s).") % {"number": _number(items, "exp_count")}]
    raise_if_errors(errors)
    return cleaned


def _number(items: list[Item], code: str) -> str:
    from kommunalschutz.surveys.projects.logic import question_numbers

    return question_numbers(items).get(code, "?")


def _store(wave: Wave, *, channel: str, role: str, district_id: int, size_class: str,
           answers: dict[str, Any]) -> Response:
    texts = {code: answers.pop(code) for code in [c for c, v in answers.items() if isinstance(v, str)]}
    given = answers.get("gender")
    gender = item_bank.GENDER_CODES.get(given, "x") if isinstance(given, int) else "x"
    response = Response.objects.create(wave=wave, channel=channel, role=role, district_id=district_id,
                                       size_class=size_class, gender=gender, answers=answers,
                                       is_synthetic=wave.is_synthetic)
    ResponseText.objects.bulk_create([ResponseText(wave=wave, item=code, text=text)
                                      for code, text in texts.items() if text.strip()])
    audit.record(actor=None, action="create", obj=wave, object_type="officials.response",
                 summary=f"an answer sheet was received ({channel})")
    return response


def _open(wave: Wave) -> bool:
    return wave.status == Wave.Status.FIELD


def entry_for_code(code: str) -> FrameEntry | None:
    """The unused frame entry of a code in a wave in the field, or None (for the start page's check)."""
    normal = codes.normalise(code or "")
    if normal is None:
        return None
    entry = (FrameEntry.objects.select_related("wave")
             .filter(code_digest=codes.digest(normal), used=False).first())
    return entry if entry is not None and _open(entry.wave) else None


def submit_with_code(*, code: str, answers: Mapping[str, Any]) -> Response:
    normal = codes.normalise(code or "")
    if normal is None:
        raise ValidationError(generic_refusal())
    with transaction.atomic():
        entry = (FrameEntry.objects.select_for_update().select_related("wave")
                 .filter(code_digest=codes.digest(normal)).first())
        if entry is None or entry.used or not _open(entry.wave):
            raise ValidationError(generic_refusal())
        cleaned = checked_answers(entry.wave, answers)
        response = _store(entry.wave, channel=Response.Channel.LETTER, role=entry.role,
                          district_id=entry.district_id, size_class=entry.size_class, answers=cleaned)
        FrameEntry.objects.filter(pk=entry.pk).update(used=True)
        return response


def link_for_token(token: str) -> OpenLink | None:
    if not token or len(token) > 100:
        return None
    link = (OpenLink.objects.select_related("wave", "municipality")
            .filter(token_digest=codes.link_digest(token), revoked_at__isnull=True).first())
    return link if link is not None and _open(link.wave) else None


def submit_with_link(*, token: str, answers: Mapping[str, Any]) -> Response:
    with transaction.atomic():
        link = link_for_token(token)
        if link is None:
            raise ValidationError(_("This link cannot be used: it is unknown, revoked, or the survey is not "
                                    "running at the moment."))
        link = OpenLink.objects.select_for_update().select_related("wave", "municipality").get(pk=link.pk)
        if link.responses >= link.addressed:
            raise ValidationError(_("As many answers have arrived through this link as persons were invited. "
                                    "Please ask your municipality for a personal access code."))
        cleaned = checked_answers(link.wave, answers)
        municipality = link.municipality
        response = _store(link.wave, channel=Response.Channel.OPEN_LINK, role=link.role,
                          district_id=municipality.district_id, size_class=size_class_of(municipality.population),
                          answers=cleaned)
        OpenLink.objects.filter(pk=link.pk).update(responses=link.responses + 1)
        return response
