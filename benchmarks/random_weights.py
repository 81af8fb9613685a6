"""A random-weight twin of a GGUF model: the same header (architecture, shapes,
quantisation types and tokenizer, byte for byte) with every tensor's data
replaced by random values. SceneBench runs it through the same pipeline as the
real model (``worldsmith bench scenebench --random-weights``): what the real
model scores above this twin is what the model itself adds ("model lift").

Written at bench time into a cache folder, never committed. The random data is
valid for each quantisation type: the fp16 scales inside a block are small
finite numbers (random bytes would be NaN or inf now and then), the quants are
random bytes. Deterministic for a seed.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..files.atomic import atomic_path
from ..generation import gguf

# ggml type -> byte offsets of the fp16 scale fields inside one block (the rest is random quants/scales)
_F16_FIELDS = {
    2: (0,), 3: (0, 2), 6: (0,), 7: (0, 2), 8: (0,), 9: (0, 2),      # Q4_0 Q4_1 Q5_0 Q5_1 Q8_0 Q8_1
    10: (80, 82), 11: (108,), 12: (0, 2), 13: (0, 2), 14: (208,),    # Q2_K Q3_K Q4_K Q5_K Q6_K
}
_STD = 0.02            # spread of float weights; fp16 block scales are drawn from [0.5, 1.5] x _SCALE
_SCALE = 0.002


def tensor_table(path: str) -> tuple[int, list[tuple[str, list[int], int, int]]]:
    """(data_start, [(name, dims, ggml type, offset)]) of a GGUF file (checked by ``gguf.inspect`` first)."""
    gguf.inspect(path)
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        r = gguf._Reader(f, size, path)
        r.read(4)
        r.unpack("<I")
        n_tensors, n_kv = r.unpack("<Q"), r.unpack("<Q")
        meta = {}
        for _ in range(n_kv):
            key = r.string()
            meta[key] = r.value(r.unpack("<I"))
        table = []
        for _ in range(n_tensors):
            name = r.string()
            dims = [r.unpack("<Q") for _ in range(r.unpack("<I"))]
            table.append((name, dims, r.unpack("<I"), r.unpack("<Q")))
        alignment = int(meta.get("general.alignment") or 32)
        data_start = (f.tell() + alignment - 1) // alignment * alignment
    return data_start, table


def random_tensor_bytes(ttype: int, n_elems: int, rng: np.random.Generator) -> bytes:
    """Valid random data for ``n_elems`` elements of ggml type ``ttype``."""
    if ttype == 0:
        return rng.normal(0.0, _STD, n_elems).astype("<f4").tobytes()
    if ttype == 1:
        return rng.normal(0.0, _STD, n_elems).astype("<f2").tobytes()
    if ttype == 30:   # bf16: the top half of an f32
        return (rng.normal(0.0, _STD, n_elems).astype("<f4").view("<u4") >> 16).astype("<u2").tobytes()
    if ttype not in _F16_FIELDS:
        raise gguf.GGUFError(f"no random-data recipe for ggml type {ttype}")
    block, nbytes = gguf._TYPE_SIZE[ttype]
    n_blocks = n_elems // block
    data = rng.integers(0, 256, size=(n_blocks, nbytes), dtype=np.uint8)
    for off in _F16_FIELDS[ttype]:
        scales = (rng.uniform(0.5, 1.5, n_blocks) * _SCALE).astype("<f2")
        data[:, off:off + 2] = scales.view(np.uint8).reshape(n_blocks, 2)
    return data.tobytes()


def write_random_twin(src: str | Path, dst: str | Path, seed: int = 0) -> Path:
    """Write ``dst``: ``src``'s header unchanged, every tensor filled with random data."""
    src, dst = str(src), Path(dst)
    data_start, table = tensor_table(src)
    size = os.path.getsize(src)
    rng = np.random.default_rng(seed)
    dst.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(dst, ".partial") as tmp:
        with open(src, "rb") as f, open(tmp, "wb") as out:
            out.write(f.read(data_start))
            out.truncate(size)      # zero padding between tensors; tensors are written over it
            for _, dims, ttype, offset in sorted(table, key=lambda t: t[3]):
                n = int(np.prod(dims)) if dims else 1
                out.seek(data_start + offset)
                out.write(random_tensor_bytes(ttype, n, rng))
    gguf.inspect(str(dst))
    return dst


def random_twin_path(src: str | Path, seed: int = 0) -> Path:
    """The cached random twin of ``src`` (written on first use, next to the models cache)."""
    from ..generation.model_files import cache_dir
    src = Path(src)
    st = src.stat()
    dst = cache_dir() / "random-weights" / f"{src.stem}.random-s{seed}-{st.st_size}.gguf"
    if not dst.exists():
        write_random_twin(src, dst, seed)
    return dst
