"""``worldsmith batch merge --out DIR``: one COCO file, contact sheet and report from the shards
of a batch (``--shard i/n`` runs that wrote into one shared folder, e.g. a Slurm array or a
Kubernetes Indexed Job; see docs/).

It reads what is on disk, never the running shards: every complete prompt folder (checked like a
resume check, against its own ``item.json``), and each ``report.shard<i>of<n>.json`` for the
failures, the malformed lines and which shards have finished. It writes ``annotations.json``,
``contact_sheet.png`` and ``report.json``, each atomically, and the same inputs give the same
files: merging twice changes nothing. A shard that has not written its report yet, or a prompt
of the prompts file that has no result, is listed in the report (``missing_shards``,
``missing``), and the status is then ``incomplete``.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from ..files.atomic import write_atomic
from .inputs import Item, read_prompts
from .store import Config, is_finished, variant_dirs, write_annotations, write_contact_sheet

SHARD_REPORT = re.compile(r"^report\.shard(\d+)of(\d+)\.json$")


def _finished(out: Path) -> list[dict]:
    """``item.json`` of every complete result folder in ``out``, in prompts-file order."""
    metas = []
    for d in out.iterdir():
        if d.name.startswith(".") or not d.is_dir():
            continue
        try:
            meta = json.loads((d / "item.json").read_text(encoding="utf-8"))
            item = Item(d.name, meta["prompt"], meta["seed"], meta.get("line", 0))
            cfg = Config(str(out), variants=meta["variants"], resolution=tuple(meta["resolution"]))
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if is_finished(item, cfg):
            metas.append(meta | {"id": d.name})
    return sorted(metas, key=lambda m: (m.get("line") or 0, m["id"]))


def merge(out: str | Path) -> dict:
    """Write the merged files into ``out`` and return the merged report."""
    out = Path(out).absolute()
    if not out.is_dir():
        raise ValueError(f"{out} is not a folder of batch results")
    shards: dict[int, dict] = {}
    counts = set()
    for f in sorted(out.iterdir()):
        m = SHARD_REPORT.match(f.name)
        if m:
            try:
                shards[int(m[1])] = json.loads(f.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise ValueError(f"{f}: not a readable shard report: {exc}") from None
            counts.add(int(m[2]))
    if len(counts) > 1:
        raise ValueError(f"{out} holds shard reports of different splits ({', '.join(f'of {n}' for n in sorted(counts))}); "
                         "merge one split at a time")
    metas = _finished(out)
    done = {m["id"] for m in metas}
    rows = [(vd.relative_to(out).as_posix(), vd) for m in metas
            for vd in variant_dirs(out / m["id"], m["variants"])]
    n_ann = write_annotations(rows, out / "annotations.json")
    write_contact_sheet(rows, out / "contact_sheet.png")

    failed = {f["id"]: f for r in shards.values() for f in r.get("failed", []) if f["id"] not in done}
    malformed = {b["line"]: b for r in shards.values() for b in r.get("malformed_lines", [])}
    prompts_files = sorted({r.get("prompts_file") for r in shards.values() if r.get("prompts_file")})
    missing = None
    if len(prompts_files) == 1:
        try:
            items, _ = read_prompts(prompts_files[0])
            missing = [it.id for it in items if it.id not in done and it.id not in failed]
        except ValueError:
            missing = None   # the prompts file is not readable here: the shards' counts must do
    n = counts.pop() if counts else None
    missing_shards = [i for i in range(n) if i not in shards] if n else []
    stopped = sorted(i for i, r in shards.items() if r.get("status") != "complete")
    complete = bool(shards) and not missing_shards and not stopped and not missing
    report = {"out": str(out), "merged": True, "prompts_file": prompts_files[0] if len(prompts_files) == 1 else None,
              "shards": n, "shards_merged": sorted(shards), "missing_shards": missing_shards,
              "stopped_shards": stopped, "prompts": sum(r.get("prompts", 0) for r in shards.values()) or None,
              "done": len(done), "failed": [failed[k] for k in sorted(failed)],
              "missing": missing, "malformed_lines": [malformed[k] for k in sorted(malformed)],
              "renders": len(rows), "annotations": n_ann, "status": "complete" if complete else "incomplete"}
    write_atomic(out / "report.json", json.dumps(report, indent=2) + "\n")
    return report
