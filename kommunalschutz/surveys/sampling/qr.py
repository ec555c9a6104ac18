"""QR codes for many letters at once: the same modules as the ``qrcode`` package draws, computed with numpy.

``qrcode`` spends about 20 ms per code in pure Python, most of it trying the eight mask patterns; a
thousand letters would take 20 s for their codes alone. Here the codes of a whole batch are built
together: the data codewords come from ``qrcode`` itself (its encoder picks the version and the
segments), the Reed-Solomon error correction, the module placement, the eight masks and their penalty
scores (``qrcode.util.lost_point``, rule by rule) are array operations over the batch. The result is
module for module what ``qrcode.QRCode(border=4).make(fit=True)`` gives (tests compare them), so a letter's
code is the one it always had.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

BORDER = 4
Matrix = npt.NDArray[np.bool_]


@functools.cache
def _gf_tables() -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    from qrcode import base

    exp = np.array([base.gexp(i) for i in range(256)], dtype=np.int64)
    log = np.zeros(256, dtype=np.int64)
    for i in range(1, 256):
        log[i] = base.glog(i)
    return exp, log


def _generator(ec_count: int) -> list[int]:
    from qrcode import LUT, base

    if ec_count in LUT.rsPoly_LUT:
        return list(LUT.rsPoly_LUT[ec_count])
    poly = base.Polynomial([1], 0)
    for i in range(ec_count):
        poly = poly * base.Polynomial([1, base.gexp(i)], 0)
    return [poly[i] for i in range(len(poly))]


def _ec_codewords(data: npt.NDArray[np.int64], ec_count: int) -> npt.NDArray[np.int64]:
    """The Reed-Solomon remainders of each row of ``data`` (the message polynomial times x^ec_count)."""
    exp, log = _gf_tables()
    generator = np.array(_generator(ec_count), dtype=np.int64)
    generator_log = log[generator[1:]]
    rows, length = data.shape
    work = np.zeros((rows, length + ec_count), dtype=np.int64)
    work[:, :length] = data
    for i in range(length):
        factor = work[:, i]
        nonzero = factor != 0
        if not nonzero.any():
            continue
        terms = exp[(log[factor[nonzero]][:, None] + generator_log[None, :]) % 255]
        work[nonzero, i + 1:i + 1 + ec_count] ^= terms
    return work[:, length:]


@functools.cache
def _layout(version: int) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.int64], npt.NDArray[np.int64],
                                   tuple[npt.NDArray[np.bool_], ...]]:
    """Per version: the function modules in test form (format bits light), and the free modules' rows and
    columns in placement order, and the eight masks."""
    import qrcode
    from qrcode import util

    code = qrcode.QRCode(version=version)
    count = code.modules_count = version * 4 + 17
    code.modules = [[None] * count for _ in range(count)]
    code.setup_position_probe_pattern(0, 0)
    code.setup_position_probe_pattern(count - 7, 0)
    code.setup_position_probe_pattern(0, count - 7)
    code.setup_position_adjust_pattern()
    code.setup_timing_pattern()
    code.setup_type_info(True, 0)
    if version >= 7:
        code.setup_type_number(True)
    base = np.array([[bool(m) for m in row] for row in code.modules], dtype=bool)
    rows, cols = [], []
    inc, row = -1, count - 1
    for col in range(count - 1, 0, -2):
        if col <= 6:
            col -= 1
        while True:
            for c in (col, col - 1):
                if code.modules[row][c] is None:
                    rows.append(row)
                    cols.append(c)
            row += inc
            if row < 0 or count <= row:
                row -= inc
                inc = -inc
                break
    grid_r, grid_c = np.indices((count, count))
    masks = tuple(np.vectorize(util.mask_func(m))(grid_r, grid_c).astype(bool) for m in range(8))
    return base, np.array(rows), np.array(cols), masks


@functools.cache
def _final_base(version: int, error_correction: int, mask: int) -> npt.NDArray[np.bool_]:
    """The function modules with the real format (and version) information of ``mask``."""
    import qrcode

    base = _layout(version)[0]
    code = qrcode.QRCode(version=version, error_correction=error_correction)
    count = code.modules_count = version * 4 + 17
    code.modules = [[bool(m) for m in row] for row in base.tolist()]
    code.setup_type_info(False, mask)
    if version >= 7:
        code.setup_type_number(False)
    return np.array(code.modules, dtype=bool).reshape(count, count)


def _run_penalty(cells: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    """Rule 1 along the last axis: each run of five or more equal modules costs its length minus 2."""
    shape = cells.shape[:-1]
    total = np.zeros(shape[:-1], dtype=np.int64)
    length = np.ones(shape, dtype=np.int64)
    for i in range(1, cells.shape[-1]):
        same = cells[..., i] == cells[..., i - 1]
        ended = ~same & (length >= 5)
        total += np.where(ended, length - 2, 0).sum(axis=-1)
        length = np.where(same, length + 1, 1)
    total += np.where(length >= 5, length - 2, 0).sum(axis=-1)
    return total


PATTERN_A = np.array([1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0], dtype=bool)
PATTERN_B = PATTERN_A[::-1].copy()


def _finder_penalty(cells: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    """Rule 3 along the last axis: 40 for each 1:1:3:1:1 pattern with four light modules on one side."""
    span = cells.shape[-1] - 10
    match_a = np.ones((*cells.shape[:-1], span), dtype=bool)
    match_b = match_a.copy()
    for k in range(11):
        window = cells[..., k:k + span]
        match_a &= window == PATTERN_A[k]
        match_b &= window == PATTERN_B[k]
    return np.asarray(40 * (match_a | match_b).sum(axis=(-1, -2)), dtype=np.int64)


def _penalties(candidates: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    """``qrcode.util.lost_point`` of each candidate (shape: ..., n, n)."""
    count = candidates.shape[-1]
    transposed = np.swapaxes(candidates, -1, -2)
    level1 = _run_penalty(candidates) + _run_penalty(transposed)
    a, b = candidates[..., :-1, :-1], candidates[..., :-1, 1:]
    c, d = candidates[..., 1:, :-1], candidates[..., 1:, 1:]
    level2 = 3 * ((a == b) & (a == c) & (a == d)).sum(axis=(-1, -2))
    level3 = _finder_penalty(candidates) + _finder_penalty(transposed)
    dark = candidates.sum(axis=(-1, -2))
    level4 = 10 * np.floor(np.abs(dark / (count ** 2) * 100 - 50) / 5).astype(np.int64)
    return np.asarray(level1 + level2 + level3 + level4)


class _Bits:
    """``qrcode.util.BitBuffer``'s interface (what the data segments write with), on a list of bit strings:
    the original appends bit by bit and takes longer than everything else here together."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0

    def put(self, num: int, length: int) -> None:
        self.parts.append(format(num, f"0{length}b")[-length:] if length else "")
        self.length += length

    def put_bit(self, bit: bool) -> None:
        self.parts.append("1" if bit else "0")
        self.length += 1

    def __len__(self) -> int:
        return self.length

    def to_bytes(self) -> list[int]:
        bits = "".join(self.parts)
        return list(int(bits, 2).to_bytes(len(bits) // 8, "big")) if bits else []


def _encode(url: str, versions: dict[Any, int]) -> tuple[int, int, list[int]]:
    """Version, error correction level and data codewords (before error correction) as ``qrcode`` makes them."""
    import qrcode
    from qrcode import base, exceptions, util

    code = qrcode.QRCode(border=BORDER)
    code.add_data(url)
    key = tuple((chunk.mode, len(chunk)) for chunk in code.data_list)
    if key not in versions:
        code.best_fit()
        versions[key] = int(code.version)
    version = versions[key]
    buffer = _Bits()
    for chunk in code.data_list:
        buffer.put(chunk.mode, 4)
        buffer.put(len(chunk), util.length_in_bits(chunk.mode, version))
        chunk.write(buffer)  # type: ignore[arg-type]  # _Bits has all of BitBuffer that write uses
    blocks = base.rs_blocks(version, code.error_correction)
    bit_limit = sum(block.data_count * 8 for block in blocks)
    if len(buffer) > bit_limit:
        raise exceptions.DataOverflowError("QR code data too long")
    for _ in range(min(bit_limit - len(buffer), 4)):
        buffer.put_bit(False)
    if len(buffer) % 8:
        for _ in range(8 - len(buffer) % 8):
            buffer.put_bit(False)
    for i in range((bit_limit - len(buffer)) // 8):
        buffer.put(util.PAD0 if i % 2 == 0 else util.PAD1, 8)
    return version, int(code.error_correction), buffer.to_bytes()


def matrices(urls: Sequence[str]) -> list[Matrix]:
    """The QR code of each URL as a boolean array (True = dark) with a quiet zone of four modules."""
    from qrcode import base

    versions: dict[Any, int] = {}
    encoded = [_encode(url, versions) for url in urls]
    result: list[Matrix | None] = [None] * len(urls)
    groups: dict[tuple[int, int], list[int]] = {}
    for index, (version, level, _data) in enumerate(encoded):
        groups.setdefault((version, level), []).append(index)
    for (version, level), members in groups.items():
        data = np.array([encoded[i][2] for i in members], dtype=np.int64)
        blocks = base.rs_blocks(version, level)
        data_parts, ec_parts, offset = [], [], 0
        for block in blocks:
            part = data[:, offset:offset + block.data_count]
            offset += block.data_count
            data_parts.append(part)
            ec_parts.append(_ec_codewords(part, block.total_count - block.data_count))
        columns: list[npt.NDArray[np.int64]] = []
        for parts in (data_parts, ec_parts):
            for i in range(max(p.shape[1] for p in parts)):
                columns.extend(p[:, i] for p in parts if i < p.shape[1])
        codewords = np.stack(columns, axis=1).astype(np.uint8)
        bits = np.unpackbits(codewords, axis=1).astype(bool)
        base_test, rows, cols, masks = _layout(version)
        free = len(rows)
        placed = np.zeros((len(members), free), dtype=bool)
        used = min(free, bits.shape[1])
        placed[:, :used] = bits[:, :used]
        stacked_masks = np.stack([mask[rows, cols] for mask in masks])  # 8 x free
        candidates = np.broadcast_to(base_test, (len(members), 8, *base_test.shape)).copy()
        candidates[:, :, rows, cols] = placed[:, None, :] ^ stacked_masks[None, :, :]
        best = np.argmin(_penalties(candidates), axis=1)  # the first of equal scores, as qrcode
        for k, index in enumerate(members):
            mask = int(best[k])
            final = _final_base(version, level, mask).copy()
            final[rows, cols] = placed[k] ^ stacked_masks[mask]
            result[index] = np.pad(final, BORDER, constant_values=False)
    return [matrix for matrix in result if matrix is not None]
