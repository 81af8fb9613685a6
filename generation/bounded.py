"""Run Python that a model file brings (a GGUF's Jinja chat template, rendered in Jinja's
sandbox) within a time budget: a template with nested loops, or one that expands a prompt
thousands of times, is stopped with a clear error instead of holding the process for minutes.

Jinja compiles templates to Python, so a trace function installed for the duration of the
call sees every line the template runs and can end it. Cancel reaches it the same way.
"""
from __future__ import annotations

import sys
import time
from typing import Callable, TypeVar

from .errors import ModelError

T = TypeVar("T")
CHECK_EVERY = 2000     # trace events between two clock reads


class TooSlow(ModelError):
    """The bounded call ran past its budget."""


def bounded(fn: Callable[[], T], seconds: float, what: str, check_cancel: Callable[[], None] | None = None) -> T:
    """``fn()``, stopped with ``TooSlow`` (or whatever ``check_cancel`` raises) once ``seconds`` have passed."""
    deadline = time.monotonic() + seconds
    events = 0

    def tracer(frame, event, arg):
        nonlocal events
        events += 1
        if events % CHECK_EVERY == 0:
            if time.monotonic() > deadline:
                raise TooSlow(f"{what} took longer than {seconds:g} s and was stopped")
            if check_cancel is not None:
                check_cancel()
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        return fn()
    finally:
        sys.settrace(previous)
