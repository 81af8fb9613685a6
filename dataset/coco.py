"""COCO for dataset builders: instance masks, compressed RLE, and the detection document.

Masks are 8-bit (or 16-bit when there are more than 255 instances) grayscale PNGs
whose value is the instance's ``mask_value`` (0 = background). Segmentations are
compressed RLE strings, the same encoding as pycocotools' ``rleToString``
(column-major counts).
"""
from __future__ import annotations

import os

import numpy as np

from ..files.images import write_png
from ..scene_dsl import catalog


def rle_encode(mask: np.ndarray) -> dict:
    """COCO compressed RLE of a boolean (h, w) mask: ``{"size": [h, w], "counts": str}``."""
    h, w = mask.shape
    flat = np.asarray(mask, bool).ravel(order="F")
    change = np.flatnonzero(np.diff(flat.astype(np.int8))) + 1
    bounds = np.concatenate([[0], change, [flat.size]])
    counts = np.diff(bounds).tolist()
    if flat.size and flat[0]:
        counts = [0] + counts
    out = []
    for i, x in enumerate(counts):
        if i > 2:
            x -= counts[i - 2]
        more = True
        while more:
            c = x & 0x1F
            x >>= 5
            more = (x != -1) if (c & 0x10) else (x != 0)
            if more:
                c |= 0x20
            out.append(chr(c + 48))
    return {"size": [int(h), int(w)], "counts": "".join(out)}


def rle_decode(rle: dict) -> np.ndarray:
    """The boolean (h, w) mask of a COCO compressed RLE."""
    h, w = rle["size"]
    s, counts, p = rle["counts"], [], 0
    while p < len(s):
        x = k = 0
        more = True
        while more:
            c = ord(s[p]) - 48
            x |= (c & 0x1F) << (5 * k)
            more = bool(c & 0x20)
            p += 1
            k += 1
            if not more and (c & 0x10):
                x |= -1 << (5 * k)
        if len(counts) > 2:
            x += counts[-2]
        counts.append(x)
    flat = np.zeros(h * w, bool)
    pos, val = 0, False
    for n in counts:
        if val:
            flat[pos:pos + n] = True
        pos += n
        val = not val
    return flat.reshape((h, w), order="F")


def write_mask(path: str | os.PathLike, index: np.ndarray) -> None:
    top = int(index.max()) if index.size else 0
    write_png(path, np.clip(index, 0, 65535).astype(np.uint8 if top < 256 else np.uint16))


def categories() -> list[dict]:
    cats = [{"id": i, "name": k, "supercategory": catalog.get(k).category}
            for i, k in enumerate(catalog.KINDS, 1)]
    # composite entities (DSL v2) share one category; their own names are in worldsmith_name
    return cats + [{"id": len(cats) + 1, "name": "composite", "supercategory": "composite"}]


def coco_document(renders: list[tuple[str, dict, np.ndarray]]) -> dict:
    """One COCO detection document for ``(file_name, labels, index_image)`` triples."""
    cats = categories()
    cat_id = {c["name"]: c["id"] for c in cats}
    images, anns = [], []
    for image_id, (file_name, labels, index) in enumerate(renders, 1):
        w, h = labels["image"]["width"], labels["image"]["height"]
        images.append({"id": image_id, "file_name": file_name, "width": w, "height": h})
        for rec in labels["instances"]:
            if not rec["mask_area"]:
                continue
            x0, y0, x1, y1 = rec["mask_bbox"]
            anns.append({"id": len(anns) + 1, "image_id": image_id, "category_id": cat_id[rec["kind"]],
                         "bbox": [x0, y0, x1 - x0, y1 - y0], "area": rec["mask_area"], "iscrowd": 0,
                         "segmentation": rle_encode(index == rec["mask_value"]),
                         "attributes": {"entity_id": rec["id"], "name": rec["name"], "color": rec["color"],
                                        "truncated": rec["truncated"]}})
    return {"info": {"description": "Worldsmith synthetic scenes", "version": "1"},
            "images": images, "annotations": anns, "categories": cats}
