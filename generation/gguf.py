"""A small GGUF header reader, so a bad model file is refused with a clear
message before llama.cpp ever sees it (a truncated file or random bytes must
never take Blender down with it)."""
from __future__ import annotations

import os
import struct

# ggml type -> (block size in elements, bytes per block)
_TYPE_SIZE = {
    0: (1, 4), 1: (1, 2), 2: (32, 18), 3: (32, 20), 6: (32, 22), 7: (32, 24), 8: (32, 34), 9: (32, 36),
    10: (256, 84), 11: (256, 110), 12: (256, 144), 13: (256, 176), 14: (256, 210), 15: (256, 292),
    16: (256, 66), 17: (256, 74), 18: (256, 98), 19: (256, 50), 20: (32, 18), 21: (256, 110), 22: (256, 82),
    23: (256, 136), 24: (1, 1), 25: (1, 2), 26: (1, 4), 27: (1, 8), 28: (1, 8), 29: (256, 56), 30: (1, 2),
}
_SCALAR = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}


class GGUFError(ValueError):
    pass


class _Reader:
    def __init__(self, f, size: int, path: str = "the model file"):
        self.f, self.size, self.path = f, size, path

    def read(self, n: int) -> bytes:
        if n < 0 or self.f.tell() + n > self.size:
            raise GGUFError(f"{self.path} is truncated: it ends in the middle of its GGUF header")
        return self.f.read(n)

    def unpack(self, fmt: str):
        return struct.unpack(fmt, self.read(struct.calcsize(fmt)))[0]

    def string(self) -> str:
        n = self.unpack("<Q")
        if n > 1 << 24:
            raise GGUFError("implausible string length in header (corrupt file)")
        return self.read(n).decode("utf-8", "replace")

    def skip_strings(self, n: int) -> None:
        """Step over ``n`` length-prefixed strings, checking each length against the file."""
        f, pos, size = self.f, self.f.tell(), self.size
        buf, base = b"", pos          # buf holds the file's bytes from offset base
        for _ in range(n):
            if pos + 8 - base > len(buf):
                f.seek(pos)
                buf, base = f.read(1 << 20), pos
                if len(buf) < 8:
                    raise GGUFError(f"{self.path} is truncated: it ends in the middle of its GGUF header")
            (k,) = struct.unpack_from("<Q", buf, pos - base)
            if k > 1 << 24:
                raise GGUFError("implausible string length in header (corrupt file)")
            pos += 8 + k
            if pos > size:
                raise GGUFError(f"{self.path} is truncated: it ends in the middle of its GGUF header")
        f.seek(pos)

    def value(self, vtype: int):
        if vtype in _SCALAR:
            return self.unpack(_SCALAR[vtype])
        if vtype == 8:
            return self.string()
        if vtype == 9:
            itype, n = self.unpack("<I"), self.unpack("<Q")
            if n > 1 << 26:
                raise GGUFError("implausible array length in header (corrupt file)")
            if itype in _SCALAR:
                self.read(struct.calcsize(_SCALAR[itype]) * n)
                return None
            if itype == 8:      # e.g. the 262k-token vocabulary: only checked and skipped, never decoded
                self.skip_strings(n)
                return None
            return [self.value(itype) for _ in range(n)]
        raise GGUFError(f"unknown metadata type {vtype} (corrupt file)")


def inspect(path: str) -> dict:
    """Check that ``path`` is a complete GGUF file; return a few facts about it.

    Raises ``GGUFError`` (a ``ValueError``) with a readable message otherwise.
    """
    if not os.path.isfile(path):
        raise GGUFError(f"model file not found: {path}")
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        r = _Reader(f, size, path)
        if size < 24 or r.read(4) != b"GGUF":
            raise GGUFError(f"{path} is not a GGUF model file (wrong magic bytes)")
        version = r.unpack("<I")
        if version not in (2, 3):
            raise GGUFError(f"{path}: unsupported GGUF version {version}")
        n_tensors, n_kv = r.unpack("<Q"), r.unpack("<Q")
        if n_tensors > 1 << 20 or n_kv > 1 << 20:
            raise GGUFError(f"{path}: implausible header counts (corrupt file)")
        meta = {}
        for _ in range(n_kv):
            key = r.string()
            meta[key] = r.value(r.unpack("<I"))
        alignment = int(meta.get("general.alignment") or 32)
        end = 0
        for _ in range(n_tensors):
            r.string()
            n_dims = r.unpack("<I")
            if n_dims > 8:
                raise GGUFError(f"{path}: corrupt tensor table")
            dims = [r.unpack("<Q") for _ in range(n_dims)]
            ttype, offset = r.unpack("<I"), r.unpack("<Q")
            n = 1
            for d in dims:
                n *= d
            block, nbytes = _TYPE_SIZE.get(ttype, (1, 0))
            end = max(end, offset + (n // block) * nbytes)
        data_start = (f.tell() + alignment - 1) // alignment * alignment
    if data_start + end > size:
        raise GGUFError(f"{path} is truncated: {size} bytes, but its tensors need {data_start + end}")
    return {"version": version, "tensors": n_tensors, "architecture": meta.get("general.architecture"),
            "name": meta.get("general.name"), "size": size}
