"""Reading CSV files as offices and programs export them: encoding, separator, header, rows.

Files come from many programs (population registers, lists of officials, exports of comment threads):
UTF-8 or Windows-1252 (Latin-1), with or without a byte order mark, separated by ``;`` (German Excel), ``,``
or a tab, with quoted fields that may contain the separator or a line break. Nothing here holds the whole
file: detect() finds the encoding in one pass over the bytes (lines in another encoding are reported, not
guessed), and text_rows() yields the records one by one. UTF-16 and binary files are refused.

Moved here from the surveys wing's register import (sampling.register_format, decision 0028), which keeps
its own checks of the rows; the protection wing reads comment threads with the same functions.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import gettext as _

MAX_LISTED = 200  # problems listed in a report (all are counted)
DELIMITERS = (";", ",", "\t")


def fold(text: str) -> str:
    """Lower case, umlauts folded (ä -> ae, ß -> ss), only letters and digits: for matching names."""
    text = text.strip().lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if ch.isascii() and ch.isalnum())


@dataclass
class Detected:
    encoding: str  # "utf-8" or "cp1252"
    has_bom: bool
    delimiter: str
    header: list[str]
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, message): encoding problems
    problem_count: int = 0


BOM = codecs.BOM_UTF8
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
MAX_HEADER_LENGTH = 65_536  # characters of the first line; a header names a few dozen columns


class FormatError(Exception):
    """The file cannot be read as a table at all; ``line`` is where (0: the whole file)."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def refuse_unreadable(head: bytes) -> None:
    """Refuse what no export for these readers is: UTF-16 (Excel's "Unicode text") or binary with NUL bytes.

    ``head`` is the beginning of the file (detect() passes the first 64 KiB)."""
    if head.startswith(UTF16_BOMS):
        raise FormatError(_("The file is saved as UTF-16 (in Excel: “Unicode text”). Please save it as "
                            "“CSV UTF-8” or “CSV (semicolon separated)” and upload it again."))
    if b"\x00" in head:
        raise FormatError(_("The file contains NUL bytes: it is not a text file (CSV). Please export the "
                            "file as CSV."))


def _lines(stream: IO[bytes]) -> Iterator[bytes]:
    stream.seek(0)
    for line in stream:  # noqa: UP028 - "yield from" would close the stream when this generator is closed
        yield line


BLOCK = 4 << 20  # bytes read at a time when scanning the encoding (whole lines, so a little more)
# Characters that only a valid UTF-8 sequence beyond ASCII decodes to (surrogateescape marks the others).
_BEYOND_ASCII = re.compile("[^\x00-\x7f\udc80-\udcff]")
_ESCAPED = re.compile("[\udc80-\udcff]")
# Bytes that Windows-1252 does not define.
_CP1252_UNDEFINED = re.compile(b"[\x81\x8d\x8f\x90\x9d]")


def _blocks(stream: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    """(number of the block's first line, block of whole lines) over the stream."""
    stream.seek(0)
    number = 1
    while True:
        block = stream.read(BLOCK)
        if not block:
            return
        if not block.endswith(b"\n"):
            block += stream.readline()
        yield number, block
        number += block.count(b"\n")


def _matching_lines(data: Any, newline: Any, find: re.Pattern[Any], refuse: re.Pattern[Any] | None, first: int,
                    listed: list[int]) -> int:
    """Count the lines of ``data`` (str or bytes; ``first`` is the number of its first line) in which
    ``find`` matches and ``refuse`` does not; add the first lines' numbers to ``listed`` up to MAX_LISTED.
    The search jumps from match to match, so a block without any costs one scan at C speed."""
    count = 0
    line, counted_to, position = first, 0, 0
    while match := find.search(data, position):
        start = data.rfind(newline, 0, match.start()) + 1
        end = data.find(newline, match.start())
        end = len(data) if end < 0 else end
        if refuse is None or not refuse.search(data, start, end):
            count += 1
            if len(listed) < MAX_LISTED:
                line += data.count(newline, counted_to, start)
                counted_to = start
                listed.append(line)
        position = end + 1
    return count


def detect(stream: IO[bytes]) -> Detected:
    """Encoding (valid UTF-8 -> UTF-8, else Windows-1252), BOM, separator and header of a CSV file.

    A file that is not valid UTF-8 is read as Windows-1252. Lines in it that are valid UTF-8 with
    non-ASCII characters (a file pieced together from two exports) would turn into "Ã¤" and are
    reported, as are bytes that Windows-1252 does not define.
    """
    stream.seek(0)
    refuse_unreadable(stream.read(64 * 1024))
    stream.seek(0)
    head = stream.read(3)
    has_bom = head == BOM
    valid_utf8 = True
    for _number, block in _blocks(stream):
        if not block.isascii():
            try:
                block.decode("utf-8")
            except UnicodeDecodeError:
                valid_utf8 = False
                break
    encoding = "utf-8" if valid_utf8 else "cp1252"
    problems: list[tuple[int, str]] = []
    count = 0
    if not valid_utf8:
        # Lines are split at b"\n" only, which no UTF-8 sequence contains, so a block decoded with
        # surrogateescape shows each line that is not valid UTF-8 by an escaped byte (U+DC80..U+DCFF).
        utf8_lines: list[int] = []
        utf8_count = 0
        undefined: list[int] = []
        undefined_count = 0
        for number, block in _blocks(stream):
            if block.isascii():
                continue
            text = block.decode("utf-8", errors="surrogateescape")
            utf8_count += _matching_lines(text, "\n", _BEYOND_ASCII, _ESCAPED, number, utf8_lines)
            undefined_count += _matching_lines(block, b"\n", _CP1252_UNDEFINED, None, number, undefined)
        if has_bom:
            problems.append((1, _("The file begins with a UTF-8 byte order mark but is not valid UTF-8.")))
            count += 1
        for number in utf8_lines:
            problems.append((number, _("This line is encoded in UTF-8, the rest of the file in Windows-1252 "
                                       "(mixed encodings): save the whole file in one encoding.")))
        count += utf8_count
        for number in undefined:
            if len(problems) >= MAX_LISTED:
                break
            problems.append((number, _("This line contains bytes that are neither UTF-8 nor Windows-1252.")))
        count += undefined_count
    first = b""
    for line in _lines(stream):
        first = line
        break
    if first.startswith(BOM):
        first = first[len(BOM):]
    header_text = first.decode(encoding, errors="replace").rstrip("\r\n")
    if len(header_text) > MAX_HEADER_LENGTH:
        raise FormatError(_("The first line is longer than %(limit)s characters, so it cannot be the line naming "
                            "the columns. Is the file a table in CSV format?")
                          % {"limit": f"{MAX_HEADER_LENGTH:,}".replace(",", ".")}, line=1)
    if "\r" in header_text:
        raise FormatError(_("The first line contains a carriage return (CR) in the middle. Please save the file "
                            "with Windows (CR LF) or Unix (LF) line endings."), line=1)
    delimiter = sniff_delimiter(header_text)
    try:
        header = next(csv.reader([header_text], delimiter=delimiter), []) if header_text else []
    except csv.Error as exc:
        raise FormatError(_("The first line cannot be read as CSV (%(problem)s).") % {"problem": exc}, line=1) from exc
    return Detected(encoding=encoding, has_bom=has_bom, delimiter=delimiter,
                    header=[name.strip() for name in header], problems=problems, problem_count=count)


def sniff_delimiter(header: str) -> str:
    """The separator that splits the header line most often (outside quotes); ``;`` if none does."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in header:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ";"


def text_rows(stream: IO[bytes], detected: Detected) -> Iterator[tuple[int, list[str]]]:
    """(file line, fields) of every record after the header; the line is where the record begins."""
    stream.seek(0)
    encoding = "utf-8-sig" if detected.encoding == "utf-8" else "cp1252"
    text = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")
    try:
        reader = csv.reader(text, delimiter=detected.delimiter)
        previous = 0
        try:
            for index, row in enumerate(reader):
                start, previous = previous + 1, reader.line_num
                if index:
                    yield start, row
        except csv.Error as exc:
            # A field over the csv module's limit (131,072 characters: mostly a quote never closed) or a
            # carriage return inside an unquoted field: the rest of the file cannot be split into rows.
            raise FormatError(_("From this line on the file cannot be read as CSV (%(problem)s). Is a quotation "
                                "mark not closed, or does a field contain a line break without quotes?")
                              % {"problem": exc}, line=previous + 1) from exc
    finally:
        text.detach()
