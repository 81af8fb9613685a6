"""In-process llama-cpp-python backend with grammar-constrained decoding.

The JSON Schema of the DSL is converted to a GBNF grammar once per schema and
checked: if conversion fails or llama.cpp rejects the grammar we raise, and
never fall back to free-form JSON. The system prompt stays at the front of
every request, so llama.cpp reuses its KV cache from one request to the next.
"""
from __future__ import annotations

import json
import os
import time

from .. import models
from .base import Generation, ModelError, Request


def _import_llama():
    try:
        import llama_cpp
    except Exception as exc:  # ImportError, or OSError when the native library cannot load
        raise ModelError(
            "llama-cpp-python is not available or its native library failed to load "
            f"({exc}). Install it with `pip install llama-cpp-python` (for an NVIDIA GPU: "
            "CMAKE_ARGS='-DGGML_CUDA=on' pip install --force-reinstall --no-cache-dir llama-cpp-python)."
        ) from exc
    return llama_cpp


class GrammarError(ModelError):
    """The DSL schema could not be turned into a decoding grammar."""


def schema_to_gbnf(schema: dict) -> str:
    """GBNF for ``schema``; raises ``GrammarError`` instead of ever falling back to generic JSON."""
    llama_cpp = _import_llama()
    from llama_cpp import llama_grammar
    try:
        props = list(schema.get("properties", {}))
        gbnf = llama_grammar.json_schema_to_gbnf(json.dumps(schema), prop_order=props)
    except Exception as exc:
        raise GrammarError(f"could not convert the DSL schema to a grammar: {exc}") from exc
    # a conversion that silently lost the schema would not name our fields
    for needle in ('\\"entities\\"', '\\"kind\\"'):
        if needle not in gbnf:
            raise GrammarError("the schema grammar lost the DSL's structure; refusing to decode unconstrained")
    del llama_cpp
    return gbnf


class LocalBackend:
    name = "local"

    def __init__(self, model: str | None = None, n_gpu_layers: int = 0, n_ctx: int = 4096,
                 n_threads: int | None = None, seed: int = 0, verbose: bool = False):
        self.model_path = models.resolve(model)
        llama_cpp = _import_llama()
        self._llama_cpp = llama_cpp
        self.n_gpu_layers = n_gpu_layers
        threads = n_threads or max(1, min(8, os.cpu_count() or 1))
        t0 = time.perf_counter()
        try:
            self.llm = llama_cpp.Llama(model_path=str(self.model_path), n_gpu_layers=n_gpu_layers, n_ctx=n_ctx,
                                       n_threads=threads, n_threads_batch=threads, seed=seed, verbose=verbose)
        except Exception as exc:
            raise ModelError(f"llama.cpp could not load {self.model_path}: {exc}") from exc
        self.load_seconds = time.perf_counter() - t0
        self._grammars: dict[str, object] = {}

    def info(self) -> dict:
        sysinfo = self._llama_cpp.llama_print_system_info().decode("utf-8", "replace")
        gpu = bool(self._llama_cpp.llama_supports_gpu_offload())
        return {"backend": self.name, "model": str(self.model_path), "n_gpu_layers": self.n_gpu_layers,
                "gpu_offload_supported": gpu,
                "device": "gpu" if gpu and self.n_gpu_layers != 0 else "cpu",
                "load_seconds": round(self.load_seconds, 3), "system_info": sysinfo.strip()}

    def grammar(self, schema: dict):
        key = json.dumps(schema, sort_keys=True)
        g = self._grammars.get(key)
        if g is None:
            from llama_cpp.llama_grammar import LlamaGrammar
            gbnf = schema_to_gbnf(schema)
            self._check_grammar(gbnf)
            g = self._grammars[key] = LlamaGrammar.from_string(gbnf, verbose=False)
        return g

    def _check_grammar(self, gbnf: str) -> None:
        lc = self._llama_cpp
        sampler = lc.llama_sampler_init_grammar(self.llm._model.vocab, gbnf.encode(), b"root")
        if not sampler:
            raise GrammarError("llama.cpp rejected the DSL grammar; refusing to decode unconstrained")
        lc.llama_sampler_free(sampler)

    def generate(self, request: Request) -> Generation:
        grammar = self.grammar(request.schema)
        t0 = time.perf_counter()
        first = 0.0
        pieces: list[str] = []
        n = 0
        if request.on_progress:
            request.on_progress("thinking", 0)
        try:
            stream = self.llm.create_chat_completion(
                messages=request.messages, grammar=grammar, max_tokens=request.max_tokens,
                temperature=request.temperature, seed=request.seed, stream=True,
                top_k=40 if request.temperature > 0 else 1, top_p=0.95, repeat_penalty=1.0)
            for chunk in stream:
                request.check_cancel()
                delta = chunk["choices"][0].get("delta", {}).get("content")
                if delta:
                    if not pieces:
                        first = time.perf_counter() - t0
                    pieces.append(delta)
                    n += 1
                    if request.on_progress:
                        request.on_progress("writing", n)
        except (ModelError, KeyboardInterrupt):
            raise
        except Exception as exc:
            if type(exc).__name__ == "Cancelled":
                raise
            raise ModelError(f"the model failed while generating: {exc}") from exc
        return Generation("".join(pieces), n, time.perf_counter() - t0, first_token_seconds=first)

    def tokenize(self, text: str) -> list[int]:
        return self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)

    def close(self) -> None:
        llm, self.llm = getattr(self, "llm", None), None
        if llm is not None:
            llm.close()
