"""Letters laid out once and stamped per person (decision record 0029).

WeasyPrint lays out one template letter whose personal fields hold placeholder tokens. Each person's
fields are then shaped by the same text engine (Pango, through WeasyPrint's own line-drawing function,
so glyphs, kerning and letter spacing are exactly what a full layout would give) and their text
operators replace the placeholders' in the template's content stream; the QR code becomes a small
image of its own. The unchanged parts of the page are stored once and shared by every page (a page's
content is an array of streams), so writing 1,000 letters costs little more than one.

A letter whose field would not be laid out as one line in the template's place (too wide for its box,
surrounding or repeated spaces, a character the letter's font lacks, right-to-left script, invisible
formatting characters) is laid out by WeasyPrint in full, as before, and its pages join the others in
letter-number order. The text of every page is the same as a full layout's (tests compare them).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from kommunalschutz.foundation.core.documents import render_document

# Placeholder words: plain ASCII letters, so they are shaped in the letter's own font, one word each.
TOKENS = {
    "given_names": "Qzgivenzq",
    "family_name": "Qzfamilyzq",
    "street": "Qzstreetzq",
    "postcode": "Qzpostcodezq",
    "city": "Qzcityzq",
    "access_code": "QZCODEZQ",
}
NUMBER_TOKEN = 987654321  # "Lfd. Nr. 987654321": no real sample has a letter with this number
RTL_CLASSES = {"R", "AL", "RLE", "RLO", "RLI", "AN"}


class StampingUnavailable(Exception):
    """The template could not be prepared for stamping; the caller lays out every letter in full."""


@dataclass
class _Slot:
    """One placeholder line of the template: where it is drawn and how a person's line replaces it."""

    text: str  # the line as laid out, with tokens (and a trailing space where HTML keeps one)
    style: Any  # the computed style of its text box
    x: float  # where the line starts (CSS px) ...
    y: float  # ... and its baseline
    right: float  # the right edge of the line's block
    room: float  # the width a line may take without wrapping
    align: str  # "left" or "right"
    tm: bytes  # the template's text matrix operator for this line
    tj: bytes  # the template's text-showing operator
    fonts: frozenset[str]  # the font resources the template line uses


def plain_field(value: str) -> bool:
    """Whether HTML would lay out ``value`` as exactly these characters (no whitespace collapsing, no
    invisible or right-to-left characters), which stamping needs to give the same text."""
    if not value or value != value.strip(" ") or "  " in value:
        return False
    for ch in value:
        if ch != " " and (ch.isspace() or not ch.isprintable()):
            return False
        category = unicodedata.category(ch)
        if category in ("Cf", "Cc", "Co", "Cs", "Cn", "Zl", "Zp", "Mn", "Me", "Mc"):
            return False
        if unicodedata.bidirectional(ch) in RTL_CLASSES:
            return False
    return True


class _Shaper:
    """Draws one line of text exactly as WeasyPrint draws a laid-out line (its own ``draw_first_line`` on a
    scratch stream) and returns the operators. The fonts are the final document's, so the glyphs used
    are embedded with their Unicode mapping."""

    def __init__(self) -> None:
        self.fonts: dict[Any, Any] = {}

    def draw(self, text: str, style: Any, x: float, y: float) -> tuple[list[bytes], float]:
        import pydyf  # type: ignore[import-untyped]
        from weasyprint.draw.text import draw_first_line
        from weasyprint.matrix import Matrix
        from weasyprint.pdf.stream import Stream
        from weasyprint.text.line_break import create_layout, line_size

        layout = create_layout(text, style, None, None, 0)
        first_line, index = layout.get_first_line()
        if index is not None:
            raise _NotOneLine
        width, _height = line_size(first_line, style)
        resources = pydyf.Dictionary({"ExtGState": pydyf.Dictionary(), "XObject": pydyf.Dictionary(),
                                      "Pattern": pydyf.Dictionary(), "Shading": pydyf.Dictionary()})
        stream = Stream(self.fonts, (0, 0, 1, 1), resources, {}, None, {}, compress=False)
        draw_first_line(stream, SimpleNamespace(text=text, style=style, pango_layout=layout), "clip", "none",
                        Matrix(d=-1, e=x, f=y))
        return [_bytes(op) for op in stream.stream], float(width)


class _NotOneLine(Exception):
    pass


def _bytes(item: Any) -> bytes:
    from pydyf import _to_bytes

    return bytes(_to_bytes(item))


def _fonts(ops: list[bytes]) -> frozenset[str]:
    return frozenset(op.split(b" ")[0].decode() for op in ops if op.endswith(b" Tf"))


def _lines(box: Any, block: Any, line: Any) -> Any:
    """Every text box of the page with its nearest block box and line box."""
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.TextBox):
        yield box, block, line
    if isinstance(box, boxes.LineBox):
        line = box
    elif isinstance(box, boxes.BlockBox):
        block = box
    for child in getattr(box, "children", ()):
        yield from _lines(child, block, line)


def _markers() -> list[str]:
    return [*TOKENS.values(), str(NUMBER_TOKEN)]


def find_slots(document: Any, shaper: _Shaper) -> list[_Slot]:
    """The placeholder lines of the laid-out template letter, in the order they are drawn."""
    if len(document.pages) != 1:
        raise StampingUnavailable("the template letter does not fit on one page")
    slots = []
    for box, block, line in _lines(document.pages[0]._page_box, None, None):
        if not any(marker in box.text for marker in _markers()):
            continue
        text = box.pango_layout.text
        x, y = box.position_x, box.position_y + box.baseline
        ops, _width = shaper.draw(text, box.style, x, y)
        tj = [op for op in ops if op.endswith(b"TJ")]
        tm = [op for op in ops if op.endswith(b"Tm")]
        align = str(box.style["text_align_all"])
        if (len(tj) != 1 or len(tm) != 1 or sum(1 for _ in _lines(line, None, None)) != 1
                or block is None
                or align not in ("left", "start", "right", "end")):
            raise StampingUnavailable(f"unexpected layout of the placeholder line {text!r}")
        right = block.content_box_x() + block.width
        align = "right" if align in ("right", "end") else "left"
        room = block.width if align == "right" else right - x
        slots.append(_Slot(text=text, style=box.style, x=x, y=y, right=right, room=room, align=align,
                           tm=tm[0], tj=tj[0], fonts=_fonts(ops)))
    found = " ".join(slot.text for slot in slots)
    if any(found.count(marker) != 1 for marker in _markers()):
        raise StampingUnavailable("a placeholder is missing or repeated in the template")
    return slots


def member_texts(slots: Sequence[_Slot], member: Any) -> list[str] | None:
    """The lines of ``member`` in the template's slots, or None when the fields are not plain."""
    values = {token: str(getattr(member, name)) for name, token in TOKENS.items()}
    if not all(plain_field(value) for value in values.values()):
        return None
    texts = []
    for slot in slots:
        text = slot.text.replace(str(NUMBER_TOKEN), str(int(member.number)))
        for token, value in values.items():
            text = text.replace(token, value)
        texts.append(text)
    return texts


@dataclass
class _Stamp:
    ops: dict[int, bytes] = field(default_factory=dict)  # template operator index -> replacement


def _shape_member(shaper: _Shaper, slots: Sequence[_Slot], member: Any,
                  slot_indices: Sequence[tuple[int, int]]) -> _Stamp | None:
    texts = member_texts(slots, member)
    if texts is None:
        return None
    stamp = _Stamp()
    for slot, text, (tm_index, tj_index) in zip(slots, texts, slot_indices, strict=True):
        try:
            ops, width = shaper.draw(text, slot.style, slot.x, slot.y)
        except _NotOneLine:
            return None
        # A full layout would wrap a line that does not fit (a pixel to spare keeps rounding on our side).
        if width > slot.room - 1 or _fonts(ops) != slot.fonts:
            return None
        if slot.align == "right":
            ops, _width = shaper.draw(text, slot.style, slot.right - width, slot.y)
        tm = [op for op in ops if op.endswith(b"Tm")]
        tj = [op for op in ops if op.endswith(b"TJ")]
        if len(tm) != 1 or len(tj) != 1:
            return None
        stamp.ops[tm_index] = tm[0]
        stamp.ops[tj_index] = tj[0]
    return stamp


def _qr_image(matrix: Any) -> Any:
    """The QR code as a greyscale image of one pixel per module (drawn at the template's size, unsmoothed)."""
    import numpy as np
    import pydyf

    data = np.where(np.asarray(matrix, dtype=bool), 0, 255).astype(np.uint8).tobytes()
    return pydyf.Stream([data], pydyf.Dictionary({
        "Type": "/XObject", "Subtype": "/Image", "Width": len(matrix[0]), "Height": len(matrix),
        "ColorSpace": "/DeviceGray", "BitsPerComponent": 8, "Interpolate": "false"}), compress=True)


def render_stamped(template_name: str, common: dict[str, Any], letters: Sequence[dict[str, Any]], *,
                   template_qr: str, full_layout: Callable[[dict[str, Any]], dict[str, Any]],
                   on_step: Callable[[str, int], None] | None = None) -> bytes:
    """One PDF of ``letters`` (dicts with "member", "url" and "matrix": the QR code's modules), a page each
    in the given order. ``template_qr`` is the image URI the template is laid out with (any QR code of
    the same size), ``full_layout(letter)`` the template context of a letter laid out in full. Raises
    StampingUnavailable when the template cannot be used; the caller then lays out every letter in full."""
    import pydyf

    placeholder = SimpleNamespace(number=NUMBER_TOKEN, **TOKENS)
    template = render_document(template_name, {**common, "letters": [
        {"member": placeholder, "url": "", "qr": template_qr}]})
    shaper = _Shaper()
    slots = find_slots(template, shaper)
    # Operator positions are only known once the template page is written; shape against provisional
    # indices (the slot's own number) and map them in the finisher.
    provisional = [(2 * i, 2 * i + 1) for i in range(len(slots))]
    stamps: list[_Stamp | None] = []
    for done, letter in enumerate(letters, start=1):
        stamps.append(_shape_member(shaper, slots, letter["member"], provisional))
        if on_step is not None and done % 50 == 0:
            on_step("shaped", done)
    full_pages: dict[int, list[Any]] = {}
    for position, (letter, stamp) in enumerate(zip(letters, stamps, strict=True)):
        if stamp is None:
            document = render_document(template_name, {**common, "letters": [full_layout(letter)]})
            full_pages[position] = list(document.pages)
    if on_step is not None:
        on_step("assembling", len(letters))
    document = template.copy(template.pages + [page for pages in full_pages.values() for page in pages])
    document.fonts = shaper.fonts

    def finish(_document: Any, pdf: Any) -> None:
        kids = pdf.pages["Kids"]
        numbers = [kids[i] for i in range(0, len(kids), 3)]
        template_page = pdf.objects[numbers[0]]
        contents = pdf.objects[int(template_page["Contents"].split()[0])]
        operators = [_bytes(op) for op in contents.stream]
        index_of: dict[int, int] = {}
        for i, slot in enumerate(slots):
            if operators.count(slot.tj) != 1:
                raise StampingUnavailable(f"placeholder line {slot.text!r} not found once in the template")
            tj_index = operators.index(slot.tj)
            tm_index = next(j for j in range(tj_index - 1, -1, -1) if operators[j].endswith(b"Tm"))
            if operators[tm_index] != slot.tm:
                raise StampingUnavailable(f"text position of {slot.text!r} not found in the template")
            index_of[2 * i], index_of[2 * i + 1] = tm_index, tj_index
        draws = [j for j, op in enumerate(operators) if op.endswith(b" Do")]
        if not draws:
            raise StampingUnavailable("no QR code in the template")
        qr_index = draws[-1]  # the QR code is the letter's last image (the crest comes first)
        qr_name = operators[qr_index].split(b" ")[0][1:].decode()
        varying = sorted([*index_of.values(), qr_index])
        # The template's operators between the personal ones, stored once and shared by every page.
        shared = []
        start = 0
        for j in [*varying, len(operators)]:
            segment = pydyf.Stream([*operators[start:j], b""], compress=True)
            pdf.add_object(segment)
            shared.append(segment.reference)
            start = j + 1
        resources = pdf.objects[int(template_page["Resources"].split()[0])]
        images = {name: ref for name, ref in resources["XObject"].items() if name != qr_name}
        full_numbers = iter(numbers[1:])
        new_kids = pydyf.Array()
        for position, (letter, stamp) in enumerate(zip(letters, stamps, strict=True)):
            if stamp is None:
                for _page in full_pages[position]:
                    new_kids.extend([next(full_numbers), 0, "R"])
                continue
            replaced = {index_of[k]: op for k, op in stamp.ops.items()}
            image = _qr_image(letter["matrix"])
            pdf.add_object(image)
            replaced[qr_index] = f"/{qr_name} Do".encode()
            parts = pydyf.Array([shared[0]])
            for k, j in enumerate(varying):
                own = pydyf.Stream([replaced[j], b""])
                pdf.add_object(own)
                parts.extend([own.reference, shared[k + 1]])
            page_resources = pydyf.Dictionary(resources)
            page_resources["XObject"] = pydyf.Dictionary({**images, qr_name: image.reference})
            page = pydyf.Dictionary({**template_page, "Contents": parts, "Resources": page_resources})
            pdf.add_object(page)
            new_kids.extend([page.number, 0, "R"])
        contents.stream = []  # the template page itself is not part of the letters
        pdf.pages["Kids"] = new_kids
        pdf.pages["Count"] = len(new_kids) // 3

    pdf: bytes = document.write_pdf(finisher=finish)
    return pdf
