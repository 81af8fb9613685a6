"""Writing results: a file, or all files of a run, appear whole or not at all.

Temporary names are unique per process and call (pid and a random part), so two
processes writing the same target never write into each other's temporary file;
the last complete one wins.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path


def temp_name(path: str | os.PathLike, suffix: str = ".tmp") -> Path:
    """A hidden, unique temporary name beside ``path`` (same folder, so renaming is atomic)."""
    p = Path(path)
    return p.with_name(f".{p.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}{suffix}")


@contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = ".tmp"):
    """Yield a temporary path beside ``path``; on success it replaces ``path``, on error it is removed.

    ``suffix`` keeps the extension a writer looks at (``.png``, ``.blend``).
    """
    target = Path(path)
    tmp = temp_name(target, suffix)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def write_atomic(path: str | os.PathLike, data: bytes | str) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` through a temporary file and one rename."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


@contextmanager
def staged_dir(out_dir: str | os.PathLike):
    """Yield a temporary folder beside ``out_dir``; on success its files move into ``out_dir``.

    On any error the temporary folder is removed and ``out_dir`` is left as it was.
    """
    out = Path(out_dir).absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"{out} exists and is not a folder")
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        yield tmp
        out.mkdir(exist_ok=True)
        for f in tmp.iterdir():
            os.replace(f, out / f.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
