"""Reading and checking a bulk import of online content (issue 17 item 1): no database, no writes.

Three sources become the same list of comments: a CSV file (read by core.csvfiles as the register import
reads its files: encoding, separator, rows), a JSON export of a comment thread, and a pasted list. A file
is first read for the column dialog (read_table: header, guessed assignment, preview), then checked with the
assignment the person confirmed (check); a pasted list is checked at once (check_paste). Every row goes
through the same checks of its fields (_Checker). The import is all or nothing: an Outcome with any problem
is not imported, and its report says what to fix.

Texts are kept verbatim apart from Unicode NFC, line breaks as LF and control characters removed: HTML or a
script in a comment is evidence (the pages escape it). Each comment's record digest (record_sha256, over a
canonical JSON record of platform, URL, author, posting time and text) recognises duplicates in the file
and comments already in the case.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kommunalschutz.foundation.core.csvfiles import MAX_LISTED, Detected, FormatError, detect, fold, text_rows
from kommunalschutz.foundation.core.numbers import german_number

__all__ = [
    "MAX_LISTED",
    "TARGETS",
    "Comment",
    "FormatError",
    "Outcome",
    "Report",
    "Table",
    "canonical_record",
    "check",
    "check_paste",
    "clean_text",
    "guess_mapping",
    "max_bytes",
    "max_items",
    "parse_posted_at",
    "problem_kind_labels",
    "read_table",
    "record_sha256",
    "target_labels",
    "validate_mapping",
]

# Target fields of the column dialog, in its order: (name, required).
TARGETS: tuple[tuple[str, bool], ...] = (
    ("text", True),
    ("posted_at", True),
    ("author", False),
    ("url", False),  # required per comment, but the form may give the thread's URL for all of them
    ("platform", False),  # likewise: the form's platform is the default
    ("profile_url", False),
    ("reply_to", False),
)
REQUIRED = tuple(name for name, required in TARGETS if required)

TEXT_LIMIT = 20_000  # characters of a comment's text and of reply_to (as the evidence form)
AUTHOR_LIMIT = 300
PLATFORM_LIMIT = 100
URL_LIMIT = 2000
PREVIEW_ROWS = 5
PREVIEW_CHARACTERS = 300  # of each cell in the dialog's preview
MAX_JSON_FIELDS = 500  # distinct (flattened) keys of the records of a JSON file
MAX_JSON_DEPTH = 16  # nested objects flattened to this depth; deeper values are kept as JSON text
CLOCK_DIFFERENCE = dt.timedelta(minutes=1)  # as the evidence form: a device's clock may run ahead a little
EARLIEST = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)


def max_items() -> int:
    """Comments one import may hold (setting ONLINEHATE_IMPORT_MAX_ITEMS)."""
    return int(getattr(settings, "ONLINEHATE_IMPORT_MAX_ITEMS", 10_000))


def max_bytes() -> int:
    """Size of an imported file or pasted list (setting ONLINEHATE_IMPORT_MAX_BYTES)."""
    return int(getattr(settings, "ONLINEHATE_IMPORT_MAX_BYTES", 20 * 1024 * 1024))


def target_labels() -> dict[str, str]:
    return {
        "text": _("Text of the comment"),
        "posted_at": _("Posting time (date and time)"),
        "author": _("Author (name or handle)"),
        "url": _("Address (URL) of the comment"),
        "platform": _("Platform"),
        "profile_url": _("Address (URL) of the author's profile"),
        "reply_to": _("Reply to (text or id of the comment answered)"),
    }


def problem_kind_labels() -> dict[str, str]:
    """The report's kinds of problem (Report.by_kind's keys) as a person reads them."""
    return {
        "encoding": pgettext("import problem", "Characters that cannot be read"),
        "format": pgettext("import problem", "File format"),
        "too_large": pgettext("import problem", "File too large"),
        "too_many": pgettext("import problem", "Too many comments"),
        "mapping": pgettext("import problem", "Column assignment"),
        "empty": pgettext("import problem", "No comments"),
        "columns": pgettext("import problem", "Wrong number of columns"),
        "record": pgettext("import problem", "Records that are not objects"),
        "text": pgettext("import problem", "Text"),
        "posted_at": pgettext("import problem", "Posting time"),
        "author": pgettext("import problem", "Author"),
        "url": pgettext("import problem", "Address (URL)"),
        "platform": pgettext("import problem", "Platform"),
        "profile_url": pgettext("import problem", "Profile address"),
        "reply_to": pgettext("import problem", "Reply to"),
    }


# --- guessing the columns -------------------------------------------------------------------------

# Column names as exports write them, folded (core.csvfiles.fold: lower case, umlauts folded, only a-z0-9;
# "from.name" -> "fromname"), the more specific first. These are DATA: the names that German tools and the
# platforms' exports (Facebook Graph, YouTube Data API, X/Twitter, Instagram) actually write, matched as
# they are; they do not go through gettext.
GUESSES: dict[str, tuple[str, ...]] = {
    "text": ("fulltext", "textoriginal", "kommentar", "kommentartext", "message", "comment", "commenttext",
             "text", "textdisplay", "body", "content", "inhalt", "nachricht", "beitrag"),
    "posted_at": ("createdtime", "publishedat", "createdat", "postedat", "timestamp", "zeitpunkt",
                  "veroeffentlicht", "veroeffentlichtam", "erstellt", "erstelltam", "datumuhrzeit", "datetime",
                  "datum", "date", "time", "uhrzeit", "zeit"),
    "author": ("fromname", "authordisplayname", "userscreenname", "screenname", "username", "autor", "autorin",
               "verfasser", "verfasserin", "nutzername", "benutzername", "nutzer", "benutzer", "author",
               "authorname", "user", "handle", "account", "konto", "name"),
    "url": ("permalinkurl", "permalink", "commenturl", "kommentarlink", "kommentarurl", "link", "url", "href"),
    "platform": ("plattform", "platform", "netzwerk", "network"),
    "profile_url": ("authorchannelurl", "profileurl", "profilurl", "profillink", "profilelink", "profil",
                    "profile", "userurl", "authorurl", "fromlink"),
    "reply_to": ("antwortauf", "replyto", "inreplyto", "inreplytostatusidstr", "inreplytostatusid", "parentid",
                 "parent"),
}


def guess_mapping(header: list[str]) -> dict[str, int]:
    """Target field -> column index from common export column names (each column used once).

    A name matches the whole column name or, for flattened JSON keys, its last part
    ("snippet.topLevelComment.snippet.textOriginal" is a text column)."""
    whole = [fold(name) for name in header]
    last = [fold(name.rsplit(".", 1)[-1]) for name in header]
    mapping: dict[str, int] = {}
    used: set[int] = set()
    for target, names in GUESSES.items():
        found = next((index for name in names for folded in (whole, last)
                      for index, value in enumerate(folded) if value == name and index not in used), None)
        if found is not None:
            mapping[target] = found
            used.add(found)
    return mapping


def validate_mapping(mapping: dict[str, int], width: int, *, require_url: bool = False) -> dict[str, str]:
    """Problems of a column assignment: target -> message (empty if fine).

    ``require_url``: the form gives no URL of the thread, so the comments' own URL column is needed."""
    problems: dict[str, str] = {}
    labels = target_labels()
    known = {name for name, _required in TARGETS}
    for target in mapping:
        if target not in known:
            problems[target] = _("Unknown field.")
    for target in (*REQUIRED, "url") if require_url else REQUIRED:
        if target not in mapping:
            problems[target] = _("Please assign a column to “%(field)s”.") % {"field": labels[target]}
    seen: dict[int, str] = {}
    for target, index in mapping.items():
        if target not in known:
            continue
        if not 0 <= index < width:
            problems[target] = _("The file has no such column.")
        elif index in seen:
            problems[target] = _("This column is already assigned to “%(field)s”.") % {
                "field": labels.get(seen[index], seen[index])}
        else:
            seen[index] = target
    return problems


# --- the result -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Comment:
    """One comment to become an online-content evidence item."""

    line: int  # where it is: the file's line (CSV, pasted list) or the record's number (JSON)
    text: str
    posted_at: dt.datetime  # aware
    author: str
    url: str
    platform: str
    profile_url: str
    reply_to: str  # the text or id of the comment it answers: stored as context
    digest: str  # record_sha256() of this comment


Problem = tuple[int, str, str]  # (line or record, kind, message)


@dataclass
class Report:
    """What a check found: the problems (the first MAX_LISTED listed, all counted) and the counts."""

    position: str = "line"  # what Problem's number counts: "line" (CSV, pasted list) or "record" (JSON)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    rows_read: int = 0
    duplicates_in_file: int = 0
    duplicates: list[tuple[int, int]] = field(default_factory=list)  # (line, line of the first occurrence)
    already_in_case: int = 0
    already: list[int] = field(default_factory=list)  # lines of comments already in the case

    def add(self, line: int, kind: str, message: str) -> None:
        self.problem_count += 1
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1
        if len(self.problems) < MAX_LISTED:
            self.problems.append((line, kind, message))

    def count(self, kind: str, number: int) -> None:
        """Count problems that are not listed one by one."""
        if number > 0:
            self.problem_count += number
            self.by_kind[kind] = self.by_kind.get(kind, 0) + number

    def as_json(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "problems": [{"line": line, "kind": kind, "message": message} for line, kind, message in self.problems],
            "problem_count": self.problem_count,
            "listed": len(self.problems),
            "by_kind": self.by_kind,
            "rows_read": self.rows_read,
            "duplicates_in_file": self.duplicates_in_file,
            "duplicates": [list(pair) for pair in self.duplicates],
            "already_in_case": self.already_in_case,
            "already": self.already,
        }


@dataclass
class Outcome:
    """The comments to import and the report. All or nothing: with any problem, ``comments`` is empty."""

    comments: list[Comment]
    report: Report

    @property
    def ok(self) -> bool:
        return self.report.problem_count == 0


@dataclass
class Table:
    """A file read for the column dialog."""

    kind: str  # "csv" or "json"
    header: list[str]  # CSV: the first line; JSON: the records' (flattened) keys in first-seen order
    mapping: dict[str, int]  # guessed
    preview: list[list[str]]  # the first PREVIEW_ROWS rows, cells shortened to PREVIEW_CHARACTERS
    rows: int  # records in the file
    encoding: str = "utf-8"
    delimiter: str = ""  # CSV only
    encoding_problems: int = 0  # CSV: lines in another encoding (check() lists them)


# --- the record digest -------------------------------------------------------------------------------


class Recorded(Protocol):
    """What the record digest is made of (a Comment, or anything with these attributes)."""

    @property
    def platform(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def author(self) -> str: ...
    @property
    def posted_at(self) -> dt.datetime: ...
    @property
    def text(self) -> str: ...


def _utc_iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def canonical_record(comment: Recorded) -> bytes:
    """The comment's record as canonical UTF-8 JSON: keys sorted, no spaces, the posting time in UTC
    (``{"author":"…","platform":"…","posted_at":"2026-12-05T13:30:00Z","text":"…","url":"…"}``)."""
    record = {"platform": comment.platform, "url": comment.url, "author": comment.author,
              "posted_at": _utc_iso(comment.posted_at), "text": comment.text}
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def record_sha256(comment: Recorded) -> str:
    """SHA-256 (hex) of canonical_record(comment): the same comment gives the same digest in every import."""
    return hashlib.sha256(canonical_record(comment)).hexdigest()


# --- values ------------------------------------------------------------------------------------------

# Control characters (Unicode category Cc) but tab and line feed; CR is turned into LF before.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(value: str) -> str:
    """NFC, line breaks as LF, control characters but tab and line feed removed, outer whitespace stripped.
    Nothing else changes: markup stays as written."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", _CONTROL.sub("", value)).strip()


_URL = URLValidator(schemes=["http", "https"])  # the evidence form's rule (evidence.services)


def url_problem(value: str) -> str | None:
    if len(value) > URL_LIMIT:
        return _("The address is longer than %(limit)s characters.") % {"limit": german_number(URL_LIMIT)}
    try:
        _URL(value)
    except ValidationError:
        return _("“%(value)s” is no complete web address starting with http:// or https://.") % {
            "value": _shortened(value)}
    return None


def _shortened(value: str, limit: int = 60) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


_EPOCH = re.compile(r"(\d{10})(?:\.(\d{1,6}))?|(\d{13})")
_DATE_ONLY = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{4}/\d{1,2}/\d{1,2}|\d{8}"
                        r"|\d{1,2}\.\d{1,2}\.\d{4}|\d{1,2}/\d{1,2}/\d{4}")
_ISO = re.compile(r"\d{4}-?\d{2}-?\d{2}[T ]\d{2}")
_GERMAN = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4}),?\s*(?:um\s+)?(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*Uhr)?",
                     re.IGNORECASE)
# Relative times as platforms show them (German and English; DATA, not interface text).
_RELATIVE = re.compile(
    r"\b(vor|ago|gestern|vorgestern|heute|yesterday|today|gerade|soeben|jetzt|now|letzte[nrs]?|last)\b"
    r"|^\d+\s*(s|sek|sec|secs?|m|min|mins?|h|hr|hrs|std|stunden?|hours?|d|t|tage?n?|days?|w|wo|wochen?|weeks?"
    r"|mo|monate?n?|months?|y|j|jahre?n?|years?)\.?$",
    re.IGNORECASE)


def parse_posted_at(value: str, *, now: dt.datetime | None = None) -> dt.datetime | str:
    """An absolute posting time as an aware datetime, or the message why ``value`` is none.

    ISO 8601 with offset or Z; naive ISO ("2026-12-05 14:30[:00]") and German "05.12.2026[,] 14:30[:00]" in
    the site's time zone (TIME_ZONE, Europe/Berlin); Unix time in seconds (10 digits) or milliseconds (13);
    X's "Wed Oct 10 20:19:24 +0000 2018". Refused: a date without a time, relative times ("vor 2 Stunden",
    "gestern", "2h"), times in the future (beyond a minute of clock difference) and before 1990."""
    value = value.strip()
    if not value:
        return _("The posting time is missing.")
    moment = _parse_moment(value)
    if moment is None:
        shown = {"value": _shortened(value, 40)}
        if _DATE_ONLY.fullmatch(value):
            return _("“%(value)s” is a date without a time: the posting time is needed with date and time "
                     "(e.g. 05.12.2026 14:30).") % shown
        if _RELATIVE.search(value):
            return _("“%(value)s” is a relative time: an absolute posting time is needed (date and time, e.g. "
                     "05.12.2026 14:30). Please export the times as dates, not as “2 hours ago”.") % shown
        return _("“%(value)s” is no posting time that can be read (expected e.g. 05.12.2026 14:30 or "
                 "2026-12-05T14:30:00+01:00).") % shown
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    if moment > (now or timezone.now()) + CLOCK_DIFFERENCE:
        return _("The posting time %(value)s lies in the future.") % {"value": _local(moment)}
    if moment < EARLIEST:
        return _("The posting time %(value)s lies before 1990.") % {"value": _local(moment)}
    return moment


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment, timezone.get_default_timezone()).strftime("%d.%m.%Y %H:%M")


def _parse_moment(value: str) -> dt.datetime | None:
    """The datetime ``value`` names (naive if it names no offset), or None."""
    try:
        if epoch := _EPOCH.fullmatch(value):
            if epoch[3]:  # milliseconds, exactly (no float rounding)
                milliseconds = int(epoch[3])
                return (dt.datetime.fromtimestamp(milliseconds // 1000, tz=dt.UTC)
                        + dt.timedelta(milliseconds=milliseconds % 1000))
            fraction = dt.timedelta(microseconds=int((epoch[2] or "0").ljust(6, "0")))
            return dt.datetime.fromtimestamp(int(epoch[1]), tz=dt.UTC) + fraction
        if german := _GERMAN.fullmatch(value):
            day, month, year, hour, minute, second = (int(part or 0) for part in german.groups())
            return dt.datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 - local time, made aware by the caller
        if _ISO.match(value):
            return dt.datetime.fromisoformat(value)
        if value[:3].isalpha():  # X/Twitter API v1.1 (C locale names)
            return dt.datetime.strptime(value, "%a %b %d %H:%M:%S %z %Y")
    except (ValueError, OverflowError, OSError):
        return None
    return None


# --- checking the comments ------------------------------------------------------------------------------


class _Checker:
    """The checks of one import's fields, row by row: a Comment, or None with the problems in the report."""

    def __init__(self, report: Report, *, platform_default: str, url_default: str,
                 posted_at_default: dt.datetime | None = None) -> None:
        self.report = report
        self.now = timezone.now()
        self.platform_default = clean_text(platform_default)
        self.url_default = url_default.strip()
        if posted_at_default is not None and timezone.is_naive(posted_at_default):
            posted_at_default = timezone.make_aware(posted_at_default, timezone.get_default_timezone())
        self.posted_at_default = posted_at_default
        if posted_at_default is not None and posted_at_default > self.now + CLOCK_DIFFERENCE:
            report.add(0, "posted_at", _("The posting time %(value)s lies in the future.") % {
                "value": _local(posted_at_default)})
        elif posted_at_default is not None and posted_at_default < EARLIEST:
            report.add(0, "posted_at", _("The posting time %(value)s lies before 1990.") % {
                "value": _local(posted_at_default)})
        if self.url_default and url_problem(self.url_default) is not None:
            report.add(0, "url", _("The address of the thread: %(problem)s") % {
                "problem": url_problem(self.url_default)})
        if len(self.platform_default) > PLATFORM_LIMIT:
            report.add(0, "platform", _("The platform's name is longer than %(limit)s characters.") % {
                "limit": german_number(PLATFORM_LIMIT)})

    def comment(self, line: int, raw: dict[str, str]) -> Comment | None:
        add = self.report.add
        problems = self.report.problem_count
        text = clean_text(raw.get("text", ""))
        if not text:
            add(line, "text", _("The text of the comment is empty."))
        elif len(text) > TEXT_LIMIT:
            add(line, "text", _("The text is longer than %(limit)s characters.") % {
                "limit": german_number(TEXT_LIMIT)})
        posted = raw.get("posted_at", "").strip()
        posted_at: dt.datetime | str
        if posted:
            posted_at = parse_posted_at(posted, now=self.now)
        elif self.posted_at_default is not None:
            posted_at = self.posted_at_default
        else:
            posted_at = _("No posting time: the comment has none of its own, and no time was given for all.")
        if isinstance(posted_at, str):
            add(line, "posted_at", posted_at)
        author = clean_text(raw.get("author", ""))
        if len(author) > AUTHOR_LIMIT:
            add(line, "author", _("The author's name is longer than %(limit)s characters.") % {
                "limit": german_number(AUTHOR_LIMIT)})
        url = raw.get("url", "").strip()
        if url:
            if (problem := url_problem(url)) is not None:
                add(line, "url", problem)
        elif self.url_default:
            url = self.url_default
        else:
            add(line, "url", _("No address (URL): the comment has none of its own, and no address of the "
                               "thread was given."))
        platform = clean_text(raw.get("platform", "")) or self.platform_default
        if not platform:
            add(line, "platform", _("No platform: the comment names none, and no platform was given."))
        elif len(platform) > PLATFORM_LIMIT:
            add(line, "platform", _("The platform's name is longer than %(limit)s characters.") % {
                "limit": german_number(PLATFORM_LIMIT)})
        profile_url = raw.get("profile_url", "").strip()
        if profile_url and (problem := url_problem(profile_url)) is not None:
            add(line, "profile_url", problem)
        reply_to = clean_text(raw.get("reply_to", ""))
        if len(reply_to) > TEXT_LIMIT:
            add(line, "reply_to", _("The comment answered is longer than %(limit)s characters.") % {
                "limit": german_number(TEXT_LIMIT)})
        if self.report.problem_count != problems or isinstance(posted_at, str):
            return None
        comment = Comment(line=line, text=text, posted_at=posted_at, author=author, url=url, platform=platform,
                          profile_url=profile_url, reply_to=reply_to, digest="")
        return dataclasses.replace(comment, digest=record_sha256(comment))


def _finish(report: Report, comments: Iterable[Comment], existing: Collection[str]) -> Outcome:
    """Skip duplicates (the first occurrence in the file is kept) and comments already in the case."""
    kept: list[Comment] = []
    first: dict[str, int] = {}
    for comment in comments:
        if comment.digest in existing:
            report.already_in_case += 1
            if len(report.already) < MAX_LISTED:
                report.already.append(comment.line)
        elif comment.digest in first:
            report.duplicates_in_file += 1
            if len(report.duplicates) < MAX_LISTED:
                report.duplicates.append((comment.line, first[comment.digest]))
        else:
            first[comment.digest] = comment.line
            kept.append(comment)
    if report.rows_read == 0 and report.problem_count == 0:
        report.add(0, "empty", _("There are no comments to import (the list or file is empty)."))
    return Outcome(comments=kept if report.problem_count == 0 else [], report=report)


class _Refused(FormatError):
    """A file refused as a whole for its size or number of comments (``kind``: the report's kind)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _too_many(count: int) -> _Refused:
    return _Refused("too_many", _("The file holds %(count)s comments; at most %(limit)s can be imported at once. "
                                  "Please split the file.")
                    % {"count": german_number(count), "limit": german_number(max_items())})


def _too_large(size: int) -> str:
    return _("The file is %(size)s MB large; at most %(limit)s MB can be imported at once. Please split the file.") % {
        "size": german_number(size / 1e6, 1), "limit": german_number(max_bytes() / 1e6, 1)}


# --- reading files ------------------------------------------------------------------------------------------

JSON_LIST_KEYS = ("comments", "data", "items", "results", "replies", "records", "posts", "statuses", "tweets",
                  "kommentare")  # DATA: keys under which exports hold their records


def _kind(data: bytes, filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()
    if suffix in (".json", ".ndjson"):
        return "json"
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    start = data[:1024].removeprefix(b"\xef\xbb\xbf").lstrip()
    return "json" if start[:1] in (b"[", b"{") else "csv"


@dataclass
class _Source:
    """A file's rows, whichever kind it is: (position, cells) with the cells in the header's order, or
    (position, None) for a JSON record that is not an object."""

    kind: str
    header: list[str]
    rows: Iterator[tuple[int, list[str] | None]]
    encoding: str = "utf-8"
    delimiter: str = ""
    encoding_problems: list[tuple[int, str]] = field(default_factory=list)
    encoding_problem_count: int = 0


def _open(data: bytes, filename: str) -> _Source:
    """The file's header and rows; FormatError if it cannot be read as a table at all."""
    if len(data) > max_bytes():
        raise _Refused("too_large", _too_large(len(data)))
    kind = _kind(data, filename)
    if kind == "json":
        header, records = _json_records(data)
        return _Source(kind="json", header=header, rows=_json_rows(header, records))
    stream = io.BytesIO(data)
    detected = detect(stream)
    if not detected.header or detected.header == [""]:
        raise FormatError(_("The file is empty."))
    return _Source(kind="csv", header=detected.header, rows=_csv_rows(stream, detected), encoding=detected.encoding,
                   delimiter=detected.delimiter, encoding_problems=detected.problems,
                   encoding_problem_count=detected.problem_count)


def _csv_rows(stream: io.BytesIO, detected: Detected) -> Iterator[tuple[int, list[str] | None]]:
    for line, row in text_rows(stream, detected):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # a blank line
        yield line, row


def _json_records(data: bytes) -> tuple[list[str], list[Any]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FormatError(_("The file is not valid UTF-8 (a JSON file is always UTF-8): line %(line)s cannot be "
                            "read.") % {"line": line}, line=line) from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(_("The file is not valid JSON: %(problem)s in line %(line)s, column %(column)s.")
                          % {"problem": exc.msg, "line": exc.lineno, "column": exc.colno}, line=exc.lineno) from exc
    except (ValueError, RecursionError) as exc:  # a number with thousands of digits, nesting beyond any export
        raise FormatError(_("The file cannot be read as JSON (%(problem)s).") % {"problem": str(exc)[:200]}) from exc
    records = _record_list(document)
    if len(records) > max_items():  # refused before a single record is flattened
        raise _too_many(len(records))
    header: dict[str, None] = {}
    flat: list[Any] = []
    for record in records:
        if isinstance(record, dict):
            cells: dict[str, Any] = {}
            _flatten(record, "", cells, 0)
            for key in cells:
                if key not in header:
                    header[key] = None
                    if len(header) > MAX_JSON_FIELDS:
                        raise FormatError(_("The records of the file have more than %(limit)s different fields: "
                                            "is it an export of comments?") % {"limit": MAX_JSON_FIELDS})
            flat.append(cells)
        else:
            flat.append(None)
    return list(header), flat


def _record_list(document: Any) -> list[Any]:
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        for key in JSON_LIST_KEYS:
            if isinstance(document.get(key), list):
                return list(document[key])
        lists = [value for value in document.values() if isinstance(value, list)]
        if len(lists) == 1:
            return lists[0]
    raise FormatError(_("The JSON file holds no list of comments: expected a list of objects, or an object with "
                        "the list under a key such as “comments”, “data”, “items” or “results”."))


def _flatten(record: dict[str, Any], prefix: str, out: dict[str, Any], depth: int) -> None:
    """Nested objects' keys joined with dots ({"from": {"name": …}} -> "from.name")."""
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value and depth < MAX_JSON_DEPTH:
            _flatten(value, f"{name}.", out, depth + 1)
        else:
            out[name] = value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _json_rows(header: list[str], records: list[Any]) -> Iterator[tuple[int, list[str] | None]]:
    for number, record in enumerate(records, start=1):
        yield number, None if record is None else [_cell(record.get(key)) for key in header]


def read_table(data: bytes, filename: str) -> Table:
    """Read a CSV or JSON file for the column dialog: header, guessed assignment, preview, number of rows.

    Raises FormatError if the file cannot be read as a table, or holds more comments than one import may."""
    source = _open(data, filename)
    preview: list[list[str]] = []
    rows = 0
    for _position, cells in source.rows:
        rows += 1
        if cells is not None and len(preview) < PREVIEW_ROWS:
            preview.append([value if len(value) <= PREVIEW_CHARACTERS else value[: PREVIEW_CHARACTERS - 1] + "…"
                            for value in cells])
    if rows > max_items():
        raise _too_many(rows)
    return Table(kind=source.kind, header=source.header, mapping=guess_mapping(source.header), preview=preview,
                 rows=rows, encoding=source.encoding, delimiter=source.delimiter,
                 encoding_problems=source.encoding_problem_count)


def check(data: bytes, filename: str, mapping: dict[str, int], *, platform_default: str = "", url_default: str = "",
          existing: Collection[str] = frozenset()) -> Outcome:
    """Check every row of a CSV or JSON file with the confirmed column assignment (target -> column index).

    Never raises: a file that cannot be read, a bad assignment, too many rows, a bad row are all problems in
    the report (and then nothing is imported). ``existing``: record digests already in the case."""
    report = Report()
    try:
        source = _open(data, filename)
    except FormatError as exc:
        report.add(exc.line, getattr(exc, "kind", "format"), exc.message)
        return Outcome(comments=[], report=report)
    if source.kind == "json":
        report.position = "record"
    for line, message in source.encoding_problems:
        report.add(line, "encoding", message)
    report.count("encoding", source.encoding_problem_count - len(source.encoding_problems))
    width = len(source.header)
    for target, message in validate_mapping(mapping, width, require_url=not url_default.strip()).items():
        report.add(0, "mapping", f"{target_labels().get(target, target)}: {message}")
    if report.by_kind.get("mapping"):
        return Outcome(comments=[], report=report)
    limit = max_items()
    rows: list[tuple[int, list[str] | None]] = []
    try:
        for row in source.rows:
            report.rows_read += 1
            if report.rows_read <= limit:
                rows.append(row)
    except FormatError as exc:
        report.add(exc.line, "format", exc.message)
        return Outcome(comments=[], report=report)
    if report.rows_read > limit:
        refused = _too_many(report.rows_read)
        report.add(0, refused.kind, refused.message)
        return Outcome(comments=[], report=report)
    checker = _Checker(report, platform_default=platform_default, url_default=url_default)
    comments: list[Comment] = []
    targets = list(mapping.items())
    for line, cells in rows:
        if cells is None:
            report.add(line, "record", _("This record is not an object with fields."))
            continue
        if len(cells) != width and (len(cells) < width or any(value.strip() for value in cells[width:])):
            report.add(line, "columns", _("Expected %(expected)s columns, found %(found)s.")
                       % {"expected": width, "found": len(cells)})
            continue
        comment = checker.comment(line, {target: cells[index] for target, index in targets})
        if comment is not None:
            comments.append(comment)
    return _finish(report, comments, existing)


def check_paste(text: str, *, platform: str, url: str, posted_at_default: dt.datetime | None = None,
                existing: Collection[str] = frozenset()) -> Outcome:
    """Check a pasted list: one comment per non-empty line.

    A line may be TAB-separated (copied from a spreadsheet): two fields are author and text, three are
    author, posting time and text; any other line is the text as a whole. Lines without a time of their own
    take ``posted_at_default`` (aware); without one they are problems. ``url`` (the thread's address) and
    ``platform`` hold for every line."""
    report = Report()
    if len(text.encode("utf-8")) > max_bytes():
        report.add(0, "too_large", _too_large(len(text.encode("utf-8"))))
        return Outcome(comments=[], report=report)
    # Only CR and LF end a line (str.splitlines() would also split at U+2028, form feeds and the like).
    split = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = [(number, line) for number, line in enumerate(split, start=1) if line.strip()]
    report.rows_read = len(lines)
    if len(lines) > max_items():
        refused = _too_many(len(lines))
        report.add(0, refused.kind, refused.message)
        return Outcome(comments=[], report=report)
    checker = _Checker(report, platform_default=platform, url_default=url, posted_at_default=posted_at_default)
    comments: list[Comment] = []
    for number, line in lines:
        fields = line.split("\t")
        if len(fields) == 2:
            raw = {"author": fields[0], "text": fields[1]}
        elif len(fields) == 3:
            raw = {"author": fields[0], "posted_at": fields[1], "text": fields[2]}
        else:
            raw = {"text": line}
        comment = checker.comment(number, raw)
        if comment is not None:
            comments.append(comment)
    return _finish(report, comments, existing)
