"""Write the register check corpus and its golden reports (decision 0028).

`DEBUG=true PYTHONPATH=. python tests/surveys/sampling/register_corpus/make_corpus.py`

The input files (``*.csv``) and the golden outcomes (``*.golden.json``) are committed. The goldens were
written by the row-by-row checker of main 0c34a95, BEFORE the faster checker replaced it, so
test_register_check_equivalence.py compares the new code against what the old code said, not against
itself. Only files without a golden are written (``--all`` rewrites every one), and only with the old
code on the path: ``PYTHONPATH=<checkout of 0c34a95>`` with this script loaded from this directory (that
is how many_mixed_encodings*.golden.json were added); run against the new code, the comparison would be
meaningless.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REFERENCE = dt.date(2026, 1, 1)
MINIMUM_AGE = 16
HEADER = [
    "Familienname",
    "Vornamen",
    "Straße",
    "Hausnummer",
    "PLZ",
    "Ort",
    "Ortsteil",
    "Geburtsdatum",
    "Geschlecht",
    "Auskunftssperre",
]
FAMILY = [
    "Müller",
    "Schmidt",
    "Schröder",
    "Weiß",
    "Krüger",
    "Lehmann",
    "Böhm",
    "Hoffmann",
    "Ångström",
    "O'Neill",
    "van der Berg",
    "Çelik",
    "Øster",
    "ﬁscher",
]
GIVEN = ["Jürgen", "Sören", "Anna", "Käthe", "Lukas", "Maria Luise", "Jörg", "Zoë", "Renée", "Karl-Heinz"]
STREETS = ["Dohnaer Straße", "Am Markt", "Straße des 18. Oktober", "Schloßhof", "Breite Str."]
LOCALITIES = ["Altstadt", "Copitz", "Sonnenstein", "Graupa", "Zatzschke"]
SEX = ["m", "w", "d", "M", "W", "männlich", "Weiblich", "divers", "x", "1", "2", "ohne Angabe", " w "]
BLOCKED = ["N", "J", "", "nein", "Ja", "0", "1", "-", "X", "gesperrt"]


def quote(value: str, delimiter: str) -> str:
    if delimiter in value or '"' in value or "\n" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def text(rows: list[list[str]], *, header: list[str] = HEADER, delimiter: str = ";", newline: str = "\r\n") -> str:
    lines = [delimiter.join(quote(v, delimiter) for v in row) for row in [header, *rows]]
    return newline.join(lines) + newline


def persons(count: int, seed: int, *, unique: bool = True) -> list[list[str]]:
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        born = dt.date(1925, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 100))
        style = rng.random()
        date = (
            born.strftime("%d.%m.%Y")
            if style < 0.8
            else born.isoformat()
            if style < 0.9
            else born.strftime("%Y%m%d")
            if style < 0.95
            else f"{born.day}.{born.month}.{born.year}"
        )
        given = rng.choice(GIVEN) + (f" {i}" if unique else "")
        rows.append(
            [
                rng.choice(FAMILY),
                given,
                rng.choice(STREETS),
                str(rng.randint(1, 80)),
                f"01{rng.randint(700, 799)}",
                "Pirna",
                rng.choice(LOCALITIES),
                date,
                rng.choice(SEX),
                rng.choice(BLOCKED),
            ]
        )
    return rows


def bad_rows(seed: int) -> list[list[str]]:
    """Every kind of row problem, several at once, and values that only Unicode-aware code gets right."""
    rng = random.Random(seed)
    rows = persons(400, seed)
    bad: list[tuple[int, int, str]] = [
        (7, 7, ""),
        (9, 7, "31.02.1980"),
        (11, 7, "1980-13-01"),
        (13, 7, "gestern"),
        (15, 7, "01.01.2999"),
        (17, 7, "01.01.1890"),
        (19, 8, "q"),
        (21, 8, ""),
        (23, 9, "vielleicht"),
        (25, 4, "0179"),
        (27, 4, "D-01796"),
        (29, 0, ""),
        (31, 1, "   "),
        (33, 2, ""),
        (35, 5, ""),
        (37, 4, ""),
        (39, 7, "29.02.2023"),
        (41, 7, "29.02.2024"),
        (43, 7, "\u00a001.01.1970\u00a0"),
        (45, 4, "\uff10\uff11\uff17\uff19\uff16"),  # full-width digits
        (47, 7, "\u0660\u0661.\u0660\u0661.\u0661\u0669\u0667\u0660"),  # Arabic-Indic digits
        (49, 8, "\uff2dÄNNLICH"),
        (51, 9, "\uff2a\uff21"),
        (53, 7, "2020-01-01"),
        (55, 7, "01.01.2010"),
        (57, 7, "1.1.1970x"),
        (59, 7, "19700101"),
        (61, 7, "1970-1-1"),
        (63, 7, "x" * 60),
        (65, 8, "y" * 60),
        (67, 4, "1234"),
        (69, 4, "123456"),
        (71, 7, "00.01.1970"),
        (73, 7, "01.01.0000"),
        (75, 7, "31.12.1899"),
        (77, 7, "01.01.1900"),
        (79, 8, "Maennlich"),
        (81, 8, "fRaU"),
        (83, 9, "Auskunftssperre"),
        (85, 9, "wahr"),
        (87, 6, ""),
        (89, 3, ""),
    ]
    for index, column, value in bad:
        rows[index][column] = value
    rows[91] = rows[91][:8]  # too few columns
    rows[93] = [*rows[93], "extra"]  # too many
    rows[95] = [""]  # blank line (skipped, not counted)
    rows[97] = []
    for first, second in ((100, 150), (101, 300), (102, 399)):
        rows[second] = list(rows[first])
    rows[151] = list(rows[103])
    rows[151][0] = rows[151][0].upper()  # the same person in capitals
    rows[152] = list(rows[104])
    rows[152][1] = "  " + rows[152][1].replace(" ", "  ") + " "  # the same person with more spaces
    rows[153] = list(rows[105])
    rows[153][0] = rows[153][0].replace("ü", "ue").replace("ö", "oe").replace("ß", "ss")  # umlauts written out
    rows[154] = list(rows[106])
    rows[154][2] = rows[154][2] + " " + rows[154][3]
    rows[154][3] = ""  # house number in the street column
    rows[200][2] = 'Am "Alten" Markt; Hinterhaus'
    rows[201][1] = "Anna\nMaria"  # a quoted line break: the next record starts a line later
    rows[202][5] = "  Pirna  "
    rows[203][6] = ""  # no locality: the city is the locality
    rng.shuffle(rows[300:320])
    return rows


def files() -> list[tuple[str, bytes]]:
    from tests.bad_input import corpus

    good = persons(500, 1)
    many_bad = persons(700, 2)
    for i in range(0, 700, 2):
        many_bad[i][7] = "kein Datum"
    minors = persons(20, 3)
    for row in minors:
        row[7] = "01.06.2015"
    blocked = persons(20, 4)
    for row in blocked:
        row[9] = "J"
    no_locality = [row[:6] + row[7:] for row in persons(60, 5)]
    house_in_street = [[r[0], r[1], f"{r[2]} {r[3]}", *r[4:]] for r in persons(60, 6)]
    mixed = text(persons(10, 7)).encode("cp1252", errors="replace") + text(persons(5, 8), header=[]).split("\r\n", 1)[
        1
    ].encode("utf-8")
    undefined = text(persons(30, 9)).encode("cp1252", errors="replace").replace(b"Pirna", b"Pir\x81a", 4)
    bom_latin = b"\xef\xbb\xbf" + text(persons(10, 10)).encode("cp1252", errors="replace")
    repeated = persons(3000, 11, unique=False)  # real registers repeat names: duplicates galore
    many_mixed = b"".join(
        (
            text(persons(1, 100 + i), header=[])
            .split("\r\n", 1)[1]
            .encode("cp1252", errors="replace")
            .replace(b"Pirna", b"Pir\x9da")
            if i % 3 == 0
            else text(persons(1, 100 + i), header=[]).split("\r\n", 1)[1].encode("utf-8")
            if i % 3 == 1
            else text([["Jäger", "Anna", "Weg", "1", "01796", "Pirna", "Copitz", "01.01.1970", "w", "N"]], header=[])
            .split("\r\n", 1)[1]
            .encode("cp1252")
        )
        for i in range(900)
    )
    many_mixed = text([]).encode("cp1252") + many_mixed
    out = [(f"corpus_{name}", content) for name, content, _readable in corpus.register_files()]
    out += [
        ("corpus_bad_row", corpus.register_file_with_bad_row()),
        ("good_utf8", text(good).encode("utf-8")),
        ("good_utf8_bom", b"\xef\xbb\xbf" + text(good).encode("utf-8")),
        (
            "good_cp1252",
            text(
                [
                    [v.replace("ﬁ", "fi").replace("Ø", "O").replace("Å", "A").replace("Ç", "C") for v in row]
                    for row in good
                ]
            ).encode("cp1252", errors="replace"),
        ),
        ("good_comma_lf", text(good, delimiter=",", newline="\n").encode("utf-8")),
        ("good_tab", text(good, delimiter="\t").encode("utf-8")),
        ("bad_rows_utf8", text(bad_rows(12)).encode("utf-8")),
        ("bad_rows_comma", text(bad_rows(13), delimiter=",").encode("utf-8")),
        ("many_bad_dates", text(many_bad).encode("utf-8")),
        ("only_minors", text(minors).encode("utf-8")),
        ("only_blocked", text(blocked).encode("utf-8")),
        ("no_locality_column", text(no_locality, header=HEADER[:6] + HEADER[7:]).encode("utf-8")),
        (
            "house_number_in_street",
            text(house_in_street, header=["Name", "Vorname", "Anschrift", *HEADER[4:]]).encode("utf-8"),
        ),
        ("mixed_encodings", mixed),
        ("undefined_cp1252_bytes", undefined),
        ("bom_but_cp1252", bom_latin),
        ("header_only", text([]).encode("utf-8")),
        ("blank_lines_only", (text([]) + "\r\n\r\n;\r\n").encode("utf-8")),
        ("repeated_names", text(repeated).encode("utf-8")),
        ("many_mixed_encodings", many_mixed),
        ("many_mixed_encodings_bom", b"\xef\xbb\xbf" + many_mixed),
        (
            "unclosed_quote_late",
            (text(persons(50, 14)) + 'Müller;"Anna;\r\n' + text(persons(5, 15), header=[])).encode("utf-8"),
        ),
    ]
    return out


def outcome(path: Path) -> dict[str, Any]:
    """What the checker says about one file (detection, report, counts, cells, a digest of the frame)."""
    from django.utils import translation

    from kommunalschutz.surveys.sampling import register_format

    with translation.override("de"), path.open("rb") as stream:
        try:
            detected = register_format.detect(stream)
        except register_format.FormatError as exc:
            return {"format_error": {"message": exc.message, "line": exc.line}}
        mapping = register_format.guess_mapping(detected.header)
        result: dict[str, Any] = {
            "detected": {
                "encoding": detected.encoding,
                "has_bom": detected.has_bom,
                "delimiter": detected.delimiter,
                "header": detected.header,
                "problems": [list(p) for p in detected.problems],
                "problem_count": detected.problem_count,
            },
            "mapping": mapping,
        }
        if register_format.validate_mapping(mapping, len(detected.header)):
            return result
        frame: list[Any] = []
        checked = register_format.check(
            stream, detected, mapping, reference_date=REFERENCE, minimum_age=MINIMUM_AGE, emit=frame.append
        )
    digest = hashlib.sha256(json.dumps(frame, ensure_ascii=False).encode("utf-8")).hexdigest()
    result.update(
        report=checked.report.as_json(),
        rows_total=checked.rows_total,
        in_frame=checked.in_frame,
        excluded_minors=checked.excluded_minors,
        excluded_blocked=checked.excluded_blocked,
        cells=sorted([*key, count] for key, count in checked.cells.items()),
        frame_size=len(frame),
        frame_sha256=digest,
    )
    return result


def main() -> None:
    import django

    sys.path.insert(0, str(HERE.parents[3]))
    django.setup()
    for name, content in files():
        path = HERE / f"{name}.csv"
        if (HERE / f"{name}.golden.json").exists() and "--all" not in sys.argv:
            continue
        path.write_bytes(content)
        golden = HERE / f"{name}.golden.json"
        golden.write_text(
            json.dumps(outcome(path), ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
        print(name, len(content))


if __name__ == "__main__":
    main()
