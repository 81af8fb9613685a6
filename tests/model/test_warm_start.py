"""Warm start with the real model: the few-shot prefix's llama.cpp state is saved by one backend and
restored by the next (a fresh context, as in a new process), the reply is the same either way, and a
damaged state file is ignored and rebuilt."""
from __future__ import annotations

import pytest

from worldsmith.generation import pipeline, prompting, warmstart
from worldsmith.generation.backends.base import Request
from worldsmith.generation.backends.local import LocalBackend
from worldsmith.scene_dsl import lexicon

pytestmark = pytest.mark.model
PROMPT = "a blue tent next to a campfire"


def _request():
    analysis = lexicon.analyze(PROMPT)
    return Request(messages=prompting.messages(PROMPT, prompting.hint(analysis)),
                   schema=pipeline.decoding_schema(analysis), max_tokens=48)


def _fresh_reply():
    b = LocalBackend(None, n_threads=2)
    try:
        g = b.generate(_request())
        return g.text, g.meta.get("prefix_state", ""), g.prompt_tokens
    finally:
        b.close()


def test_the_prefix_state_is_restored_in_a_fresh_context_and_changes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(warmstart, "cache_root", lambda: tmp_path / "warm")
    cold, note, n_prompt = _fresh_reply()
    assert note.startswith("saved "), note
    states = list((tmp_path / "warm" / "prefix").glob("*.state"))
    assert len(states) == 1
    warm, note, _ = _fresh_reply()
    assert note.startswith("restored ") and int(note.split()[1]) < n_prompt, note
    assert warm == cold
    # no warm start at all (llguidance's own tokenizer, made before decoding, not in the background from
    # the cached token table): the same reply
    monkeypatch.setenv("WORLDSMITH_NO_WARM", "1")
    assert _fresh_reply()[:2] == (cold, "")
    monkeypatch.delenv("WORLDSMITH_NO_WARM")

    # one flipped byte: refused (never loaded into llama.cpp), rebuilt, the reply unchanged (truncated and
    # garbled entries meet the same digest check: tests/core/test_warmstart.py)
    state = states[0]
    good = state.read_bytes()
    state.write_bytes(good[:200] + bytes([good[200] ^ 0x55]) + good[201:])
    text, note, _ = _fresh_reply()
    assert note.startswith("ignored a stale or corrupt entry; saved "), note
    assert text == cold
    assert state.read_bytes() == good          # rebuilt: the same state as before


def test_a_quiet_load_calls_no_python_log_callback_and_puts_the_previous_one_back(tmp_path):
    """llama.cpp logs some 1,400 lines while the model and its context are made; through a Python
    callback each would wait for the GIL. In the window none reaches Python; the callback set before is
    back after it, also after a failed load, and a verbose load keeps it throughout."""
    import ctypes
    import threading

    import llama_cpp

    from worldsmith.generation import model_files
    from worldsmith.generation.backends.local import quiet_native_log

    lines: list[int] = []

    @llama_cpp.llama_log_callback
    def counting(level, text, data):
        lines.append(level)

    def current() -> int:
        cb, data = llama_cpp.llama_log_callback(), ctypes.c_void_p()
        llama_cpp.llama_log_get(ctypes.byref(cb), ctypes.byref(data))
        return ctypes.cast(cb, ctypes.c_void_p).value

    def load(verbose=False):
        llama_cpp.Llama(model_path=str(model_files.resolve(None)), n_ctx=256, n_threads=2,
                        verbose=verbose).close()

    from llama_cpp import _logger
    llama_cpp.llama_log_set(counting, ctypes.c_void_p(0))
    try:
        def quiet_load():
            with quiet_native_log(llama_cpp):
                load()

        threads = [threading.Thread(target=quiet_load) for _ in range(2)]    # two windows overlapping
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert lines == [] and current() == ctypes.cast(counting, ctypes.c_void_p).value

        bogus = tmp_path / "not-a-model.gguf"
        bogus.write_bytes(b"GGUF" + bytes(60))
        with pytest.raises(ValueError):
            with quiet_native_log(llama_cpp):
                llama_cpp.Llama(model_path=str(bogus), verbose=False)
        assert lines == [] and current() == ctypes.cast(counting, ctypes.c_void_p).value

        with quiet_native_log(llama_cpp, verbose=True):
            load()
        assert len(lines) > 100         # the same load, heard: the window is what kept it silent
    finally:
        llama_cpp.llama_log_set(_logger.llama_log_callback, ctypes.c_void_p(0))
