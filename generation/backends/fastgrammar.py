"""Fast schema-constrained decoding: llguidance token masks driving llama.cpp directly.

llama.cpp's own grammar sampler checks the whole vocabulary (262k tokens for
Gemma 3) against the grammar at every step. This module decodes with
llguidance instead, and does less work per token:

* the schema is compiled to an llguidance grammar once and cached;
* the model's preferred token is checked first (one cheap parser step); the
  full vocabulary mask is computed only when that token is rejected. For
  greedy decoding this is exact (the best allowed token is the best token if
  it is allowed); for sampling it is rejection sampling, which draws from
  the same masked distribution;
* where the grammar allows exactly one continuation (keys, punctuation,
  ``const`` values, closing brackets), those tokens are appended without
  sampling and evaluated by the model in one batch;
* the KV cache keeps the longest common prefix with the previous request, so
  the system prompt and the few-shot examples are evaluated once.

Nothing here trusts the model: every token passes through the matcher, and the
pipeline still validates each reply with pydantic.
"""
from __future__ import annotations

import json
import threading
import time
import warnings
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from ..errors import ModelError

# The DSL is written compactly, exactly like the few-shot examples: `", "` between
# items and `": "` after keys, and no other whitespace. A fixed layout makes the
# punctuation forced (no sampling) and keeps the model on the examples' rails.
JSON_OPTIONS = {"whitespace_flexible": False, "item_separator": ", ", "key_separator": ": "}
TOP_K = 40
TOP_P = 0.95


class GrammarError(ModelError):
    """The DSL schema could not be turned into a decoding grammar."""


def import_llguidance():
    try:
        import llguidance
        import llguidance.llamacpp  # noqa: F401  (needs llama_cpp, already loaded)
    except Exception as exc:
        raise ModelError(
            f"the fast decoder needs llguidance ({exc}); install it with `pip install llguidance` "
            "or use --decoder reference") from exc
    return llguidance


def compile_schema(schema: dict) -> str:
    """The llguidance grammar for ``schema``; raises ``GrammarError``, never loosens the schema."""
    llg = import_llguidance()
    try:
        grammar = llg.LLMatcher.grammar_from_json_schema(schema, overrides=JSON_OPTIONS)
    except Exception as exc:
        raise GrammarError(f"could not compile the DSL schema for the fast decoder: {exc}") from exc
    is_error, messages = llg.LLMatcher.validate_grammar_with_warnings(grammar)
    if is_error:
        raise GrammarError(f"the fast decoder rejected the DSL schema: {'; '.join(messages)}")
    return grammar


@dataclass
class Decoded:
    tokens: list[int]
    prompt_tokens: int
    reused_tokens: int            # prompt tokens found in the KV cache
    first_token_seconds: float
    seconds: float
    stats: dict = field(default_factory=dict)


def sample(logits: np.ndarray, temperature: float, rng: np.random.Generator | None,
           candidates: np.ndarray | None = None) -> int:
    """Greedy (temperature <= 0) or top-k/top-p sampling over ``candidates`` (default: all tokens).
    Deterministic for a given ``rng`` state."""
    vals = logits if candidates is None else logits[candidates]
    if temperature <= 0 or rng is None or vals.size == 1:
        i = int(np.argmax(vals))
    else:
        k = min(TOP_K, vals.size)
        top = np.argpartition(vals, vals.size - k)[vals.size - k:]
        top = top[np.argsort(-vals[top], kind="stable")]
        z = vals[top].astype(np.float64) / temperature
        p = np.exp(z - z[0])
        p /= p.sum()
        keep = int(np.searchsorted(np.cumsum(p), TOP_P)) + 1
        p = p[:keep] / p[:keep].sum()
        i = int(top[min(int(np.searchsorted(np.cumsum(p), rng.random())), keep - 1)])
    return i if candidates is None else int(candidates[i])


class FastDecoder:
    """Decodes with llguidance on a loaded ``llama_cpp.Llama``. One per model; not thread-safe
    (neither is llama.cpp's context)."""

    def __init__(self, llm, tokenizer_base: dict | None = None, background: bool = False):
        """``tokenizer_base``: the warm-start key of the cached token table (None: build it afresh).
        ``background``: make llguidance's tokenizer (about a second; llguidance releases the GIL) in a
        thread, while the caller restores and evaluates the prompt; the first matcher waits for it."""
        self.llm = llm
        import llama_cpp
        self._lc = llama_cpp
        self._llg = import_llguidance()
        self.n_vocab = int(llm.n_vocab())
        self.eos = self._eos_tokens()
        self.tokenizer_seconds = 0.0
        self._grammars: dict[str, str] = {}
        self._tokenizer, self._tokenizer_error, self._tokenizer_thread = None, None, None
        if background and tokenizer_base is not None:
            self._tokenizer_thread = threading.Thread(target=self._make_tokenizer, args=(tokenizer_base,),
                                                      name="worldsmith-llg-tokenizer", daemon=True)
            self._tokenizer_thread.start()
        else:
            self._make_tokenizer(tokenizer_base)
            if self._tokenizer_error is not None:
                raise self._tokenizer_error

    def _make_tokenizer(self, tokenizer_base: dict | None) -> None:
        t0 = time.perf_counter()
        try:
            if tokenizer_base is not None:  # the token table from the warm-start cache
                from ..warmstart import llg_tokenizer
                self._tokenizer = llg_tokenizer(self.llm, sorted(self.eos), tokenizer_base)
            else:
                with warnings.catch_warnings():     # llguidance reads the vocabulary with a deprecated call
                    warnings.simplefilter("ignore", DeprecationWarning)
                    self._tokenizer = self._llg.llamacpp.lltokenizer_from_vocab(self.llm._model.vocab,
                                                                                eos_token=sorted(self.eos))
        except Exception as exc:    # reported where the tokenizer is first needed
            self._tokenizer_error = ModelError(f"the fast decoder could not read the model's vocabulary: {exc}")
            self._tokenizer_error.__cause__ = exc
        self.tokenizer_seconds = time.perf_counter() - t0

    @property
    def tokenizer(self):
        """llguidance's tokenizer for the model (waits for the background thread making it)."""
        thread = self._tokenizer_thread
        if thread is not None:
            thread.join()
            self._tokenizer_thread = None
        if self._tokenizer_error is not None:
            raise self._tokenizer_error
        return self._tokenizer

    def wait(self) -> None:
        """Let a tokenizer being made in the background finish (it reads the model's vocabulary:
        the model must not be freed before)."""
        thread = self._tokenizer_thread
        if thread is not None:
            thread.join()

    def _eos_tokens(self) -> set[int]:
        eos = {int(self.llm.token_eos())}
        eot = self._lc.llama_vocab_eot(self.llm._model.vocab)
        if eot is not None and eot >= 0:
            eos.add(int(eot))
        return eos

    def grammar(self, schema: dict) -> str:
        key = json.dumps(schema, sort_keys=True)
        g = self._grammars.get(key)
        if g is None:
            g = self._grammars[key] = compile_schema(schema)
        return g

    def matcher(self, schema: dict):
        m = self._llg.LLMatcher(self.tokenizer, self.grammar(schema), log_level=0)
        if m.is_error():
            raise GrammarError(f"the fast decoder could not start on the DSL schema: {m.get_error()}")
        return m

    def allowed(self, matcher) -> np.ndarray:
        """Token ids the matcher allows next (the full mask)."""
        bits = np.unpackbits(np.frombuffer(matcher.compute_bitmask(), dtype=np.uint8), bitorder="little")
        return np.flatnonzero(bits[:self.n_vocab])

    # -- the KV cache -----------------------------------------------------------------------------
    def _prefill(self, prompt: Sequence[int], boundaries: Sequence[int] = ()) -> int:
        """Make the context hold ``prompt`` with fresh logits for its last token; returns how many
        prompt tokens were kept from the KV cache.

        The prompt is always evaluated in the same batches, cut at ``boundaries`` (where each chat
        message starts) and at multiples of the batch size, whatever the cache holds: llama.cpp's
        numbers depend slightly on batch shapes, and a reply must not depend on which request came
        before it. So the cache is kept up to the last cut inside the shared prefix."""
        llm = self.llm
        n = len(prompt)
        cuts = sorted({int(b) for b in boundaries if 0 < b < n} | set(range(llm.n_batch, n, llm.n_batch)))
        p = np.asarray(prompt, dtype=np.intc)
        cached = llm.input_ids[:llm.n_tokens]
        m = min(len(cached), n)
        diff = np.flatnonzero(cached[:m] != p[:m])
        common = min(int(diff[0]) if diff.size else m, n - 1)
        start = max([0] + [c for c in cuts if c <= common])
        if start > 0 and not llm._ctx.kv_cache_seq_rm(-1, start, -1):
            start = 0
        if start == 0:
            llm.reset()
        llm.n_tokens = start
        edges = [start] + [c for c in cuts if c > start] + [n]
        for a, b in zip(edges, edges[1:]):
            llm.eval(list(prompt[a:b]))
        return start

    def _logits(self) -> np.ndarray:
        ptr = self._lc.llama_get_logits_ith(self.llm._ctx.ctx, -1)
        return np.ctypeslib.as_array(ptr, shape=(self.n_vocab,))

    # -- decoding -----------------------------------------------------------------------------------
    def decode(self, prompt: Sequence[int], schema: dict | None, max_tokens: int, temperature: float = 0.0,
               seed: int = 0, on_token: Callable[[int], None] | None = None,
               check_cancel: Callable[[], None] | None = None, boundaries: Sequence[int] = ()) -> Decoded:
        """Decode after ``prompt`` under ``schema`` (``None``: unconstrained, for comparison)."""
        if len(prompt) + max_tokens > self.llm.n_ctx():
            raise ModelError(f"the prompt ({len(prompt)} tokens) and the reply ({max_tokens}) do not fit "
                             f"the context of {self.llm.n_ctx()} tokens; raise --ctx")
        if schema is not None:
            self.grammar(schema)            # a schema llguidance refuses fails before any work
        rng = np.random.default_rng(seed) if temperature > 0 else None
        t0 = time.perf_counter()
        reused = self._prefill(prompt, boundaries)
        # the matcher after the prompt: a tokenizer still being made in the background is waited for
        # only now (the prompt's evaluation does not need it)
        matcher = self.matcher(schema) if schema is not None else None
        first = 0.0
        out: list[int] = []
        pending: list[int] = []     # chosen but not yet evaluated by the model
        stats = {"forced": 0, "sampled": 0, "rejected": 0, "mask_seconds": 0.0, "model_calls": 0}
        mask_t = 0.0
        while len(out) < max_tokens:
            if check_cancel is not None:
                check_cancel()
            forced: list[int] = []
            if matcher is not None:
                tm = time.perf_counter()
                if matcher.is_stopped():
                    mask_t += time.perf_counter() - tm
                    break
                forced = matcher.compute_ff_tokens()[:max_tokens - len(out)]
                if forced and not matcher.consume_tokens(forced):
                    raise ModelError(f"the fast decoder lost the grammar: {matcher.get_error()}")
                mask_t += time.perf_counter() - tm
            if forced:
                stats["forced"] += len(forced)
                tokens = forced
            else:
                if pending:
                    self.llm.eval(pending)
                    stats["model_calls"] += 1
                    pending = []
                logits = self._logits()
                tok = sample(logits, temperature, rng)
                stats["sampled"] += 1
                if matcher is not None:
                    tm = time.perf_counter()
                    ok = matcher.try_consume_tokens([tok]) == 1
                    if not ok:                       # the model's choice breaks the schema: full mask
                        stats["rejected"] += 1
                        allowed = self.allowed(matcher)
                        if allowed.size == 0:
                            raise ModelError("the fast decoder found no token the schema allows")
                        tok = sample(logits, temperature, rng, allowed)
                        if tok in self.eos:
                            mask_t += time.perf_counter() - tm
                            break
                        if matcher.try_consume_tokens([tok]) != 1:
                            raise ModelError(f"the fast decoder lost the grammar: {matcher.get_error()}")
                    mask_t += time.perf_counter() - tm
                if tok in self.eos:
                    break
                tokens = [tok]
            if not out:
                first = time.perf_counter() - t0
            out.extend(tokens)
            pending.extend(tokens)
            if on_token is not None:
                on_token(len(out))
        if matcher is not None and not matcher.is_accepting() and len(out) < max_tokens:
            raise ModelError(f"the fast decoder stopped outside the schema: {matcher.get_error() or 'incomplete'}")
        stats["mask_seconds"] = mask_t
        stats["accepting"] = bool(matcher is None or matcher.is_accepting())
        return Decoded(out, len(prompt), reused, first, time.perf_counter() - t0, stats)

    def detokenize(self, tokens: Sequence[int]) -> str:
        return self.llm.detokenize(list(tokens)).decode("utf-8", "replace")


class ReferenceChecker:
    """llama.cpp's GBNF grammar sampler (the reference decoder's) as a token-by-token checker,
    for the fuzz tests and the benchmark. ``allows`` never lets llama.cpp accept a token its
    grammar rejects (which would abort the process)."""

    def __init__(self, llm, gbnf: str):
        import ctypes
        import llama_cpp as lc
        self._lc, self._ct = lc, ctypes
        self.n_vocab = int(llm.n_vocab())
        self.eos = int(llm.token_eos())
        self._smpl = lc.llama_sampler_init_grammar(llm._model.vocab, gbnf.encode(), b"root")
        if not self._smpl:
            raise GrammarError("llama.cpp rejected the grammar")
        self._one = (lc.llama_token_data * 1)()
        self._all = None

    def close(self) -> None:
        if self._smpl:
            self._lc.llama_sampler_free(self._smpl)
            self._smpl = None

    def __del__(self):
        self.close()

    def reset(self) -> None:
        self._lc.llama_sampler_reset(self._smpl)

    def allows(self, token: int) -> bool:
        self._one[0].id, self._one[0].logit, self._one[0].p = int(token), 0.0, 0.0
        arr = self._lc.llama_token_data_array(self._one, 1, -1, False)
        self._lc.llama_sampler_apply(self._smpl, self._ct.byref(arr))
        return self._one[0].logit != float("-inf")

    def accept(self, token: int) -> None:
        self._lc.llama_sampler_accept(self._smpl, int(token))

    def feed(self, tokens: Sequence[int]) -> int:
        """Reset, then accept ``tokens`` while the grammar allows them; returns how many it took."""
        self.reset()
        for i, t in enumerate(tokens):
            if not self.allows(t):
                return i
            self.accept(t)
        return len(tokens)

    def complete(self) -> bool:
        """Whether the text fed so far is a whole document (end of sequence allowed)."""
        return self.allows(self.eos)

    def full_mask(self) -> int:
        """Run the grammar over the whole vocabulary, as the reference decoder does at every step;
        returns how many tokens it allows."""
        if self._all is None:
            self._all = (self._lc.llama_token_data * self.n_vocab)()
            self._all_np = np.ctypeslib.as_array(self._all)
        self._all_np["id"] = np.arange(self.n_vocab, dtype=np.int32)
        self._all_np["logit"] = 0.0
        arr = self._lc.llama_token_data_array(self._all, self.n_vocab, -1, False)
        self._lc.llama_sampler_apply(self._smpl, self._ct.byref(arr))
        return int(np.count_nonzero(np.isfinite(self._all_np["logit"][:arr.size])))
