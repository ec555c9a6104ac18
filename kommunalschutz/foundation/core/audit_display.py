"""The audit trail as a person reads it: German sentences, German field labels, local time with its zone.

Stored rows are never rewritten (the trail is append-only and hash-chained, docs/foundation/audit.md), so
everything here happens at display time, for rows written yesterday and years ago alike: the event's kind
(action and object type) gives a sentence ("Fall geändert"), its English summary is matched against the
templates in core.audit_summaries and shown in German, field names become the model fields' German
verbose names and stored values their German labels. Core imports no app: models are looked up by their
label through the app registry.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import override, pgettext, pgettext_lazy

from kommunalschutz.foundation.core.audit import SECRET_MARKER, is_confidential_type
from kommunalschutz.foundation.core.audit_summaries import CONTEXT, SUMMARIES
from kommunalschutz.foundation.core.models import AuditEvent
from kommunalschutz.foundation.core.tasks import operation_label

# German abbreviations of the zones a German reader knows; any other zone keeps its own abbreviation.
ZONE_NAMES = {"CET": "MEZ", "CEST": "MESZ"}

# The sentence per kind of event: what happened to an object of which type.
SENTENCES: dict[str, Promise] = {
    AuditEvent.Action.CREATE: pgettext_lazy(CONTEXT, "%(type)s created"),
    AuditEvent.Action.UPDATE: pgettext_lazy(CONTEXT, "%(type)s changed"),
    AuditEvent.Action.DELETE: pgettext_lazy(CONTEXT, "%(type)s deleted"),
    AuditEvent.Action.IMPORT: pgettext_lazy(CONTEXT, "%(type)s imported"),
    AuditEvent.Action.LOGIN: pgettext_lazy(CONTEXT, "Signed in"),
    AuditEvent.Action.LOGIN_FAILED: pgettext_lazy(CONTEXT, "Sign-in failed"),
    AuditEvent.Action.LOGOUT: pgettext_lazy(CONTEXT, "Signed out"),
    AuditEvent.Action.OTHER: pgettext_lazy(CONTEXT, "Operation on %(type)s"),
}
UNKNOWN_ACTION = pgettext_lazy(CONTEXT, "%(action)s: %(type)s")

# Object types that are no model: what the services record under them.
PSEUDO_TYPES: dict[str, Promise] = {
    "registry.import": pgettext_lazy(CONTEXT, "municipality register"),
    "core.encryption": pgettext_lazy(CONTEXT, "encryption"),
    "evidence.evidencefile": pgettext_lazy(CONTEXT, "evidence files"),
}
# Fields recorded that are no model field (or of a pseudo type).
PSEUDO_FIELDS: dict[str, Promise] = {
    "reference_date": pgettext_lazy(CONTEXT, "reference date"),
    "municipalities": pgettext_lazy(CONTEXT, "municipalities"),
    "districts": pgettext_lazy(CONTEXT, "districts"),
    "population": pgettext_lazy(CONTEXT, "inhabitants"),
    "attendance": pgettext_lazy(CONTEXT, "attendance"),
    "respondents": pgettext_lazy(CONTEXT, "respondents"),
}
SECRET_TEXT = pgettext_lazy(CONTEXT, "[secret]")
YES, NO = pgettext_lazy(CONTEXT, "yes"), pgettext_lazy(CONTEXT, "no")
EMPTY = "–"  # noqa: RUF001 - the German typographic dash for "no value"

# Parameters that may hold anything (also "; "): a nested summary, a list of values. "detail" must itself
# be a known summary, or the template does not match (it would match any text with a colon in it).
_LAX = frozenset({"detail", "problem", "decided", "counts"})
_MUST_TRANSLATE = frozenset({"detail"})
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_DECIMAL = re.compile(r"-?\d+\.\d+")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


# --- time -----------------------------------------------------------------------------------------------

def local_time(value: dt.datetime | None, *, seconds: bool = False) -> str:
    """A moment in the platform's time zone with the zone named: "05.12.2026, 04:12 MEZ"."""
    if value is None:
        return EMPTY
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    local = timezone.localtime(value)
    zone = local.tzname() or ""
    text = local.strftime("%d.%m.%Y, %H:%M:%S" if seconds else "%d.%m.%Y, %H:%M")
    return f"{text} {ZONE_NAMES.get(zone, zone)}".rstrip()


# --- summaries ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Template:
    regex: re.Pattern[str]
    german: Promise
    literal: int


def compile_template(text: str) -> tuple[re.Pattern[str], int]:
    """A summary template as a regular expression, and how many of its characters are literal."""
    pattern, literal, end = [], 0, 0
    for match in _PLACEHOLDER.finditer(text):
        pattern.append(re.escape(text[end:match.start()]))
        literal += match.start() - end
        name = match.group(1)
        pattern.append(f"(?P<{name}>.+?)" if name in _LAX else f"(?P<{name}>(?:(?!; ).)+?)")
        end = match.end()
    pattern.append(re.escape(text[end:]))
    literal += len(text) - end
    return re.compile("".join(pattern), re.DOTALL), literal


@functools.cache
def _templates() -> tuple[_Template, ...]:
    with override(None):
        english = [(str(entry), entry) for entry in SUMMARIES]
    found = []
    for text, entry in english:
        regex, literal = compile_template(text)
        found.append(_Template(regex, entry, literal))
    # The most specific first: "registry import: no longer …" before "%(source)s: %(detail)s".
    return tuple(sorted(found, key=lambda template: -template.literal))


def _model(object_type: str) -> type[models.Model] | None:
    app_label, _dot, name = object_type.partition(".")
    try:
        return apps.get_model(app_label, name)
    except (LookupError, ValueError):
        return None


def _field(model: type[models.Model] | None, name: str) -> models.Field[Any, Any] | None:
    if model is None:
        return None
    for candidate in (*model._meta.concrete_fields, *model._meta.many_to_many):
        if name in (candidate.name, candidate.attname):
            return candidate
    return None


def _choice(model: type[models.Model] | None, name: str, value: Any) -> str | None:
    found = _field(model, name)
    if found is None or not found.choices:
        return None
    for key, label in found.flatchoices:
        if str(key) == str(value):
            return str(label)
    return None


# Labels of the items of list fields: a JSON list (a case's incident types, a weighting run's variables) has
# no choices Django knows of, so each app names its items here (in AppConfig.ready), keyed by the model's
# label ("cases.case") and the field's name.
ITEM_LABELS: dict[tuple[str, str], Callable[[Any], str | None]] = {}


def register_item_labels(object_type: str, name: str, labels: Callable[[Any], str | None]) -> None:
    """Name the items of the list field ``name`` of ``object_type`` on the audit trail: ``labels(item)``
    gives the German label of a stored item, or None to show it as stored."""
    ITEM_LABELS[object_type, name] = labels


def choice_labels(choices: type[models.Choices]) -> Callable[[Any], str | None]:
    """An item labeller from a Choices class: the label of a stored value, None for an unknown one."""
    def label(item: Any) -> str | None:
        for key, text in choices.choices:
            if str(key) == str(item):
                return str(text)
        return None

    return label


def _item_label(model: type[models.Model] | None, name: str, item: Any) -> str | None:
    labels = ITEM_LABELS.get((model._meta.label_lower, name)) if model is not None else None
    return labels(item) if labels is not None else None


def _number(text: str) -> str:
    return text.replace(".", ",") if _DECIMAL.fullmatch(text) else text


def _parameter(name: str, value: str, model: type[models.Model] | None) -> str | None:
    label = _choice(model, name, value)
    if label is not None:
        return label
    if name == "kind" and (operation := operation_label(value)) is not None:  # "queued findings.results"
        return operation
    if _ISO_DATE.fullmatch(value) and (day := parse_date(value)) is not None:
        return f"{day:%d.%m.%Y}"
    nested = translate_summary(value, model)
    if nested is not None:
        return nested
    return None if name in _MUST_TRANSLATE else _number(value)


def _match(text: str, model: type[models.Model] | None) -> str | None:
    for template in _templates():
        match = template.regex.fullmatch(text)
        if match is None:
            continue
        values: dict[str, str] = {}
        for name, value in match.groupdict().items():
            shown = _parameter(name, value, model)
            if shown is None:
                break
            values[name] = shown
        else:
            return str(template.german) % values
    return None


def translate_summary(text: str, model: type[models.Model] | None = None) -> str | None:
    """The German of a stored summary, or None when it is none of the known ones.

    ``model`` (the event's model) turns parameters named like its fields into their German choice labels.
    A summary of several parts joined by "; " is translated part by part.
    """
    text = text.strip()
    if not text:
        return ""
    found = _match(text, model)
    if found is not None:
        return found
    parts = text.split("; ")
    if len(parts) > 1:
        shown = [_match(part, model) for part in parts]
        if all(part is not None for part in shown):
            return "; ".join(part for part in shown if part is not None)
    return None


# --- types, fields and values ---------------------------------------------------------------------------

def _german(label: Any) -> str:
    """A model's or field's label in German: its app's translation, else the audit trail's own for the labels
    apps left in English (fields without a verbose_name, third-party models), else the label as it is."""
    text = str(label)
    return str(capfirst(pgettext(CONTEXT, text)))


def type_label(object_type: str) -> str:
    """An object type as a German noun: "registry.municipality" → "Gemeinde"."""
    model = _model(object_type)
    if model is not None:
        return _german(model._meta.verbose_name)
    pseudo = PSEUDO_TYPES.get(object_type)
    return str(capfirst(str(pseudo))) if pseudo is not None else object_type


def field_label(model: type[models.Model] | None, name: str) -> str:
    found = _field(model, name)
    if found is not None:
        related = found.related_model if found.is_relation else None
        if related is not None and related != "self" and str(found.verbose_name) == found.name.replace("_", " "):
            # A relation without a label of its own is named by the model it points to ("case" → "Fall").
            return _german(related._meta.verbose_name)
        return _german(found.verbose_name)
    reverse = _reverse_relation(model, name)
    if reverse is not None:  # rows of another model recorded with this one ("signatories")
        return _german(reverse._meta.verbose_name_plural)
    pseudo = PSEUDO_FIELDS.get(name)
    if pseudo is not None:
        return str(capfirst(str(pseudo)))
    return str(capfirst(name.removesuffix("_id").replace("_", " ")))


def _reverse_relation(model: type[models.Model] | None, name: str) -> type[models.Model] | None:
    if model is None:
        return None
    for relation in model._meta.related_objects:
        if relation.get_accessor_name() == name and isinstance(relation.related_model, type):
            return relation.related_model
    return None


def has_label(object_type: str, name: str) -> bool:
    """Whether a recorded field has a label of its own (not its name made readable)."""
    model = _model(object_type)
    return _field(model, name) is not None or _reverse_relation(model, name) is not None or name in PSEUDO_FIELDS


def value_text(model: type[models.Model] | None, name: str, value: Any) -> str:
    """A recorded value as a German reader expects it; secrets stay masked."""
    if value is None or value == "":
        return EMPTY
    if value == SECRET_MARKER:
        return str(SECRET_TEXT)
    if isinstance(value, bool):
        return str(YES if value else NO)
    if isinstance(value, dict):
        return ", ".join(f"{key}: {value_text(None, key, item)}" for key, item in value.items()) or EMPTY
    if isinstance(value, list):
        return ", ".join(_item_label(model, name, item) or value_text(None, name, item) for item in value) or EMPTY
    label = _choice(model, name, value)
    if label is not None:
        return label
    if isinstance(value, str):
        if _ISO_DATETIME.match(value) and (moment := parse_datetime(value)) is not None:
            return local_time(moment)
        if _ISO_DATE.fullmatch(value) and (day := parse_date(value)) is not None:
            return f"{day:%d.%m.%Y}"
        return _number(value)
    if isinstance(value, float):
        return f"{value}".replace(".", ",")
    return str(value)


# --- referenced objects -----------------------------------------------------------------------------------
# A foreign key is stored as the id it had ("municipality_id": 17). The page names the object it points to
# as it is called now, looked up once per model for a whole page (or a batch of the export), never per row;
# an id whose object is gone reads "Nr. 17 (gelöscht)". Need-to-know (docs/decisions/0019): nothing is named
# that the trail did not already let its reader see, and nothing encrypted is ever read.

NUMBER = pgettext_lazy(CONTEXT, "no. %(number)s")
DELETED = pgettext_lazy(CONTEXT, "no. %(number)s (deleted)")

# Objects of the confidential apps named by what their str() gives: the case by its reference, which is all
# Case.__str__ returns (it is the object name of every case event already). Every other confidential object
# (a threat assessment's str() names its case, a measure its title) is shown by its number.
NAMED_CONFIDENTIAL_TYPES = frozenset({"cases.case"})
# Objects shown by their number wherever they are referenced: a sample member is a person drawn from the
# population register (name and address encrypted); its number is all the trail ever held of it.
NUMBER_ONLY_TYPES = frozenset({"sampling.samplemember"})
# What a model's str() reads from rows it points to: loaded in the same query (one query per model).
NAME_RELATED: dict[str, tuple[str, ...]] = {
    "engagements.coach": ("user",),
    "engagements.coachingprocess": ("engagement",),
    "engagements.consultation": ("engagement",),
    "engagements.securityanalysis": ("engagement",),
    "findings.weightingrun": ("project",),
    "sampling.sample": ("project",),
}
PEOPLE = "accounts.user"


def _related_model(model: type[models.Model] | None, name: str) -> type[models.Model] | None:
    """The model a recorded field points to, if it is a foreign key, one-to-one or many-to-many field."""
    found = _field(model, name)
    if found is None or not found.is_relation:
        return None
    related = found.related_model
    return related if isinstance(related, type) else None


def may_name(event_type: str, target: type[models.Model]) -> bool:
    """Whether an object of ``target`` referenced in an event of ``event_type`` may be shown by its name.

    Confidential events are read by auditors only; an object of a confidential app is named only there, and
    only the case (by its reference). Inside casework a person is not named: which official a case is about
    (affected_user, reported_by), who received its alarms or wrote in it stays as hidden as it was when the
    trail showed ids only; the people who acted are the events' actors, as before.
    """
    label = target._meta.label_lower
    confidential_event = is_confidential_type(event_type)
    if label in NUMBER_ONLY_TYPES:
        return False
    if is_confidential_type(label):
        return confidential_event and label in NAMED_CONFIDENTIAL_TYPES
    return not (confidential_event and label == PEOPLE)


def _key(target: type[models.Model], value: Any) -> str | None:
    """The recorded value as the target's primary key (as text), or None for a value that is no id."""
    if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
        return None
    try:
        return str(target._meta.pk.to_python(value))
    except (ValidationError, ValueError, TypeError):
        return None


def _ids(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


class References:
    """The names of the objects a set of events refers to, looked up with one query per model."""

    def __init__(self, events: Iterable[AuditEvent]) -> None:
        wanted: dict[type[models.Model], set[str]] = {}
        for event in events:
            model = _model(event.object_type)
            changes = event.changes if isinstance(event.changes, Mapping) else {}
            for name, change in changes.items():
                target = _related_model(model, name)
                if target is None or not may_name(event.object_type, target) or not isinstance(change, Mapping):
                    continue
                for value in (change.get("old"), change.get("new")):
                    for item in _ids(value):
                        key = _key(target, item)
                        if key is not None:
                            wanted.setdefault(target, set()).add(key)
        self.names: dict[tuple[type[models.Model], str], str] = {}
        self.looked_up: set[type[models.Model]] = set()
        for target, keys in wanted.items():
            related = NAME_RELATED.get(target._meta.label_lower, ())
            found = target._base_manager.select_related(*related).in_bulk(sorted(keys))
            self.names.update({(target, str(pk)): str(obj) for pk, obj in found.items()})
            self.looked_up.add(target)

    def text(self, event_type: str, target: type[models.Model], value: Any) -> str | None:
        """An id as the reader sees it: the object's name, "Nr. 17" or "Nr. 17 (gelöscht)"; None for no id."""
        key = _key(target, value)
        if key is None:
            return None
        if not may_name(event_type, target) or target not in self.looked_up:
            return str(NUMBER) % {"number": key}
        name = self.names.get((target, key))
        return name if name is not None else str(DELETED) % {"number": key}


def _reference_text(event_type: str, target: type[models.Model], value: Any, references: References) -> str | None:
    if value is None or value == "" or value == []:
        return EMPTY
    if value == SECRET_MARKER:
        return str(SECRET_TEXT)
    shown = [references.text(event_type, target, item) for item in _ids(value)]
    if any(text is None for text in shown):
        return None  # not an id (a service recorded a name): shown as stored
    return ", ".join(text for text in shown if text is not None)


def _row_text(related: type[models.Model], item: Any) -> Any:
    """A row of a reverse relation recorded as text ("municipality: Anna Schmidt (Oberbürgermeisterin)"): its
    leading choice value ("municipality", the signatory's party) in German."""
    if not isinstance(item, str):
        return item
    key, separator, rest = item.partition(": ")
    if not separator:
        return item
    for candidate in related._meta.concrete_fields:
        label = _choice(related, candidate.name, key) if candidate.choices else None
        if label is not None:
            return f"{label}: {rest}"
    return item


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str
    # The language of the values where it is not German: the English version of a text (a field named *_en,
    # e.g. a questionnaire's English introduction) is marked lang="en" on the page.
    lang: str = ""

    def __str__(self) -> str:
        return f"{self.label}: {self.old} → {self.new}"


@dataclass
class ShownEvent:
    """One audit event as the audit pages and the export show it."""

    event: AuditEvent
    when: str
    action: str
    type_label: str
    headline: str
    summary: str
    summary_translated: bool
    changes: list[Change] = field(default_factory=list)

    @property
    def sentence(self) -> str:
        """The whole event in one German sentence: "Fall geändert: Fall angenommen."."""
        text = f"{self.headline}: {self.summary}" if self.summary else self.headline
        return text if text.endswith((".", "!", "?")) else f"{text}."

    @property
    def changes_text(self) -> str:
        return "; ".join(str(change) for change in self.changes)


def _change(event: AuditEvent, model: type[models.Model] | None, name: str, change: Any,
            references: References) -> Change:
    change = change if isinstance(change, Mapping) else {}
    old, new = change.get("old"), change.get("new")
    label = field_label(model, name)
    target = _related_model(model, name)
    if target is not None:
        shown_old = _reference_text(event.object_type, target, old, references)
        shown_new = _reference_text(event.object_type, target, new, references)
        if shown_old is not None and shown_new is not None:
            return Change(label, shown_old, shown_new)
    related = _reverse_relation(model, name)
    if related is not None and isinstance(old, list | type(None)) and isinstance(new, list | type(None)):
        old = [_row_text(related, item) for item in old] if old is not None else None
        new = [_row_text(related, item) for item in new] if new is not None else None
    return Change(label, value_text(model, name, old), value_text(model, name, new),
                  "en" if name.endswith("_en") else "")


def show(event: AuditEvent, references: References | None = None) -> ShownEvent:
    """One event for the page; ``references`` (of the whole page, :class:`References`) names the objects its
    changes point to; without it they are looked up for this event alone."""
    if references is None:
        references = References([event])
    model = _model(event.object_type)
    kind = type_label(event.object_type) if event.object_type else ""
    sentence = SENTENCES.get(event.action)
    headline = (str(sentence) % {"type": kind} if "%(type)s" in str(sentence) else str(sentence)) \
        if sentence is not None else str(UNKNOWN_ACTION) % {"action": event.action, "type": kind}
    translated = translate_summary(event.summary, model)
    changes = event.changes if isinstance(event.changes, Mapping) else {}
    return ShownEvent(
        event=event, when=local_time(event.occurred_at, seconds=True),
        action=str(event.get_action_display()), type_label=kind, headline=str(capfirst(headline.strip(": "))),
        summary=translated if translated is not None else event.summary, summary_translated=translated is not None,
        changes=[_change(event, model, name, change, references) for name, change in changes.items()],
    )


def show_all(events: Iterable[AuditEvent]) -> list[ShownEvent]:
    """A page of events, the objects they refer to looked up with one query per model."""
    events = list(events)
    references = References(events)
    return [show(event, references) for event in events]


def type_choices(object_types: Iterable[str]) -> list[tuple[str, str]]:
    """Object types for a filter, by their German names in German order (ä after a, not after z)."""
    return sorted(((value, type_label(value)) for value in set(object_types) if value),
                  key=lambda pair: (_german_key(pair[1]), pair[0]))


def _german_key(text: str) -> str:
    """DIN 5007-1 order: umlauts sort like their base letter, ß like ss."""
    return text.casefold().translate(_GERMAN_ORDER)


_GERMAN_ORDER = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})


# --- export ---------------------------------------------------------------------------------------------

def export_header() -> list[str]:
    return [pgettext(CONTEXT, name) for name in EXPORT_COLUMNS]


EXPORT_COLUMNS = (
    "No.", "Time", "Person", "Action", "Object type", "Object no.", "Object", "Event", "Changes",
    "Object type (stored)", "Summary (stored)", "Changes (stored, JSON)",
)


# Rows per look-up of the objects they refer to: a few queries per batch, memory stays flat.
EXPORT_BATCH = 2000


def export_rows(events: Iterable[AuditEvent], batch: int = EXPORT_BATCH) -> Iterator[list[Any]]:
    """The export's rows, the referenced objects named with one query per model and batch of rows."""
    iterator = iter(events)
    while chunk := list(itertools.islice(iterator, batch)):
        references = References(chunk)
        for event in chunk:
            yield export_row(event, references)


def export_row(event: AuditEvent, references: References | None = None) -> list[Any]:
    shown = show(event, references)
    return [
        event.pk, shown.when, event.actor_label, shown.action, shown.type_label, event.object_id, event.object_repr,
        shown.sentence, shown.changes_text, event.object_type, event.summary,
        json.dumps(event.changes, ensure_ascii=False, sort_keys=True),
    ]
