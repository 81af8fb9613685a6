"""Image files and pictures made of images, with numpy only (no bpy, no PIL).

* ``write_png`` / ``read_png``: 8- or 16-bit grayscale, RGB or RGBA PNGs, row 0 at the top.
* ``thumbnail``: nearest-neighbour resize.
* ``contact_sheet``: equal-size tiles in a grid, optionally labelled in a small 5x7 font.

Reading a *Blender* image (a render Blender wrote) into numpy is ``blender/images.py``.
"""
from __future__ import annotations

import math
import os
import struct
import zlib
from pathlib import Path

import numpy as np

# --------------------------------------------------------------------------- PNG

def write_png(path: str | os.PathLike, img: np.ndarray, level: int = 6) -> None:
    """Write a uint8/uint16 image, (h, w) grayscale or (h, w, 3|4) colour, row 0 at the top.

    Rows use PNG filter 2 ("Up": each byte minus the byte above), which packs rendered
    images and masks far smaller than no filter. The parent folder is created.
    """
    img = np.ascontiguousarray(img)
    if img.dtype not in (np.uint8, np.uint16):
        raise ValueError("write_png takes uint8 or uint16 arrays")
    h, w = img.shape[:2]
    ch = 1 if img.ndim == 2 else img.shape[2]
    ctype = {1: 0, 3: 2, 4: 6}[ch]
    depth = 8 if img.dtype == np.uint8 else 16
    rows = img.astype(">u2" if depth == 16 else np.uint8).reshape(h, -1).view(np.uint8)
    up = rows.copy()
    up[1:] = rows[1:] - rows[:-1]   # uint8 arithmetic wraps modulo 256, as PNG wants
    raw = np.hstack([np.full((h, 1), 2, np.uint8), up]).tobytes()

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, level)) + chunk(b"IEND", b""))
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_bytes(png)


def read_png(path: str | os.PathLike) -> np.ndarray:
    """Read a non-interlaced PNG as written by ``write_png`` (any filter; no palette)."""
    data = Path(path).read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path} is not a PNG file")
    pos, idat, hdr = 8, [], None
    while pos < len(data):
        (n,) = struct.unpack_from(">I", data, pos)
        tag = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + n]
        if tag == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif tag == b"IDAT":
            idat.append(body)
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    ch = {0: 1, 2: 3, 4: 2, 6: 4}.get(ctype)
    if ch is None or interlace or depth not in (8, 16):
        raise ValueError(f"{path}: unsupported PNG layout")
    bpp = ch * depth // 8
    raw = np.frombuffer(zlib.decompress(b"".join(idat)), np.uint8).reshape(h, 1 + w * bpp)
    out = np.zeros((h, w * bpp), np.int32)
    prev = np.zeros(w * bpp, np.int32)
    for y in range(h):
        f, line = raw[y, 0], raw[y, 1:].astype(np.int32)
        if f == 2:
            line = (line + prev) & 255
        elif f in (1, 3, 4):
            cur = np.zeros_like(line)
            for x in range(len(line)):
                a = cur[x - bpp] if x >= bpp else 0
                b = prev[x]
                c = prev[x - bpp] if x >= bpp else 0
                if f == 1:
                    pred = a
                elif f == 3:
                    pred = (a + b) // 2
                else:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                cur[x] = (line[x] + pred) & 255
            line = cur
        out[y] = line
        prev = line
    arr = out.astype(np.uint8)
    if depth == 16:
        arr = arr.reshape(h, -1, 2)
        arr = (arr[..., 0].astype(np.uint16) << 8) | arr[..., 1]
    return arr.reshape(h, w) if ch == 1 else arr.reshape(h, w, ch)


# --------------------------------------------------------------------------- pictures

def thumbnail(img: np.ndarray, width: int, height: int | None = None) -> np.ndarray:
    """Nearest-neighbour resize to ``width`` (and ``height``, default keeping the aspect ratio)."""
    h, w = img.shape[:2]
    th = height or max(1, round(h * width / w))
    ys = np.minimum((np.arange(th) * h) // th, h - 1)
    xs = np.minimum((np.arange(width) * w) // width, w - 1)
    return img[ys][:, xs]


_FONT = {
    "a": "01110 10001 10001 11111 10001 10001 10001", "b": "11110 10001 10001 11110 10001 10001 11110",
    "c": "01110 10001 10000 10000 10000 10001 01110", "d": "11110 10001 10001 10001 10001 10001 11110",
    "e": "11111 10000 10000 11110 10000 10000 11111", "f": "11111 10000 10000 11110 10000 10000 10000",
    "g": "01110 10001 10000 10111 10001 10001 01111", "h": "10001 10001 10001 11111 10001 10001 10001",
    "i": "01110 00100 00100 00100 00100 00100 01110", "j": "00111 00010 00010 00010 00010 10010 01100",
    "k": "10001 10010 10100 11000 10100 10010 10001", "l": "10000 10000 10000 10000 10000 10000 11111",
    "m": "10001 11011 10101 10101 10001 10001 10001", "n": "10001 10001 11001 10101 10011 10001 10001",
    "o": "01110 10001 10001 10001 10001 10001 01110", "p": "11110 10001 10001 11110 10000 10000 10000",
    "q": "01110 10001 10001 10001 10101 10010 01101", "r": "11110 10001 10001 11110 10100 10010 10001",
    "s": "01111 10000 10000 01110 00001 00001 11110", "t": "11111 00100 00100 00100 00100 00100 00100",
    "u": "10001 10001 10001 10001 10001 10001 01110", "v": "10001 10001 10001 10001 10001 01010 00100",
    "w": "10001 10001 10001 10101 10101 10101 01010", "x": "10001 10001 01010 00100 01010 10001 10001",
    "y": "10001 10001 01010 00100 00100 00100 00100", "z": "11111 00001 00010 00100 01000 10000 11111",
    "0": "01110 10001 10011 10101 11001 10001 01110", "1": "00100 01100 00100 00100 00100 00100 01110",
    "2": "01110 10001 00001 00010 00100 01000 11111", "3": "11110 00001 00001 01110 00001 00001 11110",
    "4": "00010 00110 01010 10010 11111 00010 00010", "5": "11111 10000 11110 00001 00001 10001 01110",
    "6": "00110 01000 10000 11110 10001 10001 01110", "7": "11111 00001 00010 00100 01000 01000 01000",
    "8": "01110 10001 10001 01110 10001 10001 01110", "9": "01110 10001 10001 01111 00001 00010 01100",
    "_": "00000 00000 00000 00000 00000 00000 11111", " ": "00000 00000 00000 00000 00000 00000 00000",
    "-": "00000 00000 00000 11111 00000 00000 00000", ".": "00000 00000 00000 00000 00000 01100 01100",
}
_GLYPHS = {c: np.array([[b == "1" for b in row] for row in g.split()], dtype=bool) for c, g in _FONT.items()}


def text_mask(text: str, scale: int = 2) -> np.ndarray:
    """A boolean image (rows top-down) of ``text`` in the 5x7 font, one pixel of spacing."""
    cols = []
    for ch in text.lower():
        cols.append(_GLYPHS.get(ch, _GLYPHS[" "]))
        cols.append(np.zeros((7, 1), dtype=bool))
    m = np.concatenate(cols[:-1], axis=1) if cols else np.zeros((7, 1), dtype=bool)
    return np.kron(m, np.ones((scale, scale), dtype=bool))


def label(tile: np.ndarray, text: str, scale: int = 2) -> None:
    """Write ``text`` in white on a dark band along the bottom of ``tile`` (H, W, 3 uint8, top-down)."""
    m = text_mask(text, scale)
    h, w = tile.shape[:2]
    band = m.shape[0] + 2 * scale + 2
    tile[h - band:] = (tile[h - band:].astype(np.uint16) * 2 // 5).astype(np.uint8)
    m = m[:, : w - 2 * scale]
    y0, x0 = h - band + scale + 1, 2 * scale
    tile[y0:y0 + m.shape[0], x0:x0 + m.shape[1]][m] = 255


def contact_sheet(images: list[np.ndarray], columns: int | None = None, pad: int = 2, bg: int = 24,
                  labels: list[str] | None = None) -> np.ndarray:
    """Equal-size uint8 RGB tiles in a grid on a dark background (row-major, in the order given).

    ``columns`` defaults to a roughly square sheet; ``labels`` writes a caption on each tile.
    """
    if not images:
        return np.zeros((16, 16, 3), np.uint8)
    th, tw = images[0].shape[:2]
    cols = columns or max(1, math.ceil(math.sqrt(len(images) * th / max(tw, 1))))
    rows = math.ceil(len(images) / cols)
    out = np.full((rows * (th + pad) + pad, cols * (tw + pad) + pad, 3), bg, np.uint8)
    for i, im in enumerate(images):
        r, c = divmod(i, cols)
        y, x = pad + r * (th + pad), pad + c * (tw + pad)
        out[y:y + th, x:x + tw] = im[:th, :tw, :3]
        if labels:
            label(out[y:y + th, x:x + tw], labels[i])
    return out
