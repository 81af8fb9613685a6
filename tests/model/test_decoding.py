"""Constrained decoding: the fast decoder (llguidance) against the schema and the reference.

The fuzz tests need only the embedded model's vocabulary (loaded with ``vocab_only``);
the decoding tests run the real model through the session ``backend`` fixture.
"""
from __future__ import annotations

import json
import os
import random

import numpy as np
import pytest

from worldsmith.generation import pipeline
from worldsmith.generation.backends import fastgrammar
from worldsmith.generation.backends.base import Request
from worldsmith.generation.backends.fastgrammar import GrammarError, ReferenceChecker, compile_schema, sample
from worldsmith.generation.backends.local import schema_to_gbnf
from worldsmith.scene_dsl import lexicon, schema as schema_mod

jsonschema = pytest.importorskip("jsonschema")
FUZZ_N = int(os.environ.get("WORLDSMITH_FUZZ_N", "1"))      # raise for a longer fuzz run

PROMPT = "a red car in front of a white house at sunset, two pine trees behind the house"


def _schemas():
    narrowed = pipeline.decoding_schema(lexicon.analyze(PROMPT))                 # prefixItems + consts
    ids = schema_mod.generation_schema(kinds=["dog", "bench", "tree"], color_names=["red", "blue"],
                                       ids=["dog", "bench", "trees"])            # enum ids, free order
    full = schema_mod.generation_schema()                                         # whole catalog, id pattern
    return {"narrowed": narrowed, "ids": ids, "full": full}


SCHEMAS = _schemas()


# -- pure parts -------------------------------------------------------------------------------------
def test_greedy_and_seeded_sampling_are_deterministic():
    logits = np.random.default_rng(0).normal(size=5000).astype(np.float32)
    assert sample(logits, 0.0, None) == int(np.argmax(logits))
    allowed = np.array([3, 17, 4000])
    assert sample(logits, 0.0, None, allowed) == int(allowed[np.argmax(logits[allowed])])
    a = [sample(logits, 0.8, r) for r in [np.random.default_rng(7)] for _ in range(20)]
    b = [sample(logits, 0.8, r) for r in [np.random.default_rng(7)] for _ in range(20)]
    assert a == b and len(set(a)) > 1
    top40 = set(np.argsort(-logits)[:40].tolist())
    assert set(a) <= top40
    assert all(int(t) in allowed for t in (sample(logits, 1.0, np.random.default_rng(s), allowed) for s in range(10)))


def test_a_broken_schema_raises_instead_of_loosening():
    with pytest.raises(GrammarError):
        compile_schema({"type": "object", "properties": {"id": {"type": "string", "pattern": "(["}}})
    with pytest.raises(GrammarError):
        schema_to_gbnf({"type": "object", "properties": {"a": {"type": "string"}}})   # lost the DSL's fields


# -- fuzz: the fast path never accepts what the schema rejects --------------------------------------
@pytest.fixture(scope="module")
def vocab():
    """The embedded model's vocabulary only (no weights evaluated), with the fast tokenizer."""
    import llama_cpp
    from worldsmith.generation import model_files as models
    llm = llama_cpp.Llama(model_path=str(models.resolve(None)), vocab_only=True, verbose=False)
    yield fastgrammar.FastDecoder(llm)
    llm.close()


def _random_doc(rng: random.Random, node: dict):
    if "const" in node:
        return node["const"]
    if "enum" in node:
        return rng.choice(node["enum"])
    if "anyOf" in node:
        return _random_doc(rng, rng.choice(node["anyOf"]))
    t = node.get("type")
    if t == "integer":
        return rng.randint(node.get("minimum", 0), node.get("maximum", 99))
    if t == "string":
        return rng.choice("abcxyz") + "".join(rng.choice("abc_019") for _ in range(rng.randint(0, 8)))
    if t == "array":
        if "prefixItems" in node:
            return [_random_doc(rng, it) for it in node["prefixItems"]]
        n = rng.randint(node.get("minItems", 0), min(node.get("maxItems", 4), 4))
        return [_random_doc(rng, node["items"]) for _ in range(n)]
    if t == "object":
        req = set(node.get("required", ()))
        return {k: _random_doc(rng, v) for k, v in node["properties"].items() if k in req or rng.random() < 0.5}
    raise AssertionError(f"generator does not know {node}")


def _dump(doc) -> str:
    return json.dumps(doc, separators=(", ", ": "))


def _mutations(rng: random.Random, text: str) -> list[str]:
    """Near misses of a valid document: small edits and the classic ways JSON slips past a check."""
    i = rng.randrange(len(text))
    out = [text[:i], text[:i] + text[i + 1:], text[:i] + rng.choice('{}[]",: 0-9ae\\') + text[i:],
           text[:i] + rng.choice('x"}]1 \n') + text[i + 1:], text + "}", text + " ", " " + text,
           text.replace(", ", ",", 1), text.replace(": ", ":"), text.replace('"count": 1', '"count": 0'),
           text.replace('"count": ', '"count": -', 1), text.replace('"count": ', '"count": 5', 1),
           text.replace('"count": 1', '"count": 1.0'), text.replace('"count": 2', '"count": "2"'),
           text.replace('"count": 1', '"count": 01'), text.replace('"version": 1', '"version": 2'),
           text.replace('{"id"', '{"id": "x", "id"', 1), text.replace('"kind"', '"kind": "car", "kind"', 1),
           text.replace('"car"', '"\\u0063ar"'), text.replace('"count"', '"extra": 1, "count"', 1),
           text.replace('"entities": [', '"entities": [], "more": [', 1), text.replace("sunset", "Sunset"),
           text.replace('"time_of_day"', '"ground": "grass", "time_of_day"', 1), text[::-1]]
    return out


def _tokenizations(rng: random.Random, dec, text: str) -> list[list[int]]:
    """The canonical tokens and a non-canonical split of the same bytes."""
    canon = dec.tokenizer.tokenize_str(text)
    cut = sorted(rng.sample(range(1, len(text)), min(3, max(0, len(text) - 1)))) if len(text) > 1 else []
    parts, last = [], 0
    for c in cut + [len(text)]:
        parts.append(text[last:c])
        last = c
    split = [t for p in parts if p for t in dec.tokenizer.tokenize_str(p)]
    return [canon, split]


def _fast_accepts(matcher, tokens) -> tuple[int, bool]:
    matcher.reset()
    n = matcher.try_consume_tokens(list(tokens))
    return n, matcher.is_accepting()


def _schema_valid(text: str, schema: dict) -> bool:
    def no_constants(_):
        raise ValueError("not JSON")
    try:
        doc = json.loads(text, parse_constant=no_constants)
    except ValueError:
        return False
    return jsonschema.Draft202012Validator(schema).is_valid(doc)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_fuzz_fast_path_never_accepts_what_the_schema_rejects(vocab, name):
    schema = SCHEMAS[name]
    rng = random.Random(f"fuzz-{name}")
    matcher = vocab.matcher(schema)
    ref = ReferenceChecker(vocab.llm, schema_to_gbnf(schema))
    checked = accepted_valid = rejected_invalid = 0
    try:
        for _ in range(40 * FUZZ_N):
            doc = _random_doc(rng, schema)
            good = _dump(doc)
            assert _schema_valid(good, schema), good
            for text in [good, *_mutations(rng, good)]:
                valid = _schema_valid(text, schema)
                for tokens in _tokenizations(rng, vocab, text):
                    n, accepting = _fast_accepts(matcher, tokens)
                    whole = n == len(tokens) and accepting
                    checked += 1
                    if whole:
                        # what the fast path takes, the schema and the reference grammar take too
                        assert valid, f"fast path accepted a document the schema rejects: {text!r}"
                        assert ref.feed(tokens) == len(tokens) and ref.complete(), text
                        accepted_valid += 1
                    else:
                        rejected_invalid += not valid
                        # every prefix the fast path took is a prefix the reference grammar takes
                        assert ref.feed(tokens[:n]) == n, f"reference rejects a prefix the fast path took: {text!r}"
                if text == good:
                    assert whole, f"the fast path rejected a valid compact document: {good!r}"
    finally:
        ref.close()
    assert accepted_valid >= 40 * FUZZ_N and rejected_invalid > 10 * FUZZ_N and checked > 1000 * FUZZ_N


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_fuzz_random_token_walks_stay_inside_the_schema(vocab, name):
    """Adversarial walks: mostly tokens the mask allows, sometimes any token of the 262k vocabulary
    (control tokens, whitespace runs, multi-character punctuation). Whatever the fast matcher takes must
    be a prefix the reference grammar takes, and every finished walk a document the schema accepts."""
    schema = SCHEMAS[name]
    rng = random.Random(f"walk-{name}")
    matcher = vocab.matcher(schema)
    ref = ReferenceChecker(vocab.llm, schema_to_gbnf(schema))
    finished = refused = 0
    try:
        for _ in range(25 * FUZZ_N):
            matcher.reset()
            ref.reset()
            taken: list[int] = []
            for _step in range(400):
                if matcher.is_stopped():
                    break
                if rng.random() < 0.25:
                    tok = rng.randrange(vocab.n_vocab)
                else:
                    allowed = vocab.allowed(matcher)
                    tok = int(allowed[rng.randrange(allowed.size)])
                if tok in vocab.eos:
                    if matcher.is_accepting():
                        break
                    continue
                if matcher.try_consume_tokens([tok]) != 1:
                    refused += 1
                    continue
                assert ref.allows(tok), f"reference grammar refuses {vocab.tokenizer.dbg_tokens(taken + [tok])}"
                ref.accept(tok)
                taken.append(tok)
            if matcher.is_accepting():
                finished += 1
                text = vocab.tokenizer.decode_str(taken)
                assert _schema_valid(text, schema), text
                assert ref.complete()
    finally:
        ref.close()
    assert finished >= 20 * FUZZ_N and refused > 0


# -- decoding with the real model --------------------------------------------------------------------
@pytest.mark.model
def test_fast_decoder_writes_schema_valid_scenes_and_reuses_the_prompt(backend):
    if backend.decoder != "fast":
        pytest.skip(f"fast decoder unavailable: {backend.decoder_note}")
    an = lexicon.analyze(PROMPT)
    schema = pipeline.decoding_schema(an)
    from worldsmith.generation import prompting
    msgs = prompting.messages(PROMPT, prompting.hint(an))
    phases = []
    g1 = backend.generate(Request(msgs, schema, on_progress=lambda p, n: phases.append((p, n))))
    g2 = backend.generate(Request(msgs, schema))
    assert _schema_valid(g1.text, schema), g1.text
    assert g1.text == g2.text                                   # greedy: same prompt, same reply
    assert g2.meta["reused_prompt_tokens"] > 0.9 * g2.prompt_tokens   # system prompt + examples kept
    assert g1.meta["forced"] > g1.meta["sampled"]                # keys and punctuation cost no model call
    assert phases[0] == ("thinking", 0) and phases[-1] == ("writing", g1.tokens)
    other = prompting.messages("a dog next to a bench", prompting.hint(lexicon.analyze("a dog next to a bench")))
    g3 = backend.generate(Request(other, schema_mod.generation_schema(), temperature=0.9, seed=3))
    assert _schema_valid(g3.text, schema_mod.generation_schema()), g3.text
    assert g3.meta["reused_prompt_tokens"] > 0.8 * g3.prompt_tokens      # system prompt + examples kept


@pytest.mark.model
def test_reference_decoder_is_still_selectable_and_sees_the_same_prompt(backend):
    an = lexicon.analyze("a dog next to a bench")
    schema = pipeline.decoding_schema(an)
    from worldsmith.generation import prompting
    msgs = prompting.messages("a dog next to a bench", prompting.hint(an))
    saved = backend.decoder
    try:
        backend.decoder = "reference"
        ref = backend.generate(Request(msgs, schema, max_tokens=200))
    finally:
        backend.decoder = saved
    assert ref.meta["decoder"] == "reference"
    assert _schema_valid(ref.text.strip(), schema), ref.text
    if saved == "fast":
        fast = backend.generate(Request(msgs, schema, max_tokens=200))
        assert fast.prompt_tokens == ref.prompt_tokens
        assert json.loads(fast.text)["entities"][0]["id"] == json.loads(ref.text)["entities"][0]["id"]
