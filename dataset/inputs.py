"""Batch input: the prompts file (JSONL or plain text, with line numbers for every skipped
line) and sharding by a stable hash of each id (see ``dataset/batch.py`` for the format)."""
from __future__ import annotations

import json
import os
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


@dataclass(frozen=True)
class Item:
    id: str
    prompt: str
    seed: int
    line: int
    scene: str | None = None   # a DSL document given instead of a prompt (JSON text)


@dataclass(frozen=True)
class BadLine:
    line: int
    reason: str


def read_prompts(path: str | os.PathLike, default_seed: int = 0) -> tuple[list[Item], list[BadLine]]:
    """The prompts of a JSONL or plain-text file, and the lines that could not be read."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read the prompts file {path}: {exc}") from None
    items: list[Item] = []
    bad: list[BadLine] = []
    first_line: dict[str, int] = {}
    for n, raw_bytes in enumerate(data.splitlines(), 1):
        try:
            line = raw_bytes.decode("utf-8").strip()
        except UnicodeDecodeError as exc:    # one bad line is skipped, not the whole file
            bad.append(BadLine(n, f"not UTF-8 text (byte {exc.start + 1} of the line)"))
            continue
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            bad.append(BadLine(n, "a JSON array is not a prompt: give an object {\"id\", \"prompt\", \"seed\"} "
                                  "or plain text"))
            continue
        if line.startswith("{"):
            try:
                doc = json.loads(line)
            except ValueError as exc:
                bad.append(BadLine(n, f"not valid JSON: {exc}"))
                continue
            except RecursionError:
                bad.append(BadLine(n, "not valid JSON: lists and objects nest too deeply"))
                continue
            if not isinstance(doc, dict):
                bad.append(BadLine(n, "a JSON line must be an object with id, prompt and seed"))
                continue
            unknown = set(doc) - {"id", "prompt", "seed", "scene"}
            if unknown:
                bad.append(BadLine(n, f"unknown field(s) {', '.join(sorted(unknown))}; "
                                      "a line holds id, prompt and seed"))
                continue
            prompt, item_id, seed = doc.get("prompt"), doc.get("id"), doc.get("seed", default_seed)
            scene = doc.get("scene")
            if scene is not None:
                if not isinstance(scene, dict):
                    bad.append(BadLine(n, "scene: must be a DSL document (a JSON object)"))
                    continue
                try:
                    scene = json.dumps(scene, sort_keys=True)
                except RecursionError:
                    bad.append(BadLine(n, "scene: lists and objects nest too deeply"))
                    continue
                prompt = prompt if isinstance(prompt, str) else ""
        else:
            prompt, item_id, seed, scene = line, None, default_seed, None
        if scene is None and (not isinstance(prompt, str) or not prompt.strip()):
            bad.append(BadLine(n, "prompt: missing or empty (a non-empty string is needed)"))
            continue
        if len(prompt) > 2000:
            bad.append(BadLine(n, f"prompt: {len(prompt)} characters long; at most 2000"))
            continue
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2 ** 31:
            bad.append(BadLine(n, f"seed: must be an integer from 0 to 2^31-1, not {seed!r}"))
            continue
        if item_id is None:
            item_id = f"line{n}"
        if isinstance(item_id, int) and not isinstance(item_id, bool):
            item_id = str(item_id)
        if not isinstance(item_id, str) or not ID_RE.match(item_id):
            bad.append(BadLine(n, f"id: {item_id!r} is not a safe folder name "
                                  "(letters, digits, '.', '_', '-'; at most 100; not starting with '.' or '-')"))
            continue
        if item_id in first_line:
            bad.append(BadLine(n, f"id: {item_id!r} repeats line {first_line[item_id]}"))
            continue
        first_line[item_id] = n
        items.append(Item(item_id, prompt.strip(), seed, n, scene))
    return items, bad


def parse_shard(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not m or not 0 <= int(m.group(1)) < int(m.group(2)):
        raise ValueError(f"--shard must look like i/n with 0 <= i < n (e.g. 0/4), not {text!r}")
    return int(m.group(1)), int(m.group(2))


def shard_of(item_id: str, n: int) -> int:
    """The shard (0..n-1) of an id: a stable hash, the same on every machine and Python."""
    return zlib.crc32(item_id.encode("utf-8")) % n


def select_shard(items: list[Item], i: int, n: int) -> list[Item]:
    return [it for it in items if shard_of(it.id, n) == i]
