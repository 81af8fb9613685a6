"""Writing results: a file, or all files of a run, appear whole or not at all.

Temporary names are unique per process and call (pid and a random part), so two
processes writing the same target never write into each other's temporary file;
the last complete one wins.
"""
from __future__ import annotations

import os
import re
import shutil
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


class FolderBusy(OSError):
    """Another process is writing the same output folder."""


LOCK_NAME = ".worldsmith.lock"


@contextmanager
def folder_lock(out_dir: str | os.PathLike, name: str = LOCK_NAME):
    """Hold an exclusive lock on ``out_dir`` (a ``.worldsmith.lock`` file inside it while the run
    lasts; the folder is created) or raise ``FolderBusy``. The lock is the operating system's
    (``flock``; ``msvcrt.locking`` on Windows): a killed process never leaves it held, only the
    empty file, which the next run takes over. ``name``: another lock file, for runs that share
    the folder by design (the shards of one batch).
    """
    out = Path(out_dir).absolute()
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"{out} exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    path = out / name
    f = open(path, "a+b")
    try:
        try:
            if os.name == "nt":
                import msvcrt
                msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            # the file may have been removed by the run that held it just now: then it is not the lock
            if os.name != "nt" and os.stat(path).st_ino != os.fstat(f.fileno()).st_ino:
                raise OSError("stale lock file")
        except OSError:
            raise FolderBusy(f"another Worldsmith run is writing {out}; wait for it or choose another folder") \
                from None
        try:
            yield out
        finally:
            if os.name != "nt":
                path.unlink(missing_ok=True)   # while still holding it, so no one locks a removed file
    finally:
        f.close()   # closing releases the lock


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:   # exists, owned by someone else
        return True
    return True


def _sweep(out: Path) -> None:
    """Remove temporary folders in ``out`` that runs killed before they finished left behind."""
    pattern = re.compile(r"^\.worldsmith\.(\d+)-[0-9a-f]+\.(tmp|old)$")
    for p in out.glob(".worldsmith.*"):
        m = pattern.match(p.name)
        if m and p.is_dir() and not _alive(int(m[1])):
            shutil.rmtree(p, ignore_errors=True)


@contextmanager
def staged_dir(out_dir: str | os.PathLike, owned: tuple[str, ...] = ()):
    """Yield a temporary folder in ``out_dir``; on success its files replace ``out_dir``'s as a unit.
    Nothing is ever written outside ``out_dir``.

    * The folder is locked for the whole run (``FolderBusy`` if another run writes it).
    * On an error inside the block nothing in ``out_dir`` changes.
    * ``owned`` names the files a run of this kind writes: an old one this run did not write
      again (an old ``render.png`` under ``--no-render``) is removed, never left stale beside
      the new ones. Other files in the folder are the user's and are kept.
    * The swap moves the old owned files aside first and puts them back if any move fails,
      so the folder never mixes two runs' files.
    * Temporary folders of killed runs are removed.
    """
    with folder_lock(out_dir) as out:
        _sweep(out)
        tag = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        tmp = out / f".worldsmith.{tag}.tmp"
        tmp.mkdir()
        try:
            yield tmp
            new = sorted(f.name for f in tmp.iterdir())
            backup = out / f".worldsmith.{tag}.old"
            backup.mkdir()
            aside, placed = [], []
            try:
                for name in sorted(set(owned) | set(new)):
                    if os.path.lexists(out / name):
                        os.rename(out / name, backup / name)
                        aside.append(name)
                for name in new:
                    os.rename(tmp / name, out / name)
                    placed.append(name)
            except BaseException:
                for name in placed:
                    os.rename(out / name, tmp / name)
                for name in aside:
                    os.rename(backup / name, out / name)
                raise
            shutil.rmtree(backup, ignore_errors=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
