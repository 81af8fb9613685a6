"""The one small interface every model backend implements."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable, Protocol

from ..models import ModelError

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


class Backend(Protocol):
    name: str

    def generate(self, request: Request) -> Generation: ...

    def info(self) -> dict: ...

    def close(self) -> None: ...


__all__ = ["Backend", "Cancelled", "Generation", "ModelError", "ProgressFn", "Request"]
