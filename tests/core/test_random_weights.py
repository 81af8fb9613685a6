"""The random-weight twin of a GGUF (SceneBench's model-lift baseline): same header, valid random data."""
from __future__ import annotations

import struct

import numpy as np
import pytest

from worldsmith.benchmarks import random_weights as rw
from worldsmith.benchmarks.scenebench import split
from worldsmith.generation import gguf


def _string(s: str) -> bytes:
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def _tiny_gguf(path, tensors):
    """A minimal GGUF v3: one metadata key, ``tensors`` = [(name, dims, type)] laid out back to back."""
    head = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), 1)
    head += _string("general.architecture") + struct.pack("<I", 8) + _string("tiny")
    offset, body = 0, []
    for name, dims, ttype in tensors:
        block, nbytes = gguf._TYPE_SIZE[ttype]
        size = int(np.prod(dims)) // block * nbytes
        head += _string(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        head += struct.pack("<IQ", ttype, offset)
        body.append(size)
        offset += (size + 31) // 32 * 32
    head += b"\0" * ((-len(head)) % 32)
    path.write_bytes(head + b"\x11" * offset)
    return len(head)


@pytest.mark.parametrize("ttype", [0, 1, 2, 6, 8, 12, 13, 14])
def test_random_blocks_have_finite_scales(ttype):
    rng = np.random.default_rng(1)
    block, nbytes = (1, 4) if ttype == 0 else gguf._TYPE_SIZE[ttype]
    data = rw.random_tensor_bytes(ttype, 512, rng)
    assert len(data) == 512 // block * nbytes
    if ttype in rw._F16_FIELDS:
        blocks = np.frombuffer(data, np.uint8).reshape(-1, nbytes)
        for off in rw._F16_FIELDS[ttype]:
            scales = blocks[:, off:off + 2].copy().view("<f2")
            assert np.isfinite(scales).all() and (scales > 0).all()
    elif ttype in (0, 1):
        vals = np.frombuffer(data, "<f4" if ttype == 0 else "<f2")
        assert np.isfinite(vals).all() and 0.005 < float(np.std(vals)) < 0.05


def test_twin_keeps_the_header_and_replaces_the_data(tmp_path):
    src = tmp_path / "tiny.gguf"
    start = _tiny_gguf(src, [("a", [64, 2], 0), ("b", [256, 2], 12), ("c", [32, 4], 8)])
    dst = rw.write_random_twin(src, tmp_path / "twin.gguf", seed=3)
    a, b = src.read_bytes(), dst.read_bytes()
    assert len(a) == len(b) and a[:start] == b[:start] and a[start:] != b[start:]
    assert gguf.inspect(str(dst))["architecture"] == "tiny"
    assert rw.write_random_twin(src, tmp_path / "again.gguf", seed=3).read_bytes() == b   # deterministic


def test_unknown_quant_type_is_a_clear_error():
    with pytest.raises(gguf.GGUFError, match="ggml type 99"):
        rw.random_tensor_bytes(99, 32, np.random.default_rng(0))


def test_split_is_stratified_stable_and_at_least_30_percent():
    rows = [{"id": f"{c}-{i:03d}", "category": c} for c in ("count", "color", "kind") for i in range(1, 11 + len(c))]
    where = split.assign(rows)
    for c in ("count", "color", "kind"):
        ids = [r["id"] for r in rows if r["category"] == c]
        held = [i for i in ids if where[i] == "heldout"]
        assert len(held) >= 0.3 * len(ids) and len(held) < len(ids)
    more = rows + [{"id": "count-999", "category": "count"}]
    moved = [i for i, s in split.assign(more).items() if i in where and s != where[i]]
    assert len(moved) <= 1      # a new prompt moves at most the one prompt at the category's boundary
    assert split.assign(rows) == where


def test_model_lift_is_real_minus_random():
    real = {"all_pass": 0.9, "explicit_pass": 0.95, "constraint_rate": 0.98,
            "splits": {"heldout": {"all_pass": 0.8, "explicit_pass": 0.9, "constraint_rate": 0.97}}}
    rand = {"all_pass": 0.85, "explicit_pass": 0.9, "constraint_rate": None,
            "splits": {"heldout": {"all_pass": 0.8, "explicit_pass": 0.7, "constraint_rate": 0.9}}}
    lift = split.lift(real, rand)
    assert lift["all"] == {"all_pass": 0.05, "explicit_pass": 0.05, "constraint_rate": None, "implied_rate": None}
    assert lift["heldout"]["explicit_pass"] == 0.2 and "dev" not in lift
