"""Warm start: what a fresh process takes from the previous one instead of redoing it.

* The model file's SHA-256 (``file_sha256``): remembered by the file's size, mtime and inode, so a
  file replaced under the same name is hashed again.
* llguidance's token table (``token_table``): 262k calls into llama.cpp for Gemma 3's vocabulary,
  seconds of Python; kept as the token byte strings.
* The evaluated few-shot prefix (``PrefixStore``): llama.cpp's state file (its KV cache) after the
  system prompt and the examples, so a fresh process evaluates only the request itself.

Every entry is a data file and a JSON note beside it holding the entry's key (model hash, library
versions, the prompt tokens, context settings) and the data file's SHA-256. An entry is used only
when both match; anything else (stale, truncated, corrupt, from another llama.cpp) is ignored and
rebuilt, never trusted. Entries are written atomically; a cache that cannot be written (read-only
folder, full disk) costs speed, never a failure.
"""
from __future__ import annotations

import ctypes
import hashlib
import json
import os
import struct
from itertools import accumulate
from pathlib import Path

from ..files.atomic import atomic_path, write_atomic
from ..files.digest import sha256_file

FORMAT = 1          # bump when what an entry holds changes
TABLE_LAYOUT = {"layout": 2}    # the token table's lengths first (layout 1 interleaved them)
MAX_PREFIXES = 8    # prefix states kept (each ~20 kB a token for Gemma 3 270M)


def cache_root() -> Path:
    from .model_files import cache_dir
    return cache_dir() / "warm"


def _digest(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def _stat_key(path: Path) -> dict:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "inode": st.st_ino}


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_json(path: Path, data) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(data, sort_keys=True))
    except OSError:
        pass


# -- facts about a file, remembered by its size, mtime and inode -----------------------------------
def _remembered(kind: str, path: Path, compute, known=None, field: str = "value") -> tuple[object, bool]:
    """``(value, cached)``: ``compute(path)`` (a JSON value), or the value a note in the cache folder
    remembers for the file at ``path`` while its size, mtime and inode are what they were."""
    path = Path(path).resolve()
    note = cache_root() / kind / (_digest(str(path))[:32] + ".json")
    key = {"format": FORMAT, "path": str(path), **_stat_key(path)}
    old = _read_json(note)
    if isinstance(old, dict) and old.get("key") == key and field in old:
        return old[field], True
    value = known if known is not None else compute(path)
    _write_json(note, {"key": key, field: value})
    return value, False


def file_sha256(path: Path, known: str | None = None) -> tuple[str, bool]:
    """``(sha256, cached)`` of ``path``; hashed only when its size, mtime or inode changed since the
    last time (the note lives in the cache folder, keyed by the file's real path). ``known`` is a
    digest the caller already checked (the embedded model's stamp) and is just remembered."""
    digest, cached = _remembered("hashes", path, sha256_file, known, "sha256")
    if not isinstance(digest, str):
        digest, cached = sha256_file(Path(path)), False
    return digest, cached


def checked_gguf(path: Path, inspect) -> dict:
    """``inspect(path)`` (the GGUF header check, a walk over the whole vocabulary), remembered while
    the file is unchanged: a file that passed once passes again. A failure is never remembered."""
    try:
        facts, _cached = _remembered("gguf", path, lambda p: inspect(str(p)))
    except OSError:         # no such file, or no cache: the check itself says what is wrong
        return inspect(str(path))
    return facts if isinstance(facts, dict) else inspect(str(path))


# -- checked entries: a data file and its note ----------------------------------------------------
def _entry_paths(kind: str, key: dict, suffix: str) -> tuple[Path, Path]:
    name = _digest(json.dumps({"format": FORMAT, **key}, sort_keys=True))[:40]
    folder = cache_root() / kind
    return folder / (name + suffix), folder / (name + ".json")


def _valid_entry(data: Path, note: Path, key: dict) -> bool:
    meta = _read_json(note)
    if not isinstance(meta, dict) or meta.get("key") != key or not data.is_file():
        return False
    try:
        return meta.get("size") == data.stat().st_size and meta.get("sha256") == sha256_file(data)
    except OSError:
        return False


def _note(data: Path, note: Path, key: dict) -> None:
    _write_json(note, {"key": key, "size": data.stat().st_size, "sha256": sha256_file(data)})


# -- llguidance's token table -----------------------------------------------------------------------
def _pack(tokens: list[bytes]) -> bytes:
    """The count, every token's length, then the tokens' bytes (read back with one unpack of the
    lengths and slices: a tenth of the time a length-token-length walk takes for 262k tokens)."""
    return struct.pack(f"<I{len(tokens)}I", len(tokens), *map(len, tokens)) + b"".join(tokens)


def _unpack(blob: bytes) -> list[bytes]:
    (n,) = struct.unpack_from("<I", blob)
    lengths = struct.unpack_from(f"<{n}I", blob, 4)
    ends = list(accumulate(lengths, initial=4 + 4 * n))
    if ends[-1] != len(blob):
        raise ValueError("the token table's lengths do not add up to its size")
    return [blob[a:b] for a, b in zip(ends, ends[1:])]


def token_table(key: dict, build) -> tuple[list[bytes], bool]:
    """``(tokens, cached)``: the table ``build()`` makes, from the cache when ``key`` matches."""
    key = {**key, **TABLE_LAYOUT}
    data, note = _entry_paths("tokens", key, ".bin")
    if _valid_entry(data, note, key):
        try:
            return _unpack(data.read_bytes()), True
        except (OSError, ValueError, struct.error):
            pass
    tokens = build()
    try:
        data.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(data, _pack(tokens))
        _note(data, note, key)
    except OSError:
        pass
    return tokens, False


# -- the evaluated prefix (llama.cpp's state file) ---------------------------------------------------
class PrefixStore:
    """Saves and restores the context of a ``llama_cpp.Llama`` holding exactly a prompt prefix.

    ``base`` is what the state depends on besides the tokens: the model's SHA-256, llama.cpp's
    version and system info (a different CPU kernel gives slightly different numbers), context
    and batch sizes, GPU layers."""

    def __init__(self, llm, base: dict):
        import llama_cpp
        self.llm, self.base, self._lc = llm, dict(base), llama_cpp
        self.last = ""          # what the last restore or save did, for `info()` and doctor

    def _key(self, tokens) -> dict:
        return {**self.base, "n_tokens": len(tokens),
                "tokens": _digest(struct.pack(f"<{len(tokens)}i", *tokens))}

    def restore(self, tokens: list[int]) -> bool:
        """Load the state for ``tokens`` into the (empty) context; False (context emptied) if there is
        no usable entry."""
        key = self._key(tokens)
        data, note = _entry_paths("prefix", key, ".state")
        if not data.exists():
            self.last = "none"
            return False
        if not _valid_entry(data, note, key):
            self.last = "ignored a stale or corrupt entry"
            return False
        lc, llm, n = self._lc, self.llm, len(tokens)
        buf = (lc.llama_token * n)()
        count = ctypes.c_size_t(0)
        ok = lc.llama_state_load_file(llm._ctx.ctx, os.fsencode(data), buf, n, ctypes.byref(count))
        if not ok or count.value != n or list(buf) != list(tokens):
            llm._ctx.kv_cache_seq_rm(-1, 0, -1)
            llm.reset()
            self.last = "llama.cpp refused the entry"
            return False
        llm.input_ids[:n] = tokens
        llm.n_tokens = n
        os.utime(data)      # recently used: kept by the pruning
        self.last = f"restored {n} prompt tokens"
        return True

    def save(self, tokens: list[int]) -> bool:
        """Save the context, which must hold exactly ``tokens``."""
        llm, n = self.llm, len(tokens)
        if llm.n_tokens != n or list(llm.input_ids[:n]) != list(tokens):
            return False
        key = self._key(tokens)
        data, note = _entry_paths("prefix", key, ".state")
        try:
            data.parent.mkdir(parents=True, exist_ok=True)
            arr = (self._lc.llama_token * n)(*tokens)
            with atomic_path(data, ".partial") as tmp:
                if not self._lc.llama_state_save_file(llm._ctx.ctx, os.fsencode(tmp), arr, n):
                    raise OSError("llama.cpp could not write its state")
            _note(data, note, key)
        except OSError:
            return False
        self.last = f"saved {n} prompt tokens"
        self._prune(data.parent)
        return True

    @staticmethod
    def _prune(folder: Path) -> None:
        states = sorted(folder.glob("*.state"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in states[MAX_PREFIXES:]:
            for p in (old, old.with_suffix(".json")):
                try:
                    p.unlink()
                except OSError:
                    pass


def llg_tokenizer(llm, eos: list[int], base: dict):
    """llguidance's tokenizer for ``llm``, as ``llguidance.llamacpp.lltokenizer_from_vocab`` makes it,
    with the token table from the cache (``base`` names the model and the library versions)."""
    import llama_cpp
    from llguidance import LLTokenizer
    vocab = llm._model.vocab

    def build() -> list[bytes]:
        n = llama_cpp.llama_vocab_n_tokens(vocab)
        size = 16 * 1024
        buf = ctypes.create_string_buffer(size + 1)
        control, user = llama_cpp.LLAMA_TOKEN_ATTR_CONTROL, llama_cpp.LLAMA_TOKEN_ATTR_USER_DEFINED
        out = []
        for t in range(n):
            k = llama_cpp.llama_token_to_piece(vocab, t, buf, size, 0, True)
            if k < 0:
                raise ValueError(f"token {t} does not fit a {size}-byte buffer")
            tok = bytes(buf[:k])
            attr = llama_cpp.llama_vocab_get_attr(vocab, t)     # not the deprecated llama_token_get_attr
            if attr & control or (attr & user and tok.startswith(b"<") and tok.endswith(b">")):
                tok = b"\xff" + tok     # a special token, as llguidance marks them
            out.append(tok)
        return out

    tokens, _cached = token_table({**base, "n_vocab": int(llm.n_vocab())}, build)
    fptr = ctypes.cast(llama_cpp.llama_cpp._lib.llama_tokenize, ctypes.c_void_p).value
    # no slicer: it halves the time a full mask takes (rare: the model's own token is tried first)
    # but costs about a second at every start
    return LLTokenizer.from_llamacpp(tokens=tokens, vocab_ptr=vocab, tokenize_fptr=fptr, eos_token=eos,
                                     slices=[])
