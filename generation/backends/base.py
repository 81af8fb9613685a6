"""The one small interface every model backend implements."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Protocol

from ..errors import ModelError

ProgressFn = Callable[[str, int], None]   # (phase, tokens so far)


class Cancelled(RuntimeError):
    """The user cancelled the generation."""


@dataclass
class Generation:
    text: str
    tokens: int
    seconds: float
    prompt_tokens: int = 0
    first_token_seconds: float = 0.0
    meta: dict = field(default_factory=dict)


@dataclass
class Request:
    messages: list[dict]
    schema: dict
    max_tokens: int = 768
    temperature: float = 0.0
    seed: int = 0
    on_progress: ProgressFn | None = None
    cancel: threading.Event | None = None

    def check_cancel(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled("generation cancelled")


class Stream:
    """What a backend does with each piece of streamed text: cancel check, first-token time,
    token count and progress, then ``result()`` makes the ``Generation``."""

    def __init__(self, request: Request):
        self.request = request
        self.t0 = time.perf_counter()
        self.first = 0.0
        self.pieces: list[str] = []
        self.tokens = 0

    def add(self, delta: str | None) -> None:
        """One streamed token (its text may be empty)."""
        self.request.check_cancel()
        if delta:
            if not self.pieces:
                self.first = time.perf_counter() - self.t0
            self.pieces.append(delta)
        self.tokens += 1
        if self.request.on_progress:
            self.request.on_progress("writing", self.tokens)

    @property
    def text(self) -> str:
        return "".join(self.pieces)

    def result(self, tokens: int | None = None, prompt_tokens: int = 0, meta: dict | None = None) -> Generation:
        return Generation(self.text, self.tokens if tokens is None else tokens, time.perf_counter() - self.t0,
                          prompt_tokens=prompt_tokens, first_token_seconds=self.first, meta=meta or {})


class Backend(Protocol):
    name: str

    def generate(self, request: Request) -> Generation: ...

    def info(self) -> dict: ...

    def close(self) -> None: ...


__all__ = ["Backend", "Cancelled", "Generation", "ModelError", "ProgressFn", "Request", "Stream"]
