"""A small reader for the uncompressed multi-part OpenEXR files Blender writes for render passes.

Blender's ``Image.save_render`` with ``media_type = 'MULTI_LAYER_IMAGE'``, codec NONE and
32-bit float writes one part per pass; ``read_exr_part`` returns one part's first
channel with numpy, so no OpenEXR package is needed.
"""
from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np

INDEX_PART = "Object Index"


class ExrError(ValueError):
    """The EXR file is not one this small reader understands."""


def _exr_header(data: bytes, pos: int) -> tuple[dict, int]:
    attrs = {}
    while data[pos] != 0:
        e = data.index(b"\0", pos)
        name = data[pos:e].decode()
        pos = e + 1
        e = data.index(b"\0", pos)
        typ = data[pos:e].decode()
        pos = e + 1
        (size,) = struct.unpack_from("<i", data, pos)
        pos += 4
        attrs[name] = (typ, data[pos:pos + size])
        pos += size
    return attrs, pos + 1


def _exr_channels(raw: bytes) -> list[tuple[str, int]]:
    out, q = [], 0
    while raw[q] != 0:
        e = raw.index(b"\0", q)
        name = raw[q:e].decode()
        (ptype,) = struct.unpack_from("<i", raw, e + 1)
        out.append((name, ptype))
        q = e + 17
    return out


def read_exr_part(path: str | os.PathLike, part_suffix: str = INDEX_PART) -> np.ndarray:
    """The first channel of the part (or channel prefix) whose name ends with ``part_suffix``,
    as a float32 ``(height, width)`` array, row 0 at the top of the image.

    Reads uncompressed scanline EXR files, single- or multi-part (what Blender
    writes with ``exr_codec='NONE'``); anything else raises ``ExrError``."""
    data = Path(path).read_bytes()
    if data[:4] != b"\x76\x2f\x31\x01":
        raise ExrError(f"{path} is not an OpenEXR file")
    (flags,) = struct.unpack_from("<I", data, 4)
    if flags & 0x200:
        raise ExrError("tiled EXR files are not supported")
    multipart = bool(flags & 0x1000)
    parts, pos = [], 8
    while True:
        attrs, pos = _exr_header(data, pos)
        parts.append(attrs)
        if not multipart or data[pos] == 0:
            break
    if multipart:
        pos += 1
    tables = []
    for attrs in parts:
        x0, y0, x1, y1 = struct.unpack("<4i", attrs["dataWindow"][1])
        h = y1 - y0 + 1
        n = struct.unpack("<i", attrs["chunkCount"][1])[0] if "chunkCount" in attrs else h
        tables.append(struct.unpack_from(f"<{n}Q", data, pos))
        pos += 8 * n
    for pi, attrs in enumerate(parts):
        chans = _exr_channels(attrs["channels"][1])
        pname = attrs.get("name", ("", b""))[1].decode()
        want = [i for i, (c, _) in enumerate(chans)
                if pname.endswith(part_suffix) or c.rsplit(".", 1)[0].endswith(part_suffix)]
        if not want:
            continue
        if attrs["compression"][1] != b"\x00":
            raise ExrError("compressed EXR files are not supported (write with exr_codec='NONE')")
        x0, y0, x1, y1 = struct.unpack("<4i", attrs["dataWindow"][1])
        w, h = x1 - x0 + 1, y1 - y0 + 1
        sizes = [2 if t == 1 else 4 for _, t in chans]
        dtypes = ["<u4", "<f2", "<f4"]
        ci = want[0]
        start = sum(sizes[:ci]) * w
        out = np.zeros((h, w), np.float32)
        head = 12 if multipart else 8
        for off in tables[pi]:
            y = struct.unpack_from("<i", data, off + head - 8)[0]
            out[y - y0] = np.frombuffer(data, dtypes[chans[ci][1]], w, off + head + start)
        return out
    raise ExrError(f"{path} has no {part_suffix!r} pass")
