"""Whatever a key cell holds, the readers either accept the row or raise RegistryImportError."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from kommunalschutz.foundation.registry import readers
from kommunalschutz.foundation.registry.readers import RegistryImportError
from tests.foundation.registry.conftest import DATA

TEMPLATE = (DATA / "municipalities_ags_seven_digits.csv").read_text(encoding="utf-8")
BROKEN_CELL = "1452102"


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters='",\r\n'), max_size=12))
def test_any_ags_cell_is_accepted_only_when_it_is_a_fitting_key(cell: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "municipalities.csv"
        path.write_text(TEMPLATE.replace(BROKEN_CELL, cell, 1), encoding="utf-8")
        key = cell.strip()
        fitting = len(key) == 8 and key.isascii() and key.isdigit() and key.startswith("14521")
        try:
            edition = readers.read_municipality_csv(path, land="14")
        except RegistryImportError as error:
            assert error.line == 4 and error.file == str(path)
            assert not fitting or "appears twice" in error.message
        else:
            assert fitting and key in edition.municipalities


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_crash_the_fixed_width_reader(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "gv100ad.txt"
        path.write_bytes(content)
        # Anything but RegistryImportError fails the test.
        with contextlib.suppress(RegistryImportError):
            readers.read_gv100ad(path, land="14")


def test_the_derived_csv_and_the_official_file_say_the_same_about_saxony() -> None:
    shipped = Path(readers.__file__).parent / "data"
    official = readers.read_gv100ad(shipped / "GV100AD_30112025.txt.gz", land="14")
    derived = readers.read_municipality_csv(shipped / "sachsen_gemeinden_2025-11-30.csv", land="14",
                                            district_file=shipped / "sachsen_kreise_2025-11-30.csv")
    assert derived.reference_date == official.reference_date
    assert derived.municipalities == official.municipalities
    assert derived.districts == official.districts
    assert len(official.municipalities) == 418


def test_contact_websites_become_http_links_only(tmp_path: Path) -> None:
    header = ("SCHLNR;NR_KRS;GEMEINDE;STRASSE;PLZ;ORT;OKZ;TELEFON;TELEFAX;E_MAIL;HOMEPAGE;AMTSBEZ_BM;ORTSTEILE;"
              "BEARB_STAND\n")
    rows = ["14628270;14628;Pirna;Am Markt 1;01796;Pirna;03501;5560;;;javascript:alert(1);;;",
            "14628020;14628;X;;;;;;;;www.example.org;;;",
            "14628010;14628;Y;;;;;;;;https://example.org/;;;"]
    path = tmp_path / "contacts.csv"
    path.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    contacts = readers.read_contacts(path, land="14")
    assert contacts["14628270"].website == "http://alert(1)"
    assert contacts["14628020"].website == "http://www.example.org"
    assert contacts["14628010"].website == "https://example.org/"
    assert contacts["14628270"].phone == "03501 5560"
