"""Model backends: where a scene DSL comes from.

``create(settings)`` picks one by name; each implements ``base.Backend``.
"""
from __future__ import annotations

from dataclasses import dataclass

from .base import Backend, Cancelled, Generation, ModelError, Request


@dataclass
class BackendSettings:
    backend: str = "local"           # local | http
    model: str | None = None         # GGUF path or "embedded" (local); model name (http)
    gpu_layers: int = 0
    ctx: int = 4096
    threads: int | None = None
    seed: int = 0
    endpoint: str | None = None
    api_key: str | None = None
    timeout: float = 120.0           # http: the longest silence between two pieces of a reply
    total_timeout: float | None = None  # http: the longest a whole reply may take (None: 600 s)
    decoder: str | None = None       # local: fast | reference; None = fast when available
    lora: str | None = None          # local: a GGUF LoRA adapter applied to the model (tools/lora/)


def create(settings: BackendSettings) -> Backend:
    if settings.backend == "local":
        from .local import LocalBackend
        return LocalBackend(settings.model, n_gpu_layers=settings.gpu_layers, n_ctx=settings.ctx,
                            n_threads=settings.threads, seed=settings.seed,
                            decoder=settings.decoder, lora=settings.lora)
    if settings.backend == "http":
        try:
            from .http import HttpBackend
        except ImportError as exc:
            raise ModelError("the http backend is not available in this build") from exc
        return HttpBackend(settings)
    raise ModelError(f"unknown backend {settings.backend!r}; choose local or http")


__all__ = ["Backend", "BackendSettings", "Cancelled", "Generation", "ModelError", "Request", "create"]
