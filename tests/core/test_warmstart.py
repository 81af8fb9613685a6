"""Warm-start caches without the model: the model file's hash note and the token table."""
from __future__ import annotations

import hashlib
import os

import pytest

from worldsmith.generation import warmstart


@pytest.fixture
def warm_root(tmp_path, monkeypatch):
    root = tmp_path / "warm"
    monkeypatch.setattr(warmstart, "cache_root", lambda: root)
    return root


def test_a_model_replaced_under_the_same_name_is_hashed_again(tmp_path, warm_root):
    model = tmp_path / "model.gguf"
    model.write_bytes(b"A" * 4096)
    first = hashlib.sha256(b"A" * 4096).hexdigest()
    assert warmstart.file_sha256(model) == (first, False)
    assert warmstart.file_sha256(model) == (first, True)          # remembered
    st = model.stat()
    # same name, same size, same mtime: a new file (another inode) is still hashed again
    other = tmp_path / "other.gguf"
    other.write_bytes(b"B" * 4096)
    os.utime(other, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(other, model)
    assert model.stat().st_size == st.st_size and model.stat().st_mtime_ns == st.st_mtime_ns
    assert warmstart.file_sha256(model) == (hashlib.sha256(b"B" * 4096).hexdigest(), False)
    # rewritten in place with a new mtime: hashed again
    model.write_bytes(b"C" * 4096)
    os.utime(model, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert warmstart.file_sha256(model)[0] == hashlib.sha256(b"C" * 4096).hexdigest()
    # a garbled note is ignored, never believed
    for note in (warm_root / "hashes").glob("*.json"):
        note.write_text('{"key": 1, "sha256": "0000"')
    assert warmstart.file_sha256(model) == (hashlib.sha256(b"C" * 4096).hexdigest(), False)


def test_the_token_table_cache_is_checked_and_rebuilt_when_corrupt(warm_root):
    table = [b"", b"\xffspecial", b"hello", bytes(range(256)) * 3]
    calls = []

    def build():
        calls.append(1)
        return list(table)

    key = {"model_sha256": "x" * 64, "llguidance": "1.9.1"}
    assert warmstart.token_table(key, build) == (table, False)
    assert warmstart.token_table(key, build) == (table, True) and len(calls) == 1
    assert warmstart.token_table({**key, "llguidance": "2.0"}, build) == (table, False)   # another library
    data = next((warm_root / "tokens").glob("*.bin"))
    for damage in (lambda b: b[:-3], lambda b: b[:10] + bytes([b[10] ^ 0xFF]) + b[11:], lambda b: b"garbage"):
        data = next(p for p in (warm_root / "tokens").glob("*.bin")
                    if warmstart._entry_paths("tokens", {**key, **warmstart.TABLE_LAYOUT}, ".bin")[0] == p)
        data.write_bytes(damage(data.read_bytes()))
        n = len(calls)
        assert warmstart.token_table(key, build) == (table, False) and len(calls) == n + 1
        assert warmstart.token_table(key, build) == (table, True)                     # rewritten
    assert warmstart._unpack(warmstart._pack(table)) == table
    with pytest.raises(ValueError):
        warmstart._unpack(warmstart._pack(table) + b"x")


def test_an_unwritable_cache_costs_speed_not_a_failure(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(warmstart, "cache_root", lambda: blocker / "warm")
    model = tmp_path / "m.gguf"
    model.write_bytes(b"x")
    assert warmstart.file_sha256(model) == (hashlib.sha256(b"x").hexdigest(), False)
    assert warmstart.token_table({"k": 1}, lambda: [b"a"]) == ([b"a"], False)


def test_the_gguf_check_is_remembered_only_for_a_file_that_passed_and_is_unchanged(tmp_path, warm_root):
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF" + b"\0" * 60)
    calls = []

    def inspect(path):
        calls.append(path)
        if open(path, "rb").read(4) != b"GGUF":
            raise ValueError(f"{path} is not a GGUF model file")
        return {"size": os.path.getsize(path)}

    assert warmstart.checked_gguf(model, inspect) == {"size": 64} and len(calls) == 1
    assert warmstart.checked_gguf(model, inspect) == {"size": 64} and len(calls) == 1     # remembered
    st = model.stat()
    model.write_bytes(b"JUNK" + b"\0" * 60)                 # same size and mtime, rewritten in place
    os.utime(model, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    for _ in range(2):                                       # a failure is never remembered
        with pytest.raises(ValueError):
            warmstart.checked_gguf(model, inspect)
    assert len(calls) == 3
    with pytest.raises(ValueError):                          # no file: the check itself says so
        warmstart.checked_gguf(tmp_path / "missing.gguf", lambda p: (_ for _ in ()).throw(ValueError(p)))
