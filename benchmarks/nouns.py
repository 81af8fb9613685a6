"""``worldsmith bench nouns`` and ``worldsmith bench coverage``: words to kinds, measured.

nouns: every noun of ``benchmarks/nouns/heldout.tsv`` (never used for tuning) goes through the
resolver (``scene_dsl.words``) and is scored against its expected kind for the catalog as it is:
the first listed kind the catalog has, else "none". A stand-in or placeholder answers "none" (the
word names no kind), a kind answers that kind.

coverage: every prompt of ``benchmarks/nouns/coverage.tsv`` is read (``lexicon.analyze``) and each
thing the prompt names (annotated in the file) is looked up among the reading's entities by the
words they carry (``requested``): realised by a kind, by a stand-in, by a placeholder, folded into
another thing as a part, or dropped (must be 0).

Both run on whatever the catalog holds, so they measure recipe kinds once they are merged.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

# the scene core is imported by the functions: `register` runs whenever a checkout's `worldsmith`
# builds its parser, and `generate` starts its model before those imports

ROOT = Path(__file__).resolve().parent / "nouns"
HELDOUT = ROOT / "heldout.tsv"
DEV = ROOT / "dev.tsv"
COVERAGE = ROOT / "coverage.tsv"
KIND_HOWS = ("listed", "head", "near")


def read_tsv(path: str | Path) -> list[tuple[int, list[str]]]:
    """(line number, tab-separated columns) of the non-comment lines of ``path``."""
    rows = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.strip() and not line.lstrip().startswith("#"):
            cols = line.split("\t")
            if len(cols) != 2 or not cols[0].strip() or not cols[1].strip():
                raise ValueError(f"{path}:{n}: expected two tab-separated columns, got {line!r}")
            rows.append((n, [c.strip() for c in cols]))
    return rows


def expected_kind(alternatives: str, kinds=None) -> str | None:
    """The right answer for the catalog: the first listed kind it has; ``None`` for "none"."""
    from ..scene_dsl import catalog
    kinds = kinds if kinds is not None else catalog.KINDS
    for name in alternatives.split("|"):
        name = name.strip()
        if name == "none":
            return None
        if name in kinds:
            return name
    return None


def score_nouns(path: str | Path, resolver: words.Resolver) -> dict:
    from ..scene_dsl import words
    rows, t0 = [], time.perf_counter()
    listed_words = set(resolver.words)
    for _n, (noun, alts) in read_tsv(path):
        res = resolver.resolve(noun)
        got = res.kind if res.how in KIND_HOWS else None
        want = expected_kind(alts, resolver.kinds)
        rows.append({"noun": noun, "expected": want, "got": got, "how": res.how, "score": round(res.score, 4),
                     "stand_in": res.kind if res.how == "stand_in" else None, "right": got == want,
                     "listed": words.singular_text(noun) in listed_words or noun in listed_words})
    seconds = time.perf_counter() - t0

    def acc(sub):
        return round(sum(r["right"] for r in sub) / len(sub), 4) if sub else None
    kinds = [r for r in rows if r["expected"]]
    nones = [r for r in rows if not r["expected"]]
    return {"file": str(path), "catalog_kinds": len(resolver.kinds), "nouns": len(rows),
            "accuracy": acc(rows), "accuracy_listed": acc([r for r in rows if r["listed"]]),
            "accuracy_unlisted": acc([r for r in rows if not r["listed"]]),
            "n_listed": sum(r["listed"] for r in rows),
            "accuracy_expected_kind": acc(kinds), "accuracy_expected_none": acc(nones),
            "n_expected_kind": len(kinds), "n_expected_none": len(nones),
            "wrong_kind": sum(1 for r in rows if r["got"] and not r["right"]),
            "ms_per_noun": round(1000 * seconds / max(1, len(rows)), 3), "rows": rows}


def _realised(thing: str, analysis: lexicon.Analysis) -> str:
    """How the reading realised ``thing``: kind, stand_in, placeholder, part or dropped."""
    from ..scene_dsl import lexicon, places, words
    head = words.singular(thing.split()[-1])
    for d in analysis.entities:
        own, _, parts = d.requested.partition(" with ")
        if head in {words.singular(w) for w in own.split()}:
            return "kind" if d.how in KIND_HOWS else d.how
        if head in {words.singular(w) for w in parts.split()}:
            return "part"
    # a place ("an airport", "a campsite") is the scene's setting: its ground, times and typical things
    if any(thing in pl.words or words.singular(thing) in pl.words for pl in places.named(analysis.masked or
                                                                                         lexicon.tokenize(analysis.prompt))):
        return "place"
    return "dropped"


def score_coverage(path: str | Path, resolver: words.Resolver) -> dict:
    from ..scene_dsl import lexicon
    rows, t0 = [], time.perf_counter()
    for n, (prompt, things) in read_tsv(path):
        a = lexicon.analyze(prompt, resolver)
        got = {t.strip(): _realised(t.strip(), a) for t in things.split(",") if t.strip()}
        rows.append({"line": n, "prompt": prompt, "things": got, "notes": a.notes,
                     "entities": [[d.id, d.kind, d.count, d.requested, d.how] for d in a.entities]})
    seconds = time.perf_counter() - t0
    counts = {k: 0 for k in ("kind", "stand_in", "placeholder", "part", "place", "dropped")}
    for r in rows:
        for how in r["things"].values():
            counts[how] += 1
    total = sum(counts.values())
    return {"file": str(path), "catalog_kinds": len(resolver.kinds), "prompts": len(rows), "things": total,
            "counts": counts, "shares": {k: round(v / total, 4) if total else None for k, v in counts.items()},
            "ms_per_prompt": round(1000 * seconds / max(1, len(rows)), 3), "rows": rows}


def make_resolver(nearest: str) -> words.Resolver:
    from ..scene_dsl import words
    if nearest == "none":
        return words.default_resolver()
    from ..generation import nearest as nearest_mod
    return nearest_mod.embedded_resolver()


def register(bs) -> None:
    n = bs.add_parser("nouns", help="noun -> kind accuracy on the held-out noun list")
    n.add_argument("--list", default=str(HELDOUT), help="a TSV of noun <TAB> expected kinds (| separated) or none")
    c = bs.add_parser("coverage", help="share of the things everyday prompts name realised by a kind, "
                                       "a stand-in or a placeholder, and dropped")
    c.add_argument("--prompts", default=str(COVERAGE), help="a TSV of prompt <TAB> comma-separated things")
    for p in (n, c):
        p.add_argument("--nearest", choices=("none", "embedded"), default="none",
                       help="general mapping for unlisted words: none (catalog words and heads) or embedded "
                            "(the embedded model's embeddings, cached per catalog)")
        p.add_argument("--json", action="store_true", help="print the whole report as JSON")
        p.add_argument("--out", default=None, help="also write the JSON report to this file")


def cmd(args) -> int:
    resolver = make_resolver(args.nearest)
    if args.bench_command == "nouns":
        rep = score_nouns(args.list, resolver)
        lines = [f"nouns: {rep['nouns']} ({rep['n_listed']} listed in the catalog, "
                 f"{rep['nouns'] - rep['n_listed']} not), catalog of {rep['catalog_kinds']} kinds, "
                 f"nearest={args.nearest}",
                 f"accuracy {rep['accuracy']:.3f}  listed {rep['accuracy_listed']}  unlisted "
                 f"{rep['accuracy_unlisted']}  expected-kind {rep['accuracy_expected_kind']}  expected-none "
                 f"{rep['accuracy_expected_none']}  wrong kinds {rep['wrong_kind']}  {rep['ms_per_noun']} ms/noun"]
        lines += [f"  wrong: {r['noun']!r} expected {r['expected']} got {r['got']} ({r['how']})"
                  for r in rep["rows"] if not r["right"]]
    else:
        rep = score_coverage(args.prompts, resolver)
        sh = rep["shares"]
        lines = [f"coverage: {rep['prompts']} prompts, {rep['things']} named things, catalog of "
                 f"{rep['catalog_kinds']} kinds, nearest={args.nearest}",
                 "  ".join(f"{k} {rep['counts'][k]} ({sh[k]:.1%})" for k in rep["counts"])
                 + f"  {rep['ms_per_prompt']} ms/prompt"]
        lines += [f"  dropped: {t!r} in {r['prompt']!r}" for r in rep["rows"]
                  for t, how in r["things"].items() if how == "dropped"]
    text = json.dumps(rep, indent=1)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text, encoding="utf-8")
    print(text if args.json else "\n".join(lines))
    if args.bench_command == "coverage" and rep["counts"]["dropped"]:
        print(f"worldsmith: {rep['counts']['dropped']} named things dropped", file=sys.stderr)
    return 0
