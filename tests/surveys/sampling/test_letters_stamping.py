"""Letters laid out once and stamped per person (decision record 0029) read exactly like letters laid out
in full: same text on every page (pypdf's extraction, character for character, line for line), same page
count and size, and a QR code that is module for module the one the full layout draws for the person's
URL."""

from __future__ import annotations

import io
import random
from typing import Any

import numpy as np
import pytest
import qrcode
from pypdf import PdfReader

from kommunalschutz.surveys.projects.models import SurveyProject
from kommunalschutz.surveys.sampling import codes, draw, letters, qr
from kommunalschutz.surveys.sampling.models import Sample, SampleMember
from tests.conftest import World

pytestmark = pytest.mark.django_db

SITE = "https://ks.example"

# (given names, family name, street, postcode, city): ordinary, German and European letters, and the
# hard cases: too long for a line (laid out in full: wraps as before), whitespace HTML collapses, empty
# fields, scripts the letter font lacks or that run right to left, a soft hyphen, HTML's special characters.
PEOPLE = [
    ("Jürgen", "Weiß", "Dohnaer Straße 1", "01796", "Pirna"),
    ("Tanja", "Tiefflieger", "Am Ärztehaus 7a", "01796", "Pirna"),
    ("Łukasz", "Żółkiewski-Ærøe", "Grüne Gasse 3", "01796", "Pirna OT Copitz"),
    ("Hans-Günther Maximilian", "Schmidt-Überländer", "Straße des 17. Juni 123", "01796", "Pirna"),
    ("Karl-Theodor Maria Nikolaus Johann Jacob Philipp Franz Joseph Sylvester",
     "Freiherr von und zu Guttenberg-Schwarzburg-Sondershausen", "Schloßstraße 1", "01796", "Pirna"),
    ("Anna  Maria", " Krüger", "Am Markt 2 ", "01796", "Pirna"),
    ("", "Lehmann", "Breite Straße 4", "01796", "Pirna"),
    ("李", "小龙", "Gartenstraße 5", "01796", "Pirna"),
    ("שרה", "Cohen", "Lange Straße 6", "01796", "Pirna"),
    ("Ma\u00adrie", "O'Brien & <Söhne>", "Rosenweg 8", "01796", "Pirna"),
    ("Zoë", "Böhm", "Königsteiner Straße 9999 Hinterhaus Aufgang C, 3. Obergeschoss links", "01796",
     "Pirna"),
    ("Käthe", "Hoffmann", "Obere Burgstraße 10", "01796", "Dohma OT Cotta bei Pirna an der Elbe"),
]


def _crest() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (30, 36), (0, 90, 160)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def sent(world: World, project: SurveyProject, imported: Any) -> Sample:
    project.crest, project.crest_type = _crest(), "image/png"  # an image before the QR code on every page
    project.save()
    sample = draw.draw_sample(actor=world.analyst, project=project, method="simple", size=len(PEOPLE) + 8, seed=3)
    for member, (given, family, street, postcode, city) in zip(sample.members.order_by("number"), PEOPLE,
                                                              strict=False):
        member.given_names, member.family_name, member.street = given, family, street
        member.postcode, member.city = postcode, city
        member.save()
    letters.send_letters(actor=world.analyst, project=project)
    return sample


def _pages(pdf: bytes) -> list[Any]:
    return list(PdfReader(io.BytesIO(pdf)).pages)


def test_stamped_letters_read_exactly_like_letters_laid_out_in_full(project: SurveyProject, sent: Sample) -> None:
    stamped = _pages(letters.letters_pdf(project, site_url=SITE))
    full = _pages(letters.letters_pdf(project, site_url=SITE, stamp=False))
    assert len(stamped) == len(full) == sent.members.count()
    for new, old in zip(stamped, full, strict=True):
        assert new.extract_text() == old.extract_text()
        assert [float(v) for v in new.mediabox] == [float(v) for v in old.mediabox]
    text = "".join(page.extract_text() for page in stamped)
    for member in sent.members.all():
        assert member.access_code in text and f"Lfd. Nr. {member.number}" in text


def test_reminder_letters_are_stamped_alike(world: World, project: SurveyProject, sent: Sample) -> None:
    sent.members.filter(number__lte=3).update(status=SampleMember.Status.ONLINE)
    letters.send_reminders(actor=world.analyst, project=project)
    stamped = _pages(letters.reminders_pdf(project, 1, site_url=SITE))
    full = _pages(letters.reminders_pdf(project, 1, site_url=SITE, stamp=False))
    assert len(stamped) == len(full) == sent.members.count() - 3
    assert [p.extract_text() for p in stamped] == [p.extract_text() for p in full]
    assert "Erinnerung" in stamped[0].extract_text()


def test_each_letter_carries_the_qr_code_of_its_own_url(project: SurveyProject, sent: Sample) -> None:
    pages = _pages(letters.letters_pdf(project, site_url=SITE))
    for page, member in zip(pages, sent.members.order_by("number"), strict=True):
        # A page laid out in full shares WeasyPrint's image resources with the other such pages (as the
        # full layout always did); a stamped page has its own code only.
        drawn = [np.asarray(image.image.convert("L")) < 128 for image in page.images if image.image is not None]
        expected = qrcode.QRCode(box_size=1, border=4)
        expected.add_data(f"{SITE}/umfrage/?code={member.access_code}")
        expected.make(fit=True)
        modules = np.array(expected.get_matrix(), dtype=bool)
        assert any(np.array_equal(pixels, modules) for pixels in drawn), member.number


def _placed_text(page: Any) -> list[tuple[float, float, str]]:
    """Each piece of text with where it starts on the page, in reading order."""
    spans: list[tuple[float, float, str]] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if text.strip():
            spans.append((round(tm[4] * cm[0] + cm[4], 1), round(tm[5] * cm[3] + cm[5], 1), text))

    page.extract_text(visitor_text=visit)
    return spans


def test_stamped_text_stands_where_the_full_layout_puts_it(project: SurveyProject, sent: Sample) -> None:
    """Same place and order for every piece of text: a stamped line starts where the laid-out one does
    (right-aligned ones end there), and names too long for the address box are not stamped over its
    edge but laid out in full, wrapping as they always did."""
    stamped = _pages(letters.letters_pdf(project, site_url=SITE))
    full = _pages(letters.letters_pdf(project, site_url=SITE, stamp=False))
    for new, old in zip(stamped, full, strict=True):
        assert _placed_text(new) == _placed_text(old)
    long_name = next(p for p in stamped if "Guttenberg" in p.extract_text()).extract_text()
    first_line = next(line for line in long_name.splitlines() if line.startswith("Karl-Theodor"))
    assert "Guttenberg" not in first_line, "the long name wraps in its box"


def test_qr_matrices_equal_the_qrcode_package() -> None:
    rng = random.Random(14)
    hosts = ["https://ks.example", "http://localhost:8000", "https://kommunalschutz.sachsen-anhalt.example.org",
             "HTTPS://KS.EXAMPLE"]
    urls = [f"{rng.choice(hosts)}/umfrage/?code={codes.new_code()}" for _ in range(60)]
    urls += ["x", "12345678901234567890", "A" * 200, "ÄÖÜß" * 10]
    for url, matrix in zip(urls, qr.matrices(urls), strict=True):
        expected = qrcode.QRCode(box_size=1, border=4)
        expected.add_data(url)
        expected.make(fit=True)
        assert np.array_equal(matrix, np.array(expected.get_matrix(), dtype=bool)), url
