"""A GGUF's chat template is code a model file brings: rendered by llama-cpp-python's own Jinja
formatter (sandboxed), within a time budget, so a hostile template cannot hold the process."""
from __future__ import annotations

import threading
import time

import pytest
from llama_cpp.llama_chat_format import Jinja2ChatFormatter

from worldsmith.generation.backends.base import Cancelled, ModelError
from worldsmith.generation.backends.local import render_chat
from worldsmith.generation.bounded import TooSlow, bounded

MESSAGES = [{"role": "user", "content": "a red car"}]
NESTED = ("{% for a in range(100000) %}{% for b in range(100000) %}{{ '' }}{% endfor %}{% endfor %}"
          "{{ messages[0]['content'] }}")
EXPANDING = "{% for i in range(20000) %}{{ messages[0]['content'] * 50 }}{% endfor %}"


def test_nested_loops_in_a_template_are_stopped_within_the_budget():
    fmt = Jinja2ChatFormatter(template=NESTED, eos_token="</s>", bos_token="<s>")
    t0 = time.monotonic()
    with pytest.raises(TooSlow, match="chat template took longer than 0.5 s"):
        bounded(lambda: fmt(messages=MESSAGES), 0.5, "the model's chat template")
    assert time.monotonic() - t0 < 30          # stopped, not run to the end (hours)


def test_a_template_that_expands_the_prompt_thousands_of_times_is_refused():
    fmt = Jinja2ChatFormatter(template=EXPANDING, eos_token="</s>", bos_token="<s>")
    with pytest.raises(ModelError, match="character prompt"):
        render_chat(fmt, MESSAGES)


def test_cancel_reaches_a_template_while_it_renders():
    fmt = Jinja2ChatFormatter(template=NESTED, eos_token="</s>", bos_token="<s>")
    cancel = threading.Event()
    threading.Timer(0.2, cancel.set).start()

    def check():
        if cancel.is_set():
            raise Cancelled("generation cancelled")
    with pytest.raises(Cancelled):
        bounded(lambda: fmt(messages=MESSAGES), 60, "the model's chat template", check)


def test_an_honest_template_renders_as_before():
    fmt = Jinja2ChatFormatter(template="{% for m in messages %}<{{ m['role'] }}>{{ m['content'] }}{% endfor %}",
                              eos_token="</s>", bos_token="<s>")
    assert bounded(lambda: fmt(messages=MESSAGES), 5, "t").prompt == fmt(messages=MESSAGES).prompt == "<user>a red car"
