"""``worldsmith models list|download|verify|remove``.

Models live in ``model_files.models_dir()`` ($WORLDSMITH_CACHE/models, else
~/.cache/worldsmith/models). ``download`` takes a registry name
(``worldsmith models list``), ``embedded``, or any http(s) URL of a GGUF file.
``verify`` and ``remove`` take a registry name or a file name in that folder;
``verify`` also takes any GGUF path. ``remove`` never deletes anything outside
the models folder.

Exit codes as in ``cli``: 0 ok, 2 bad input (unknown name, missing file),
3 a download or a verification failed.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..files.digest import sha256_file
from ..generation import gguf, model_files, registry
from ..generation.download import DownloadError, download

EXIT_OK, EXIT_BAD_INPUT, EXIT_MODEL = 0, 2, 3


def register(sub) -> dict:
    p = sub.add_parser("models", help="list, download, verify or remove models")
    msub = p.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    ls = msub.add_parser("list", help="recommended models and what is in the models folder")
    ls.add_argument("--json", action="store_true", help="print JSON instead of a table")
    dl = msub.add_parser("download", help="download a recommended model or a GGUF URL (resumable)")
    dl.add_argument("name", help="registry name (see `models list`), `embedded`, or an http(s) URL")
    dl.add_argument("--sha256", default=None, help="expected SHA-256 (overrides the registry's)")
    dl.add_argument("--quiet", action="store_true", help="no progress bar")
    vf = msub.add_parser("verify", help="check a model's GGUF header and SHA-256")
    vf.add_argument("name", help="registry name, a file name in the models folder, or a GGUF path")
    vf.add_argument("--sha256", default=None, help="expected SHA-256 (overrides the registry's)")
    rm = msub.add_parser("remove", help="delete a model (and any partial download) from the models folder")
    rm.add_argument("name", help="registry name or file name in the models folder")
    return {"models": cmd_models}


def _say(msg: str) -> None:
    print(f"worldsmith: {msg}", file=sys.stderr, flush=True)


def _hex(text: str | None) -> str | None:
    if text is None:
        return None
    value = text.strip().lower()
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise ValueError(f"--sha256 must be 64 hexadecimal digits, not {text!r}")
    return value


def _status(path: Path) -> str:
    partial = path.with_name(path.name + ".partial")
    if path.exists():
        return "downloaded"
    if partial.exists():
        return f"partial ({partial.stat().st_size / 1e6:.0f} MB, run download again to resume)"
    return "not downloaded"


def cmd_list(args) -> int:
    folder = model_files.models_dir()
    rows, known = [], set()
    for e in registry.ENTRIES:
        path = folder / e.filename
        known.add(e.filename)
        status = _status(path)
        if e.url is None:
            status = "ready" if status == "downloaded" else "bundled (assembled on first use)"
        rows.append({"name": e.name, "title": e.title, "file": e.filename, "status": status,
                     "size_bytes": e.size_bytes, "size_exact": e.size_exact, "sha256": e.sha256,
                     "url": e.url, "license": e.license, "notes": e.notes, "path": str(path)})
    partials = [p.with_name(p.name[:-len(".partial")]) for p in folder.glob("*.gguf.partial")] \
        if folder.is_dir() else []
    for path in sorted(set(model_files.model_files(folder)) | set(partials)):
        if path.name not in known:
            size = path.stat().st_size if path.exists() else None
            rows.append({"name": path.name, "title": "(local file)", "file": path.name, "status": _status(path),
                         "size_bytes": size, "size_exact": True, "sha256": None, "url": None,
                         "license": "", "notes": "", "path": str(path)})
    if args.json:
        print(json.dumps({"models_dir": str(folder), "models": rows}, indent=2))
        return EXIT_OK
    print(f"models folder: {folder}")
    for r in rows:
        size = r["size_bytes"]
        size_text = "" if size is None else f"{'' if r['size_exact'] else '~'}{size / 1e9:.2f} GB"
        print(f"  {r['name']:<14} {size_text:>9}  {r['status']:<22} {r['title']}")
        if r["name"] in registry.BY_NAME and r["sha256"] is None:
            print(f"  {'':<14} {'':>9}  no published SHA-256 recorded; pass --sha256 to verify")
    return EXIT_OK


class _Bar:
    """A progress bar on a terminal, a line every 10% otherwise."""

    def __init__(self, quiet: bool):
        self.quiet, self.tty = quiet, sys.stderr.isatty()
        self.t0, self.last, self.last_pct = time.perf_counter(), 0.0, -10

    def __call__(self, done: int, total: int | None) -> None:
        if self.quiet:
            return
        now = time.perf_counter()
        speed = done / max(now - self.t0, 1e-6) / 1e6
        if total:
            pct = int(100 * done / total)
            text = f"{pct:3d}% {done / 1e6:,.1f} of {total / 1e6:,.1f} MB  {speed:.1f} MB/s"
            bar = "#" * (pct // 4) + "." * (25 - pct // 4)
        else:
            pct, text, bar = -1, f"{done / 1e6:,.1f} MB  {speed:.1f} MB/s", ""
        if self.tty:
            if now - self.last > 0.1 or done == total:
                self.last = now
                print(f"\r  [{bar}] {text}   ", end="", file=sys.stderr, flush=True)
        elif pct >= self.last_pct + 10 or (pct < 0 and now - self.last > 5):
            self.last_pct, self.last = pct - pct % 10, now
            _say(f"downloading: {text}")

    def end(self) -> None:
        if self.tty and not self.quiet:
            print(file=sys.stderr)


def cmd_download(args) -> int:
    expected = _hex(args.sha256)
    entry = registry.find(args.name)
    if entry is not None and entry.url is None:
        path = model_files.embedded_model_path()
        _say(f"the embedded model is ready at {path}")
        print(path)
        return EXIT_OK
    if entry is not None:
        url, filename, expected = entry.url, entry.filename, expected or entry.sha256
        if entry.size_bytes:
            _say(f"{entry.title}: about {entry.size_bytes / 1e9:.1f} GB")
    elif urlsplit(args.name).scheme in ("http", "https"):
        url = args.name
        filename = Path(unquote(urlsplit(url).path)).name
        if not filename:
            raise ValueError(f"cannot tell a file name from the URL {url!r}")
    else:
        raise ValueError(f"unknown model {args.name!r}: use a name from `worldsmith models list` or an "
                         "http(s) URL")
    dest = model_files.models_dir() / filename
    bar = _Bar(args.quiet)
    try:
        res = download(url, dest, expected, on_progress=bar)
    except DownloadError as exc:
        bar.end()
        _say(f"error: {exc}")
        return EXIT_MODEL
    bar.end()
    if res.already_present:
        _say(f"{dest.name} is already here")
    elif res.resumed_from:
        _say(f"resumed at {res.resumed_from / 1e6:.1f} MB")
    if res.verified:
        _say(f"SHA-256 verified: {res.sha256}")
    else:
        _say(f"SHA-256 {res.sha256} (not verified: no published hash known; pass --sha256 to check)")
    try:
        gguf.inspect(str(res.path))
    except gguf.GGUFError as exc:
        _say(f"warning: {res.path.name} does not look like a usable GGUF model: {exc}")
    print(res.path)
    return EXIT_OK


def _locate(name: str, allow_paths: bool) -> tuple[Path, str | None]:
    entry = registry.find(name)
    folder = model_files.models_dir()
    if entry is not None:
        return folder / entry.filename, entry.sha256
    candidate = folder / Path(name).name
    if Path(name).name == name and (candidate.exists() or candidate.with_name(name + ".partial").exists()):
        return candidate, None
    if allow_paths:
        return Path(name).expanduser(), None
    raise ValueError(f"no model called {name!r} in {folder} (see `worldsmith models list`)")


def cmd_verify(args) -> int:
    path, expected = _locate(args.name, allow_paths=True)
    expected = _hex(args.sha256) or expected
    if not path.is_file():
        raise ValueError(f"{path} does not exist" + (" (download it first)" if registry.find(args.name) else ""))
    try:
        info = gguf.inspect(str(path))
    except gguf.GGUFError as exc:
        _say(f"error: {path.name} is not a usable GGUF model: {exc}")
        return EXIT_MODEL
    digest = sha256_file(path)
    if expected and digest != expected:
        _say(f"error: {path.name} failed its SHA-256 check (expected {expected}, got {digest})")
        return EXIT_MODEL
    arch = info.get("architecture") if isinstance(info, dict) else None
    _say(f"{path.name}: GGUF header ok" + (f" ({arch})" if arch else ""))
    _say(f"SHA-256 {'verified' if expected else 'is'} {digest}"
         + ("" if expected else " (no published hash known to compare with)"))
    print(path)
    return EXIT_OK


def cmd_remove(args) -> int:
    path, _ = _locate(args.name, allow_paths=False)
    folder = model_files.models_dir().resolve()
    if path.resolve().parent != folder:
        raise ValueError(f"refusing to delete {path}: it is not in the models folder {folder}")
    removed = []
    for p in (path, path.with_name(path.name + ".partial"), path.with_name(path.name + ".partial.json"),
              path.with_suffix(path.suffix + ".sha256.json")):
        if p.exists():
            p.unlink()
            removed.append(p.name)
    if not removed:
        raise ValueError(f"{path.name} is not in {folder}; nothing to remove")
    _say(f"removed {', '.join(removed)}")
    return EXIT_OK


def cmd_models(args) -> int:
    return {"list": cmd_list, "download": cmd_download, "verify": cmd_verify,
            "remove": cmd_remove}[args.models_command](args)
