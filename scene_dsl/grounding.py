"""Grounding: reconcile a model's scene with what the prompt plainly says (read by
``lexicon.analyze``), and apply edit instructions the reading understands.

Where the prompt is explicit ("three", "red", "behind the house") and the reply
disagrees, the prompt wins, with a warning. Where the prompt says nothing the
reading understands, the model's reply stands.
"""
from __future__ import annotations

from . import colors
from .lexicon import Analysis, tokenize
from .models import Entity, Relation, Scene


def _would_cycle(ents: dict[str, Entity], sid: str, tid: str) -> bool:
    node, seen = tid, set()
    while node and node not in seen:
        if node == sid:
            return True
        seen.add(node)
        nxt = [r.target for r in ents[node].relations if r.type == "on"] if node in ents else []
        node = nxt[0] if nxt else None
    return False


def ground(scene: Scene, analysis: Analysis, keep_composites: bool = True) -> tuple[Scene, list[str]]:
    """Reconcile a model's scene with what the prompt explicitly says. A composite entity (its own
    parts: something the catalog lacks, so the prompt reading cannot match it) is kept, with its
    relations to what remains; ``keep_composites=False`` drops it like any unmatched entity."""
    warnings: list[str] = []
    if not analysis.entities:
        return scene, warnings
    model_ents = list(scene.entities)
    used: set[int] = set()
    out: list[Entity] = []
    id_map: dict[str, str] = {}
    for d in analysis.entities:
        match = next((i for i, e in enumerate(model_ents) if i not in used and e.kind == d.kind), None)
        if match is None:
            warnings.append(f"the model left out {d.id!r} ({d.kind}); added from the prompt")
            e = Entity(id=d.id, kind=d.kind)
        else:
            used.add(match)
            e = model_ents[match]
            id_map[e.id] = d.id
        upd: dict = {"id": d.id}
        if d.explicit_count and e.count != d.count:
            if match is not None:
                warnings.append(f"{d.id}: the prompt says {d.count}, the model wrote {e.count}; using {d.count}")
            upd["count"] = d.count
        elif not d.explicit_count:
            upd["count"] = d.count if d.count > 1 and e.count == 1 else (e.count if d.count > 1 else 1)
        if d.color:
            if e.color and colors.to_hex(e.color) != colors.to_hex(d.color):
                warnings.append(f"{d.id}: the prompt says {d.color}, the model wrote {e.color}; using {d.color}")
            upd["color"] = d.color
        else:
            upd["color"] = None
        upd["size"] = d.size
        upd["material"] = d.material or e.material
        upd["arrangement"] = d.arrangement or (e.arrangement if upd.get("count", e.count) > 1 else None)
        upd["relations"] = []
        out.append(e.model_copy(update=upd))
    kept = [e for i, e in enumerate(model_ents) if i not in used and keep_composites and e.is_composite]
    dropped = [e for i, e in enumerate(model_ents) if i not in used and e not in kept]
    for e in kept:
        id_map[e.id] = e.id if e.id not in {d.id for d in analysis.entities} else f"{e.id[:28]}_c"
    for e in dropped:
        warnings.append(f"dropped {e.id!r} ({e.kind}): the prompt does not mention it")
    by_id = {e.id: e for e in out}
    # relations: the prompt's own, then the model's where the prompt uses that kind of relation
    # pairs the prompt already relates, in either direction: the model may not add to them
    # (a small model writes "A on B" as "B on A")
    stated = {frozenset((d.id, x)) for d in analysis.entities for _, x, _ in d.relations}
    final: list[Entity] = []
    for d, e in zip(analysis.entities, out):
        rels = [Relation(type=t, target=x, target2=y) for t, x, y in d.relations]
        if not rels:
            src = next((m for m in model_ents if id_map.get(m.id) == d.id), None)
            for r in (src.relations if src else []):
                tgt, tgt2 = id_map.get(r.target), id_map.get(r.target2) if r.target2 else None
                if (tgt and tgt != d.id and r.type in analysis.relation_words and (r.type != "between" or tgt2)
                        and frozenset((d.id, tgt)) not in stated):
                    rels.append(Relation(type=r.type, target=tgt, target2=tgt2))
        final.append(e.model_copy(update={"relations": rels}))
        by_id[e.id] = final[-1]
    for e in kept:                # the model's own relations, to entities that remain
        rels = [r.model_copy(update={"target": id_map[r.target],
                                     "target2": id_map.get(r.target2) if r.target2 else None})
                for r in e.relations if r.target in id_map and (r.target2 is None or r.target2 in id_map)]
        final.append(e.model_copy(update={"id": id_map[e.id], "relations": rels}))
    # never introduce an 'on' cycle
    ents = {e.id: e for e in final}
    for i, e in enumerate(final):
        keep = []
        for r in e.relations:
            if r.type == "on" and _would_cycle({**ents, e.id: e.model_copy(update={"relations": keep})}, e.id, r.target):
                warnings.append(f"{e.id}: dropped 'on {r.target}', it would make a cycle")
                continue
            keep.append(r)
        final[i] = e.model_copy(update={"relations": keep})
        ents[e.id] = final[i]
    upd = {"entities": final}
    if analysis.time_of_day:
        upd["time_of_day"] = analysis.time_of_day
    elif scene.time_of_day != "noon":
        warnings.append(f"the prompt names no time of day; using noon, not the model's {scene.time_of_day}")
        upd["time_of_day"] = "noon"
    if analysis.ground:
        upd["ground"] = analysis.ground
    elif scene.ground != "grass":
        upd["ground"] = "grass"
    return scene.model_copy(update=upd), warnings


REMOVE_WORDS = {"remove", "delete", "without", "erase", "drop", "lose", "eliminate"}
ADD_WORDS = {"add", "put", "place", "plus", "include", "insert", "another", "more", "also", "create"}


def apply_edit(old: Scene, analysis: Analysis) -> tuple[Scene, list[str], bool]:
    """Apply an instruction's explicit words to ``old``.

    Returns (scene, notes, understood): ``understood`` is False when the
    instruction names nothing this reading can act on.
    """
    words = set(tokenize(analysis.prompt))
    ents = list(old.entities)
    notes: list[str] = []
    changed = False
    removing = bool(words & REMOVE_WORDS)
    adding = bool(words & ADD_WORDS) and not removing
    by_kind = lambda kind: [i for i, e in enumerate(ents) if e.kind == kind]  # noqa: E731
    id_of: dict[str, str] = {}
    for d in analysis.entities:
        idx = by_kind(d.kind)
        if removing:
            if idx:
                gone = {ents[i].id for i in idx}
                ents = [e for e in ents if e.id not in gone]
                notes.append(f"removed {', '.join(sorted(gone))}")
                changed = True
            continue
        if adding and (not idx or "another" in words or "more" in words or d.explicit_count and not d.definite):
            taken = {e.id for e in ents}
            nid, n = d.kind, 2
            while nid in taken:
                nid, n = f"{d.kind}_{n}", n + 1
            ents.append(Entity(id=nid, kind=d.kind, count=d.count, color=d.color, size=d.size, material=d.material))
            id_of[d.id] = nid
            notes.append(f"added {nid}")
            changed = True
            continue
        if not idx:
            continue
        id_of[d.id] = ents[idx[0]].id
        for i in idx:
            upd = {}
            if d.color and (ents[i].color is None or colors.to_hex(ents[i].color) != colors.to_hex(d.color)):
                upd["color"] = d.color
            if d.size and d.size != ents[i].size:
                upd["size"] = d.size
            if d.material and d.material != ents[i].material:
                upd["material"] = d.material
            if d.explicit_count and d.count != ents[i].count and not d.definite:
                upd["count"] = d.count
            if upd:
                ents[i] = ents[i].model_copy(update=upd)
                notes.append(f"changed {ents[i].id}: {', '.join(f'{k}={v}' for k, v in upd.items())}")
                changed = True
    # relations the instruction states replace that entity's placement relations
    if not removing:
        for d in analysis.entities:
            if not d.relations or d.id not in id_of:
                continue
            rels = []
            for t, a, b in d.relations:
                ta, tb = id_of.get(a), id_of.get(b) if b else None
                if ta and (b is None or tb):
                    rels.append(Relation(type=t, target=ta, target2=tb))
            if rels:
                sid = id_of[d.id]
                ents = [e.model_copy(update={"relations": rels}) if e.id == sid else e for e in ents]
                notes.append(f"moved {sid}: {', '.join(r.type + ' ' + r.target for r in rels)}")
                changed = True
    upd: dict = {}
    if analysis.time_of_day and analysis.time_of_day != old.time_of_day:
        upd["time_of_day"] = analysis.time_of_day
        changed = True
    if analysis.ground and analysis.ground != old.ground:
        upd["ground"] = analysis.ground
        changed = True
    if not ents:
        notes.append("the edit would leave the scene empty; kept the scene as it was")
        return old, notes, False
    ids = {e.id for e in ents}
    ents = [e.model_copy(update={"relations": [r for r in e.relations if r.target in ids
                                               and (r.target2 is None or r.target2 in ids)]}) for e in ents]
    upd["entities"] = ents
    return old.model_copy(update=upd), notes, changed


def ground_edit(old: Scene, new: Scene, analysis: Analysis) -> tuple[Scene, list[str]]:
    """Check a model's edit of ``old`` against the instruction's explicit words.

    When the instruction says something this reading understands, the edit is
    applied to ``old`` directly (a small model's rewrite of the whole scene
    drops and invents things); otherwise the model's edit stands.
    """
    edited, notes, understood = apply_edit(old, analysis)
    if understood:
        return edited, notes
    return new, []
