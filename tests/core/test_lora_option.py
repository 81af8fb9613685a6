"""``--lora``: a LoRA adapter for the local backend is checked before llama.cpp sees it (a missing or
non-GGUF file is a clear ModelError naming the file), and the option reaches the backend settings."""
from __future__ import annotations

import argparse

import pytest

from worldsmith.cli.options import add_model_options, backend_settings
from worldsmith.generation.backends.base import ModelError
from worldsmith.generation.backends.local import _lora_file


def test_no_adapter_is_none():
    assert _lora_file(None) is None and _lora_file("") is None


def test_a_missing_adapter_names_the_file(tmp_path):
    with pytest.raises(ModelError, match=r"LoRA adapter .*nope\.gguf: no such file"):
        _lora_file(str(tmp_path / "nope.gguf"))


def test_a_file_that_is_not_gguf_is_refused_with_the_way_to_convert_one(tmp_path):
    p = tmp_path / "adapter_model.safetensors"
    p.write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")
    with pytest.raises(ModelError, match=r"not a GGUF file .*convert_lora_to_gguf"):
        _lora_file(str(p))


def test_a_gguf_file_is_accepted(tmp_path):
    p = tmp_path / "a.gguf"
    p.write_bytes(b"GGUF" + b"\x00" * 20)
    assert _lora_file(str(p)) == p


def test_the_option_reaches_the_backend_settings():
    ap = argparse.ArgumentParser()
    add_model_options(ap)
    assert backend_settings(ap.parse_args(["--lora", "x.gguf"])).lora == "x.gguf"
    assert backend_settings(ap.parse_args([])).lora is None
