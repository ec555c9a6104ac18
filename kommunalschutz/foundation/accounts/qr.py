"""QR codes and secrets for setting up an authenticator app."""

from __future__ import annotations

import base64
import io
from typing import Any

import qrcode
import qrcode.image.svg


def svg(data: str) -> bytes:
    """An SVG QR code with a white background (scanners need the quiet zone to be light)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=10, border=4)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def grouped_secret(device: Any) -> str:
    """The device's secret in base32, in groups of four, as people type it into an app by hand."""
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
