"""Regenerate the fixture files in this folder from the shipped reference data.

    .venv/bin/python tests/foundation/registry/data/build_fixtures.py

Every fixture is derived from kommunalschutz/foundation/registry/data; README.md says what
was changed and why. The figures for Ostrau and Zschaitz-Ottewig in the 2022 file are
synthetic (Jahnatal's 2025 figures split in two), as is the older name of Amtsberg.
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHIPPED = HERE.parents[3] / "kommunalschutz" / "foundation" / "registry" / "data"
MUNICIPALITIES = SHIPPED / "sachsen_gemeinden_2025-11-30.csv"
CONTACTS = SHIPPED / "lds_gemeindeverzeichnis_sachsen.csv"
GV100AD = SHIPPED / "GV100AD_30112025.txt.gz"


def _rows(path: Path, delimiter: str = ",") -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        header = next(reader)
        return header, list(reader)


def _write(path: Path, header: list[str], rows: list[list[str]], *, delimiter: str = ",",
           encoding: str = "utf-8", lineterminator: str = "\n") -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=lineterminator)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


def older_edition(header: list[str], rows: list[list[str]]) -> list[list[str]]:
    """Saxony before 1 January 2023: Ostrau and Zschaitz-Ottewig instead of Jahnatal."""
    col = {name: i for i, name in enumerate(header)}
    result: list[list[str]] = []
    for row in rows:
        row = list(row)
        row[col["gebietsstand"]] = "20221231"
        if row[col["ags"]] == "14522275":  # Jahnatal (4,702 inhabitants, 2,355 male, 7,095 ha)
            for ags, name, population, male, hectares in [
                ("14522450", "Ostrau", "3482", "1744", "4300"),
                ("14522620", "Zschaitz-Ottewig", "1220", "611", "2795"),
            ]:
                old = list(row)
                old[col["ags"]] = ags
                old[col["ars"]] = "145225123" + ags[5:]
                old[col["gemeindeverband_ars"]] = "145225123"
                old[col["gemeindeverband_name"]] = "Ostrau"
                old[col["gemeindeverband_typ"]] = "Verwaltungsgemeinschaft"
                old[col["gemeinde_name"]] = name
                old[col["bevoelkerung"]] = population
                old[col["bevoelkerung_maennlich"]] = male
                old[col["bevoelkerung_weiblich"]] = str(int(population) - int(male))
                old[col["flaeche_ha"]] = hectares
                old[col["flaeche_km2"]] = f"{int(hectares) / 100:.2f}"
                result.append(old)
            continue
        if row[col["ags"]] == "14521010":  # Amtsberg: a synthetic older name, to test renames
            row[col["gemeinde_name"]] = "Amtsberg im Erzgebirge"
        if row[col["ags"]] == "14511000":  # Chemnitz: a different population, to test updates
            row[col["bevoelkerung"]] = "246000"
            row[col["bevoelkerung_maennlich"]] = "120800"
            row[col["bevoelkerung_weiblich"]] = "125200"
        result.append(row)
    return result


def main() -> None:
    header, rows = _rows(MUNICIPALITIES)
    col = {name: i for i, name in enumerate(header)}
    _write(HERE / "sachsen_gemeinden_2022-12-31.csv", header, older_edition(header, rows))

    mini = [row for row in rows if row[col["kreis_ags"]] in {"14511", "14523", "14628"}]
    _write(HERE / "mini_gemeinden.csv", header, mini)

    # Bad input: the first five rows, with one defect each (in line 4 where a row is broken).
    head = rows[:5]
    _write(HERE / "municipalities_latin1.csv", header, head, encoding="latin-1")
    _write(HERE / "municipalities_semicolon.csv", header, head, delimiter=";")
    missing = header.index("bevoelkerung")
    _write(HERE / "municipalities_missing_column.csv", header[:missing] + header[missing + 1:],
           [row[:missing] + row[missing + 1:] for row in head])
    for name, column, value in [
        ("municipalities_ags_seven_digits.csv", "ags", "1452102"),
        ("municipalities_ags_wrong_state.csv", "ags", "15521020"),
        ("municipalities_district_mismatch.csv", "kreis_ags", "14522"),
    ]:
        broken = [list(row) for row in head]
        broken[2][col[column]] = value
        _write(HERE / name, header, broken)

    contact_header, contact_rows = _rows(CONTACTS, delimiter=";")
    _write(HERE / "contacts_latin1.csv", contact_header, contact_rows[:6], delimiter=";", encoding="latin-1",
           lineterminator="\r\n")

    lines = gzip.decompress(GV100AD.read_bytes()).decode("utf-8").splitlines()
    # The state and its first two districts (Chemnitz, Erzgebirgskreis); the tenth municipality
    # record gets a letter in its AGS.
    saxony = [line for line in lines if line[10:12] == "14" and (line[:2] in {"10", "20"}
                                                                 or line[10:15] in {"14511", "14521"})]
    broken_line = [i for i, line in enumerate(saxony) if line.startswith("60")][9]
    saxony[broken_line] = saxony[broken_line][:14] + "X" + saxony[broken_line][15:]
    (HERE / "gv100ad_malformed_ags.txt").write_text("\n".join(saxony) + "\n", encoding="utf-8")

    # Bavaria's state record and the city of Munich: a fast stand-in for --land 09 in page tests.
    munich = [line for line in lines if line[10:12] == "09" and (line[:2] == "10" or line[10:15] == "09162")]
    (HERE / "gv100ad_muenchen.txt").write_text("\n".join(munich) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
