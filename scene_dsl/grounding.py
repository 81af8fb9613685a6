"""Grounding: reconcile a model's scene with what the prompt plainly says (read by
``lexicon.analyze``), and apply edit instructions the reading understands.

Where the prompt is explicit ("three", "red", "behind the house") and the reply
disagrees, the prompt wins, with a warning. Where the prompt says nothing the
reading understands, the model's reply stands.
"""
from __future__ import annotations

import json

from . import colors, words
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


def _without_on_cycles(entities: list[Entity], warnings: list[str]) -> list[Entity]:
    """``entities`` with every 'on' relation that would close a cycle dropped (and a warning for each)."""
    out = list(entities)
    byid = {e.id: e for e in out}
    for i, e in enumerate(out):
        keep = []
        for r in e.relations:
            if r.type == "on" and _would_cycle({**byid, e.id: e.model_copy(update={"relations": keep})}, e.id, r.target):
                warnings.append(f"{e.id}: dropped 'on {r.target}', it would make a cycle")
                continue
            keep.append(r)
        out[i] = byid[e.id] = e.model_copy(update={"relations": keep})
    return out


GROUNDING_MODES = ("strict", "verify", "off")
MAX_EXTRA = 6     # entities the model may add beyond the prompt's own in verify mode


def ground(scene: Scene, analysis: Analysis, mode: str = "strict",
           max_extra: int = MAX_EXTRA, keep_composites: bool = True) -> tuple[Scene, list[str]]:
    """Reconcile a model's scene with what the prompt explicitly says.

    ``strict``: the prompt's reading is the scene; the model's reply only fills in
    what the reading leaves open, and entities the prompt does not name are dropped.
    ``verify``: the prompt's explicit facts still win (after the model has had a
    repair round, see ``disagreements``), but what the model adds is kept where the
    prompt does not contradict it: up to ``max_extra`` more entities, colours and
    sizes the prompt leaves open, relations for things the prompt places nowhere,
    and the time of day and ground when the prompt names none.
    A composite entity (DSL v2) is kept unless ``keep_composites`` is False.
    """
    if mode == "off":
        return scene, []
    absent = [e for e in scene.entities if e.kind in analysis.negated]
    if absent and len(absent) < len(scene.entities):
        gone = {e.id for e in absent}
        kept = [e.model_copy(update={"relations": [r for r in e.relations if r.target not in gone
                                                   and r.target2 not in gone]})
                for e in scene.entities if e.id not in gone]
        scene = scene.model_copy(update={"entities": kept})
        pre = [f"dropped {i!r}: the prompt says there is none" for i in sorted(gone)]
    else:
        pre = []
    if mode == "verify":
        scene, warnings = _ground_verify(scene, analysis, max_extra)
        return scene, pre + warnings
    scene, warnings = _ground_strict(scene, analysis, keep_composites)
    return scene, pre + warnings


def _ground_strict(scene: Scene, analysis: Analysis, keep_composites: bool = True) -> tuple[Scene, list[str]]:
    """A composite entity (its own parts: something the catalog lacks, so the prompt reading cannot
    match it) is kept with its relations to what remains; ``keep_composites=False`` drops it."""
    warnings: list[str] = []
    if not analysis.entities:
        return scene, warnings
    model_ents = list(scene.entities)
    used: set[int] = set()
    out: list[Entity] = []
    id_map: dict[str, str] = {}
    for d in analysis.entities:
        match = _composite_for(d, model_ents, used) if keep_composites else None
        if match is None:
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
        if e.is_composite and d.how == "placeholder":       # the model's own object for it: its colours stand
            upd["color"] = d.color if d.color != words.PLACEHOLDER_COLOR else e.color
        elif d.color:
            if e.color and colors.to_hex(e.color) != colors.to_hex(d.color):
                warnings.append(f"{d.id}: the prompt says {d.color}, the model wrote {e.color}; using {d.color}")
            upd["color"] = d.color
        else:
            upd["color"] = None
        upd["size"] = d.size
        upd["material"] = d.material or e.material
        upd["arrangement"] = d.arrangement or (e.arrangement if upd.get("count", e.count) > 1 else None)
        upd["relations"] = []
        upd["requested"] = d.requested or None
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
    final = _without_on_cycles(final, warnings)   # never introduce an 'on' cycle
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


def _composite_for(d, model_ents: list[Entity], taken) -> int | None:
    """A thing no kind has (the reading's placeholder) is best filled by a composite the model wrote
    for it: the one with its id or name, else the first composite nobody else took."""
    if getattr(d, "how", "listed") != "placeholder":
        return None
    free = [i for i, e in enumerate(model_ents) if i not in taken and e.is_composite]
    named = [i for i in free if d.id in (model_ents[i].id, model_ents[i].name) or d.requested == model_ents[i].name]
    return (named or free or [None])[0]


def _match(model_ents: list[Entity], analysis: Analysis) -> dict[int, int]:
    """reader entity index -> model entity index: same id and kind first, then the first unused of that kind."""
    used: dict[int, int] = {}
    taken: set[int] = set()
    for k, d in enumerate(analysis.entities):
        i = next((i for i, e in enumerate(model_ents) if i not in taken and e.id == d.id and e.kind == d.kind), None)
        if i is not None:
            used[k] = i
            taken.add(i)
    for k, d in enumerate(analysis.entities):
        if k in used:
            continue
        i = _composite_for(d, model_ents, taken)
        if i is None:
            i = next((i for i, e in enumerate(model_ents) if i not in taken and e.kind == d.kind), None)
        if i is not None:
            used[k] = i
            taken.add(i)
    return used


def negated_kinds(analysis: Analysis) -> set[str]:
    """Kinds the prompt says are absent ("no trees", "without a car")."""
    return set(analysis.negated)


def disagreements(scene: Scene, analysis: Analysis) -> list[str]:
    """Where the model's scene contradicts a fact the prompt states explicitly, one sentence each,
    addressed to the model (the verify mode's repair message)."""
    out: list[str] = []
    ents = list(scene.entities)
    match = _match(ents, analysis)
    ids = {k: ents[i].id for k, i in match.items()}
    for k, d in enumerate(analysis.entities):
        if k not in match:
            out.append(f"the description names {_said(d)}, but the JSON has no {d.kind} entity for it")
            continue
        e = ents[match[k]]
        if d.explicit_count and e.count != d.count:
            out.append(f"the description says {d.count} {d.kind}, but '{e.id}' has count {e.count}")
        if d.color and (not e.color or colors.to_hex(e.color) != colors.to_hex(d.color)):
            out.append(f"the description says the {d.kind} is {d.color}, but '{e.id}' is {e.color or 'uncoloured'}")
        for t, x, y in d.relations:
            tx = ids.get(next((j for j, o in enumerate(analysis.entities) if o.id == x), -1))
            ty = ids.get(next((j for j, o in enumerate(analysis.entities) if o.id == y), -1)) if y else None
            if tx and not any(r.type == t and r.target == tx and (y is None or r.target2 == ty) for r in e.relations):
                rel = {"type": t, "target": tx, **({"target2": ty} if ty else {})}
                also = f" and the {y.split('_')[0]}" if y else ""
                out.append(f"the description says the {d.kind} is {t.replace('_', ' ')} the {x.split('_')[0]}{also}: "
                           f"give '{e.id}' the relation {json.dumps(rel)}")
    explicit = {d.kind for d in analysis.entities if d.explicit_count}
    matched = set(match.values())
    no = negated_kinds(analysis)
    for i, e in enumerate(ents):
        if i in matched:
            continue
        if e.kind in explicit:
            out.append(f"'{e.id}' adds more {e.kind} than the description's number; remove it")
        elif e.kind in no:
            out.append(f"the description says there is no {e.kind}; remove '{e.id}'")
    if analysis.time_of_day and scene.time_of_day != analysis.time_of_day:
        out.append(f"the description says the time of day is {analysis.time_of_day}, not {scene.time_of_day}")
    if analysis.ground and scene.ground != analysis.ground:
        out.append(f"the description's ground is {analysis.ground}, not {scene.ground}")
    return out


def _said(d) -> str:
    n = f"{d.count} " if d.explicit_count else ("some " if d.count > 1 else "a ")
    return f"{n}{(d.color + ' ') if d.color else ''}{d.kind} ('{d.id}')"


def _ground_verify(scene: Scene, analysis: Analysis, max_extra: int) -> tuple[Scene, list[str]]:
    """``ground`` in verify mode (see there)."""
    warnings: list[str] = []
    ents = list(scene.entities)
    match = _match(ents, analysis)
    strict, strict_warn = _ground_strict(scene, analysis) if analysis.entities else (scene, [])
    warnings += [w for w in strict_warn if not w.startswith("dropped ") and "names no time of day" not in w]
    final = list(strict.entities) if analysis.entities else []
    # what the reading leaves open, the model's reply keeps
    for k, d in enumerate(analysis.entities):
        if k not in match:
            continue
        e, f = ents[match[k]], final[k]
        upd: dict = {}
        if not d.color and e.color:
            upd["color"] = e.color
        if not d.size and e.size:
            upd["size"] = e.size
        if not d.explicit_count and d.count > 1 and e.count > 1:
            upd["count"] = e.count
        if upd:
            final[k] = f.model_copy(update=upd)
    id_map = {ents[i].id: analysis.entities[k].id for k, i in match.items()}
    explicit = {d.kind for d in analysis.entities if d.explicit_count} | {d.kind for d in analysis.entities}
    no = negated_kinds(analysis)
    taken = {e.id for e in final}
    extras: list[Entity] = []
    for i, e in enumerate(ents):
        if i in match.values():
            continue
        why = ("the prompt names that kind already" if e.kind in explicit else
               "the prompt says there is none" if e.kind in no else
               f"more than {max_extra} added things" if len(extras) >= max_extra else None)
        if why:
            warnings.append(f"dropped {e.id!r} ({e.kind}) the model added: {why}")
            continue
        nid, n = e.id, 2
        while nid in taken:
            nid, n = f"{e.id[:28]}_{n}", n + 1
        taken.add(nid)
        id_map[e.id] = nid
        extras.append(e.model_copy(update={"id": nid}))
    if extras:
        warnings.append("kept what the model added: " + ", ".join(f"{e.id} ({e.kind})" for e in extras))
    # relations of added things (and of named things the prompt places nowhere) follow the model, re-targeted
    keep_ids = {e.id for e in final} | {e.id for e in extras}
    placed = {d.id for d in analysis.entities if d.relations}
    stated = {frozenset((d.id, x)) for d in analysis.entities for _, x, _ in d.relations}

    def model_rels(e: Entity, own: str) -> list[Relation]:
        out = []
        for r in e.relations:
            t, t2 = id_map.get(r.target), (id_map.get(r.target2) if r.target2 else None)
            if t in keep_ids and t != own and (r.target2 is None or t2 in keep_ids) and frozenset((own, t)) not in stated:
                out.append(Relation(type=r.type, target=t, target2=t2))
        return out
    for k, d in enumerate(analysis.entities):
        if k in match and d.id not in placed and not final[k].relations:
            final[k] = final[k].model_copy(update={"relations": model_rels(ents[match[k]], d.id)})
    extras = [x.model_copy(update={"relations": model_rels(x, x.id)}) for x in extras]
    out = final + extras
    if not out:
        return scene, warnings
    out = _without_on_cycles(out, warnings)
    upd = {"entities": out, "time_of_day": analysis.time_of_day or scene.time_of_day,
           "ground": analysis.ground or scene.ground}
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
    if analysis.negated:      # "without the car", "no trees": those kinds go
        gone = {e.id for e in ents if e.kind in analysis.negated}
        if gone:
            ents = [e for e in ents if e.id not in gone]
            notes.append(f"removed {', '.join(sorted(gone))}")
            changed = True
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
            base = d.kind if d.how in ("listed", "head", "near") else d.id   # a placeholder keeps its words
            nid, n = base, 2
            while nid in taken:
                nid, n = f"{base}_{n}", n + 1
            ents.append(Entity(id=nid, kind=d.kind, count=d.count, color=d.color, size=d.size, material=d.material,
                               requested=d.requested or None))
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
