"""German number formats for everything a person reads (pages, PDFs, chart labels, export headers).

Thousands are grouped with a full stop and decimals follow a comma, whatever language is active:
``german_number(23800, 2) == "23.800,00"``. Templates use Django's ``floatformat:"2g"`` and
``intcomma`` (humanize) for the same result; ``USE_THOUSAND_SEPARATOR`` stays off, because it would also
group the years, ids, codes and page numbers that templates print as plain integers ("2.024",
"/faelle/1.234/"). Machine-readable CSV/XLSX values stay plain numbers (decision 0023).
"""

from __future__ import annotations

import math


def german_number(value: float | int, digits: int = 0) -> str:
    """``value`` with ``digits`` decimals, "." between thousands and "," before the decimals."""
    if isinstance(value, float) and not math.isfinite(value):
        return "\N{EN DASH}"
    text = f"{value:,.{digits}f}"
    if text.lstrip("-").strip("0,.") == "":  # -0.0 rounds to "-0,0": no sign on zero
        text = text.lstrip("-")
    return text.translate(str.maketrans(",.", ".,"))


def german_percent(share: float, digits: int = 1) -> str:
    """A share (0..1) in per cent with a non-breaking space before the sign: ``"12,5 %"``."""
    return german_number(100 * share, digits) + "\u00a0%"
