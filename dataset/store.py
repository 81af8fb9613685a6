"""Batch output on disk: per-prompt folders that appear only complete, what counts as
finished (resume), and the batch-wide COCO file and contact sheet."""
from __future__ import annotations

import json
import os
import shutil
import uuid
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from ..files.atomic import atomic_path, write_atomic
from ..files.images import contact_sheet, read_png, thumbnail, write_png
from .coco import coco_document
from .inputs import Item

OUTPUTS = ("scene.json", "scene.blend", "render.png", "labels.json", "mask.png")
SHEET_MAX = 400


@dataclass
class Config:
    out: str
    variants: int = 1
    engine: str = "cycles"
    device: str = "cpu"
    samples: int = 16
    resolution: tuple[int, int] = (640, 360)
    backend: dict = field(default_factory=dict)    # BackendSettings fields
    options: dict = field(default_factory=dict)    # pipeline.Options fields
    threads: int | None = None                     # Cycles threads (None: Blender's default)
    dressing: str = "light"                        # the world around the subject: none, light, full


def variant_dirs(item_dir: Path, variants: int) -> list[Path]:
    return [item_dir] if variants == 1 else [item_dir / f"v{k}" for k in range(variants)]


def item_key(item: Item, cfg: Config) -> dict:
    key = {"prompt": item.prompt, "seed": item.seed, "variants": cfg.variants,
           "resolution": list(cfg.resolution)}
    if item.scene is not None:
        key["scene_crc"] = zlib.crc32(item.scene.encode("utf-8"))
    return key


def is_finished(item: Item, cfg: Config) -> bool:
    """Whether ``DIR/<id>`` holds a complete, valid result for this prompt and these settings."""
    d = Path(cfg.out) / item.id
    try:
        meta = json.loads((d / "item.json").read_text(encoding="utf-8"))
        if {k: meta.get(k) for k in item_key(item, cfg)} != item_key(item, cfg):
            return False
        for vd in variant_dirs(d, cfg.variants):
            for name in OUTPUTS:
                if (vd / name).stat().st_size == 0:
                    return False
            for name in ("render.png", "mask.png"):
                with open(vd / name, "rb") as f:
                    if f.read(8) != b"\x89PNG\r\n\x1a\n":
                        return False
            labels = json.loads((vd / "labels.json").read_text(encoding="utf-8"))
            if not isinstance(labels.get("instances"), list):
                return False
    except (OSError, ValueError, AttributeError):
        return False
    return True


def _remove_stale(out: Path, item_id: str) -> None:
    for p in list(out.glob(f".{item_id}.partial-*")) + list(out.glob(f".{item_id}.old-*")):
        shutil.rmtree(p, ignore_errors=True)


def probe_writable(out: Path, size: int = 1 << 16) -> None:
    """Raise ``OSError`` unless ``size`` bytes can be written in ``out`` (then removed)."""
    p = out / f".worldsmith-probe-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    try:
        with open(p, "wb") as f:
            f.write(b"\0" * size)
            f.flush()
            os.fsync(f.fileno())
    finally:
        try:
            p.unlink()
        except OSError:
            pass


def finished_renders(items: list[Item], cfg: Config) -> list[tuple[str, Path]]:
    out = Path(cfg.out)
    rows = []
    for it in items:
        if is_finished(it, cfg):
            for vd in variant_dirs(out / it.id, cfg.variants):
                rows.append((vd.relative_to(out).as_posix(), vd))
    return rows


def write_annotations(rows: list[tuple[str, Path]], path: Path) -> int:
    entries = []
    for rel, vd in rows:
        lab = json.loads((vd / "labels.json").read_text(encoding="utf-8"))
        entries.append((f"{rel}/render.png", lab, read_png(vd / "mask.png").astype("int32")))
    doc = coco_document(entries)
    write_atomic(path, json.dumps(doc))
    return len(doc["annotations"])


def write_contact_sheet(rows: list[tuple[str, Path]], path: Path, thumb_width: int = 160) -> int:
    from ..blender.images import read_rgb8
    thumbs = []
    for _, vd in rows[:SHEET_MAX]:
        img = read_rgb8(vd / "render.png")
        thumbs.append(thumbnail(img, min(thumb_width, img.shape[1])))
    with atomic_path(path, ".png") as tmp:
        write_png(tmp, contact_sheet(thumbs))
    return len(thumbs)
