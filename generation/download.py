"""Model downloads that never stall and never leave a broken model in place.

``download(url, dest, sha256=...)``:

* refuses first when Blender's online access is off (see ``check_online_access``);
* streams to ``dest + ".partial"``; an existing partial file is resumed with an
  HTTP ``Range`` request (guarded by ``If-Range`` with the ETag or Last-Modified
  seen when it was started, so a changed file on the server restarts cleanly);
* checks the free disk space as soon as the size is known, before writing;
* a read that stalls for ``read_timeout`` seconds, or a dropped connection,
  is retried from where it stopped with backoff; ``retries`` failures in a row
  without a single new byte give up with a clear ``DownloadError``;
* verifies the size and the SHA-256 before the file is moved into place with
  ``os.replace``; a file that fails verification is deleted, never kept.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from ..files.digest import sha256_file
from .errors import ModelError

ProgressFn = Callable[[int, "int | None"], None]     # (bytes so far, total bytes or None)
DISK_MARGIN = 64 << 20                                 # keep this much free after the download


class DownloadError(ModelError):
    """A download could not be started, finished or verified. The message says why."""


@dataclass
class DownloadResult:
    path: Path
    size: int
    sha256: str
    verified: bool            # False when no expected hash was given
    resumed_from: int = 0
    seconds: float = 0.0
    already_present: bool = False


def check_online_access() -> None:
    """Refuse to touch the network when the user switched Blender's online access off.

    The rule: we consult ``bpy.app.online_access`` only when we run inside an
    interactive Blender (``bpy`` already imported by Blender itself and not in
    background mode). The command line (``worldsmith models download`` or
    ``blender -b -c worldsmith models download``) is an explicit request by the
    user and is not blocked; importing ``bpy`` here just to ask would also cost
    seconds. Inside the UI, Blender's "Allow Online Access" preference decides.
    """
    bpy = sys.modules.get("bpy")
    app = getattr(bpy, "app", None)
    if app is None or getattr(app, "background", True):
        return
    if not getattr(app, "online_access", True):
        raise DownloadError("online access is disabled in Blender (Preferences > System > Network > "
                            "Allow Online Access); Worldsmith will not download models until it is enabled")


def _partial_paths(dest: Path) -> tuple[Path, Path]:
    return dest.with_name(dest.name + ".partial"), dest.with_name(dest.name + ".partial.json")


def _check_space(folder: Path, needed: int) -> None:
    free = shutil.disk_usage(folder).free
    if needed + DISK_MARGIN > free:
        raise DownloadError(f"not enough disk space in {folder}: the download needs {_mb(needed)} more, "
                            f"{_mb(free)} is free (keeping {_mb(DISK_MARGIN)} spare)")


def _mb(n: int) -> str:
    return f"{n / 1e9:.2f} GB" if n >= 1e9 else f"{n / 1e6:.1f} MB"


def download(url: str, dest: str | os.PathLike, sha256: str | None = None, *, size: int | None = None,
             on_progress: ProgressFn | None = None, cancel: threading.Event | None = None,
             connect_timeout: float = 10.0, read_timeout: float = 30.0, retries: int = 5,
             backoff: float = 1.0, chunk: int = 1 << 18) -> DownloadResult:
    """Fetch ``url`` into ``dest`` (resuming, verifying); see the module docstring."""
    import requests
    check_online_access()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise DownloadError(f"not a downloadable http(s) URL: {url!r}")
    dest = Path(dest)
    expected = sha256.lower() if sha256 else None
    if dest.exists():
        digest = sha256_file(dest)
        if expected is None or digest == expected:
            return DownloadResult(dest, dest.stat().st_size, digest, expected is not None, already_present=True)
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial, meta_path = _partial_paths(dest)
    meta = _read_meta(meta_path, url)
    if not meta and partial.exists():
        partial.unlink()                          # a partial file we know nothing about: start over
    t0 = time.perf_counter()
    start = partial.stat().st_size if partial.exists() else 0
    resumed_from, total, failures = start, size, 0
    session = requests.Session()
    if parts.hostname in ("127.0.0.1", "localhost", "::1"):
        session.trust_env = False
    try:
        while True:
            if cancel is not None and cancel.is_set():
                raise DownloadError("download cancelled; run it again to resume")
            have = partial.stat().st_size if partial.exists() else 0
            headers = {"Accept-Encoding": "identity"}
            if have:
                headers["Range"] = f"bytes={have}-"
                if meta.get("validator"):
                    headers["If-Range"] = meta["validator"]
            got = 0
            try:
                with session.get(url, headers=headers, stream=True, allow_redirects=True,
                                 timeout=(connect_timeout, read_timeout)) as resp:
                    if resp.status_code == 416 and have:
                        # nothing more to send: the partial file is complete (verified below) or bad
                        if total is None or have >= total:
                            total = have
                            break
                        partial.unlink()
                        continue
                    if resp.status_code in (429, 500, 502, 503, 504):
                        raise requests.exceptions.RetryError(f"HTTP {resp.status_code}")
                    if resp.status_code not in (200, 206):
                        raise DownloadError(f"{url} answered HTTP {resp.status_code}"
                                            + (" (not found)" if resp.status_code == 404 else ""))
                    mode = "ab"
                    if resp.status_code == 206:
                        first, length = _content_range(resp.headers.get("content-range", ""))
                        if first != have:
                            raise DownloadError(f"{url} resumed at byte {first}, not {have}; not stitching a file")
                        total = length or total
                    else:
                        if have:
                            resumed_from = 0          # the server ignored the range (or the file changed)
                        mode = "wb"
                        have = 0
                        cl = resp.headers.get("content-length")
                        total = int(cl) if cl and cl.isdigit() else total
                        meta = {"url": url, "validator": resp.headers.get("etag")
                                or resp.headers.get("last-modified")}
                        meta_path.write_text(json.dumps(meta))
                    if total is not None:
                        _check_space(dest.parent, total - have)
                    with open(partial, mode) as out:
                        for block in resp.iter_content(chunk):
                            if cancel is not None and cancel.is_set():
                                raise DownloadError("download cancelled; run it again to resume")
                            if block:
                                out.write(block)
                                got += len(block)
                                failures = 0
                                if on_progress:
                                    on_progress(have + got, total)
            except requests.exceptions.RequestException as exc:
                failures = 0 if got else failures + 1
                if failures > retries:
                    raise DownloadError(f"download from {url} kept failing ({_why(exc)}); "
                                        f"{_mb(partial.stat().st_size if partial.exists() else 0)} kept in "
                                        f"{partial.name}, run it again to resume") from None
                time.sleep(min(backoff * 2 ** max(0, failures - 1), 30.0))
                continue
            have = partial.stat().st_size
            if total is None or have >= total:
                break
            failures += 0 if got else 1           # the server closed early: resume from here
            if failures > retries:
                raise DownloadError(f"{url} keeps closing the connection at {have} of {total} bytes")
    finally:
        session.close()
    return _finish(partial, meta_path, dest, total, expected, resumed_from, time.perf_counter() - t0)


def _finish(partial: Path, meta_path: Path, dest: Path, total: int | None, expected: str | None,
            resumed_from: int, seconds: float) -> DownloadResult:
    have = partial.stat().st_size
    if total is not None and have != total:
        _discard(partial, meta_path)
        raise DownloadError(f"downloaded {have} bytes but expected {total}; the partial file was removed")
    digest = sha256_file(partial)
    if expected and digest != expected:
        _discard(partial, meta_path)
        raise DownloadError(f"{dest.name} failed its SHA-256 check (expected {expected}, got {digest}); "
                            "the corrupt download was removed")
    os.replace(partial, dest)
    meta_path.unlink(missing_ok=True)
    return DownloadResult(dest, have, digest, expected is not None, resumed_from, seconds)


def _discard(*paths: Path) -> None:
    for p in paths:
        p.unlink(missing_ok=True)


def _read_meta(path: Path, url: str) -> dict:
    try:
        meta = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) and meta.get("url") == url else {}


def _content_range(value: str) -> tuple[int, int | None]:
    """``bytes 100-199/1000`` -> (100, 1000); total None when ``*``."""
    try:
        unit, rest = value.split(" ", 1)
        span, length = rest.split("/", 1)
        return int(span.split("-", 1)[0]), (None if length.strip() == "*" else int(length))
    except ValueError:
        raise DownloadError(f"the server sent a malformed Content-Range: {value!r}") from None


def _why(exc: BaseException) -> str:
    text = str(exc)
    if "timed out" in text.lower():
        return "the server stopped sending"
    if "refused" in text.lower():
        return "connection refused"
    if text.startswith("HTTP "):
        return f"server answered {text}"
    return type(exc).__name__
