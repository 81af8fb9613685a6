"""In-process llama-cpp-python backend with schema-constrained decoding.

Two decoders, the same prompt tokens for both:

* ``fast`` (default when llguidance is installed): llguidance masks drive
  llama.cpp's low-level API (``fastgrammar``): check the model's choice first,
  mask only on rejection, force the stretches the schema leaves no choice in.
* ``reference``: llama.cpp's own GBNF grammar sampler, built from the schema by
  llama-cpp-python's converter.

Either way the schema is compiled once and cached, a conversion problem raises
``GrammarError`` (never a fallback to free-form JSON), and the prompt is
rendered with the model's chat format as llama-cpp-python picks it for the
GGUF. The system prompt and examples stay at the front of every request, so
the KV cache is reused from one request to the next.
"""
from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import os
import threading
import time

from .. import model_files as models
from .base import Generation, ModelError, Request, Stream
from ..bounded import bounded
from .fastgrammar import GrammarError

DECODERS = ("fast", "reference")
TEMPLATE_SECONDS = 5.0          # a real chat template renders in milliseconds
MAX_PROMPT_CHARS = 400_000      # far beyond any context this backend is given


def _import_llama():
    from ..diagnose import cpu_refusal_text
    refused = cpu_refusal_text()
    if refused is not None:         # never load a library this CPU cannot run: it would stop the process
        raise ModelError(refused)
    try:
        import llama_cpp
    except Exception as exc:  # ImportError, or OSError when the native library cannot load
        raise ModelError(
            "llama-cpp-python is not available or its native library failed to load "
            f"({exc}). Install it with `pip install llama-cpp-python` (for an NVIDIA GPU: "
            "CMAKE_ARGS='-DGGML_CUDA=on' pip install --force-reinstall --no-cache-dir llama-cpp-python)."
        ) from exc
    return llama_cpp


_QUIET_LOCK = threading.Lock()
_quiet = {"loads": 0, "before": None}


@contextlib.contextmanager
def quiet_native_log(llama_cpp, verbose: bool = False):
    """While a model and its context are made, llama.cpp's log goes to a C function that ignores
    it instead of llama-cpp-python's Python callback (unless ``verbose``).

    Loading the embedded model logs some 1,400 lines, and each call of the Python callback must take
    the GIL: with another thread running Python at the same time (the command line importing bpy,
    Blender drawing its UI) every line waits its turn, which made the load up to twice as slow. With
    ``verbose`` off that callback prints only llama.cpp's errors, and a failed load also raises. The
    stand-in is ``llama_max_devices``, a function of llama.cpp's own library that takes no arguments
    (a C caller's extra arguments are ignored on every ABI the library is built for). The callback
    is process-wide: loads in several threads share one window, and the callback that was set
    before it is set again when the last one ends."""
    if verbose:
        yield
        return
    with _QUIET_LOCK:
        if _quiet["loads"] == 0:
            before, data = llama_cpp.llama_log_callback(), ctypes.c_void_p()
            llama_cpp.llama_log_get(ctypes.byref(before), ctypes.byref(data))
            _quiet["before"] = (before, data)
            ignore = ctypes.cast(llama_cpp.llama_cpp._lib.llama_max_devices, ctypes.c_void_p).value
            llama_cpp.llama_log_set(llama_cpp.llama_log_callback(ignore), ctypes.c_void_p(0))
        _quiet["loads"] += 1
    try:
        yield
    finally:
        with _QUIET_LOCK:
            _quiet["loads"] -= 1
            if _quiet["loads"] == 0:
                llama_cpp.llama_log_set(*_quiet.pop("before"))


def schema_to_gbnf(schema: dict) -> str:
    """GBNF for ``schema``; raises ``GrammarError`` instead of ever falling back to generic JSON."""
    _import_llama()
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
    return gbnf


def _chat_formatter(llm):
    """The chat formatter llama-cpp-python uses for this model (GGUF template or named format),
    so both decoders render exactly the prompt ``create_chat_completion`` would."""
    from llama_cpp import llama_chat_format
    handler = llm.chat_handler or llm._chat_handlers.get(llm.chat_format)
    if handler is None:
        try:
            handler = llama_chat_format.get_chat_completion_handler(llm.chat_format)
        except Exception:
            return None
    cells = dict(zip(getattr(handler, "__code__", None) and handler.__code__.co_freevars or (),
                     (c.cell_contents for c in (getattr(handler, "__closure__", None) or ()))))
    fmt = cells.get("chat_formatter")
    return fmt if callable(fmt) else None


def render_chat(formatter, messages: list[dict], check_cancel=None):
    """``formatter(messages=...)`` (a GGUF's chat template, rendered in Jinja's sandbox by
    llama-cpp-python) within ``TEMPLATE_SECONDS`` and with a prompt of at most ``MAX_PROMPT_CHARS``."""
    result = bounded(lambda: formatter(messages=messages), TEMPLATE_SECONDS, "the model's chat template",
                     check_cancel)
    if len(result.prompt) > MAX_PROMPT_CHARS:
        raise ModelError(f"the model's chat template made a {len(result.prompt):,}-character prompt "
                         f"(at most {MAX_PROMPT_CHARS:,}); the model file's template is broken")
    return result


def _lora_file(lora: str | None):
    """The LoRA adapter's path, checked before llama.cpp sees it (it would only say 'failed')."""
    if not lora:
        return None
    from pathlib import Path
    p = Path(lora).expanduser()
    if not p.is_file():
        raise ModelError(f"LoRA adapter {p}: no such file")
    with open(p, "rb") as fh:
        if fh.read(4) != b"GGUF":
            raise ModelError(f"LoRA adapter {p}: not a GGUF file (convert a PEFT adapter with "
                             "llama.cpp's convert_lora_to_gguf.py; see tools/lora/README.md)")
    return p


class LocalBackend:
    name = "local"

    def __init__(self, model: str | None = None, n_gpu_layers: int = 0, n_ctx: int = 4096,
                 n_threads: int | None = None, seed: int = 0, verbose: bool = False,
                 decoder: str | None = None, lora: str | None = None):
        if decoder not in (None, *DECODERS):
            raise ModelError(f"unknown decoder {decoder!r}; choose fast or reference")
        self.model_path = models.resolve(model)
        self.lora_path = _lora_file(lora)
        llama_cpp = _import_llama()
        self._llama_cpp = llama_cpp
        self.n_gpu_layers = n_gpu_layers
        threads = n_threads or max(1, min(8, os.cpu_count() or 1))
        t0 = time.perf_counter()
        try:
            with quiet_native_log(llama_cpp, verbose):
                self.llm = llama_cpp.Llama(model_path=str(self.model_path), n_gpu_layers=n_gpu_layers,
                                           n_ctx=n_ctx, n_threads=threads, n_threads_batch=threads, seed=seed,
                                           verbose=verbose,
                                           **({"lora_path": str(self.lora_path)} if self.lora_path else {}))
        except Exception as exc:
            extra = f" with the LoRA adapter {self.lora_path}" if self.lora_path else ""
            raise ModelError(f"llama.cpp could not load {self.model_path}{extra}: {exc}") from exc
        self._grammars: dict[str, object] = {}
        self._formatter = _chat_formatter(self.llm)
        self._fast = None
        self._prefix = None
        self.warm_note = ""
        self.decoder_note = ""
        self.decoder = self._choose_decoder(decoder)
        self.load_seconds = time.perf_counter() - t0

    def _warm_base(self) -> dict | None:
        """What cached work depends on besides its own input: the model's bytes and the libraries
        (None, and no caching, when the model cannot be hashed or WORLDSMITH_NO_WARM is set: a cold
        start, as benchmarks of the first request want it)."""
        if os.environ.get("WORLDSMITH_NO_WARM"):
            return None
        try:
            sha, _cached = models.model_sha256(self.model_path)
        except OSError:
            return None
        import llguidance
        sysinfo = self._llama_cpp.llama_print_system_info()
        if self.lora_path:      # an adapter changes every cached state: its bytes are part of the key
            sha = f"{sha}+lora:{hashlib.sha256(self.lora_path.read_bytes()).hexdigest()}"
        return {"model_sha256": sha, "llama_cpp": self._llama_cpp.__version__,
                "llguidance": getattr(llguidance, "__version__", "?"),
                "system": hashlib.sha256(sysinfo).hexdigest()[:16]}

    def _choose_decoder(self, wanted: str | None) -> str:
        if wanted == "reference":
            return "reference"
        try:
            if self._formatter is None:
                raise ModelError("the model's chat format could not be rendered outside llama-cpp-python")
            from .fastgrammar import FastDecoder, import_llguidance
            import_llguidance()
            base = self._warm_base()
            self._fast = FastDecoder(self.llm, tokenizer_base=base, background=True)
            if base is not None:
                from ..warmstart import PrefixStore
                self._prefix = PrefixStore(self.llm, {**base, "n_ctx": self.llm.n_ctx(), "n_batch": self.llm.n_batch,
                                                      "n_ubatch": self.llm.context_params.n_ubatch,
                                                      "n_gpu_layers": self.n_gpu_layers})
        except ModelError as exc:
            if wanted == "fast":
                raise
            self.decoder_note = f"fast decoder unavailable, using reference: {exc}"
            return "reference"
        return "fast"

    def info(self) -> dict:
        sysinfo = self._llama_cpp.llama_print_system_info().decode("utf-8", "replace")
        gpu = bool(self._llama_cpp.llama_supports_gpu_offload())
        out = {"backend": self.name, "model": str(self.model_path), "n_gpu_layers": self.n_gpu_layers,
               **({"lora": str(self.lora_path)} if self.lora_path else {}),
               "gpu_offload_supported": gpu,
               "device": "gpu" if gpu and self.n_gpu_layers != 0 else "cpu",
               "decoder": self.decoder, "chat_format": self.llm.chat_format,
               "load_seconds": round(self.load_seconds, 3), "system_info": sysinfo.strip()}
        if self.decoder_note:
            out["decoder_note"] = self.decoder_note
        return out

    # -- grammars ---------------------------------------------------------------------------------
    def grammar(self, schema: dict):
        """The reference decoder's llama.cpp grammar for ``schema`` (cached)."""
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

    # -- prompts ----------------------------------------------------------------------------------
    def prompt_tokens(self, messages: list[dict], check_cancel=None) -> tuple[list[int], list[str]]:
        """The chat-formatted prompt as tokens, and the format's stop strings. The model file's chat
        template is rendered within a time budget and its output within a size bound."""
        result = render_chat(self._formatter, messages, check_cancel)
        tokens = self.llm.tokenize(result.prompt.encode("utf-8"), add_bos=not result.added_special, special=True)
        stop = result.stop if isinstance(result.stop, list) else [result.stop] if result.stop else []
        return tokens, stop

    def message_boundaries(self, messages: list[dict], tokens: list[int]) -> list[int]:
        """Token positions where each message after the first starts in ``tokens`` (as far as the
        prompt of the messages before it is a prefix of the whole prompt)."""
        out = []
        for k in range(1, len(messages)):
            head, _ = self.prompt_tokens(messages[:k])
            n = 0
            for a, b in zip(head, tokens):
                if a != b:
                    break
                n += 1
            out.append(n)
        return out

    # -- decoding ---------------------------------------------------------------------------------
    def generate(self, request: Request) -> Generation:
        if request.on_progress:
            request.on_progress("thinking", 0)
        try:
            if self.decoder == "fast":
                return self._generate_fast(request)
            return self._generate_reference(request)
        except (ModelError, KeyboardInterrupt):
            raise
        except Exception as exc:
            if type(exc).__name__ == "Cancelled":
                raise
            raise ModelError(f"the model failed while generating: {exc}") from exc

    def _generate_fast(self, request: Request) -> Generation:
        tokens, _ = self.prompt_tokens(request.messages, request.check_cancel)

        def on_token(n: int) -> None:
            if request.on_progress:
                request.on_progress("writing", n)

        boundaries = self.message_boundaries(request.messages, tokens)
        self._warm_prefix(tokens, boundaries)
        d = self._fast.decode(tokens, request.schema, request.max_tokens, request.temperature, request.seed,
                              on_token, request.check_cancel, boundaries)
        meta = {"decoder": "fast", "reused_prompt_tokens": d.reused_tokens, **d.stats}
        if self.warm_note:
            meta["prefix_state"] = self.warm_note
        return Generation(self._fast.detokenize(d.tokens), len(d.tokens), d.seconds, prompt_tokens=len(tokens),
                          first_token_seconds=d.first_token_seconds, meta=meta)

    def _warm_prefix(self, tokens: list[int], boundaries: list[int]) -> None:
        """In a fresh context, the system prompt and examples (everything before the last message)
        from llama.cpp's saved state, or evaluated in the decoder's own batches and saved for the next
        process. The batches are the same either way, so the reply does not depend on the cache."""
        self.warm_note = ""
        if self._prefix is None or not boundaries or boundaries[-1] < 1:
            return
        if self.llm.n_tokens != 0:
            if not getattr(self, "_from_state", False):
                return          # evaluated in this process: the decoder reuses it in its own batches
            # a context that came from a saved state is restored afresh for every request: reusing it in
            # memory (cutting it back and evaluating again) gives slightly different numbers than the
            # restore did (Gemma 3's sliding-window cache), and a reply must not depend on the request before
            self.llm._ctx.kv_cache_seq_rm(-1, 0, -1)
            self.llm.reset()
        self._from_state = False
        prefix = list(tokens[:boundaries[-1]])
        if self._prefix.restore(prefix):
            self._from_state = True
            self.warm_note = self._prefix.last
            return
        note = self._prefix.last
        self._fast._prefill(prefix, boundaries)
        self._prefix.save(prefix)
        self.warm_note = f"{note}; {self._prefix.last}" if note not in ("", "none") else self._prefix.last

    def _generate_reference(self, request: Request) -> Generation:
        grammar = self.grammar(request.schema)
        out = Stream(request)
        kwargs = dict(grammar=grammar, max_tokens=request.max_tokens, temperature=request.temperature,
                      seed=request.seed, stream=True, top_k=40 if request.temperature > 0 else 1, top_p=0.95,
                      repeat_penalty=1.0)
        if self._formatter is not None:
            tokens, stop = self.prompt_tokens(request.messages, request.check_cancel)
            stream = self.llm.create_completion(prompt=tokens, stop=stop or None, **kwargs)
            text_of = lambda chunk: chunk["choices"][0].get("text")  # noqa: E731
        else:
            tokens = []
            stream = bounded(lambda: self.llm.create_chat_completion(messages=request.messages, **kwargs),
                             TEMPLATE_SECONDS, "the model's chat template", request.check_cancel)
            text_of = lambda chunk: chunk["choices"][0].get("delta", {}).get("content")  # noqa: E731
        for chunk in stream:
            out.add(text_of(chunk))
        return out.result(prompt_tokens=len(tokens), meta={"decoder": "reference"})

    def tokenize(self, text: str) -> list[int]:
        return self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)

    def close(self) -> None:
        if self._fast is not None:
            self._fast.wait()
        self._fast = None
        llm, self.llm = getattr(self, "llm", None), None
        if llm is not None:
            llm.close()
