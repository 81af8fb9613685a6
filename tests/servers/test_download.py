"""Model downloads against a real HTTP server on 127.0.0.1 that honours Range requests."""
from __future__ import annotations

import hashlib
import http.server
import os
import re
import threading
import time

import pytest

from worldsmith.generation import download as dl

PAYLOAD = os.urandom(3 * 1024 * 1024 + 12345)
SHA = hashlib.sha256(PAYLOAD).hexdigest()
STALL_S = 30.0   # a stalled server's silence: far longer than the read timeout under test


class RangeServer:
    """Serves PAYLOAD at /model.gguf with Range support; ``faults`` scripts misbehaviour per request:
    "cut" (send half the bytes then close), "stall" (send half then go silent), "corrupt" (flip bytes),
    "ignore_range" (always 200 with the whole file), "huge" (claim an enormous size), "503"."""

    def __init__(self, payload: bytes = PAYLOAD):
        self.payload, self.faults, self.requests = payload, [], []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                outer.requests.append(dict(self.headers))
                fault = outer.faults.pop(0) if outer.faults else None
                data = outer.payload
                if self.path != "/model.gguf":
                    self.send_error(404)
                    return
                if fault == "503":
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if fault == "corrupt":
                    data = bytes([data[0] ^ 0xFF]) + data[1:]
                if fault == "huge":
                    self.send_response(200)
                    self.send_header("Content-Length", str(1 << 60))
                    self.end_headers()
                    self.wfile.write(data[:1024])
                    self.close_connection = True
                    return
                start = 0
                m = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range", ""))
                if m and fault != "ignore_range" and self.headers.get("If-Range", '"v1"') == '"v1"':
                    start = int(m.group(1))
                    if start >= len(data):
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{len(data)}")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                self.send_header("ETag", '"v1"')
                self.send_header("Content-Length", str(len(data) - start))
                self.end_headers()
                body = data[start:]
                if fault in ("cut", "stall"):
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    if fault == "stall":
                        time.sleep(STALL_S)
                    self.close_connection = True
                    return
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/model.gguf"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    with RangeServer() as s:
        yield s


def test_download_streams_verifies_and_reports_progress(server, tmp_path):
    seen = []
    res = dl.download(server.url, tmp_path / "m.gguf", SHA, on_progress=lambda d, t: seen.append((d, t)))
    assert res.verified and res.sha256 == SHA and res.size == len(PAYLOAD)
    assert (tmp_path / "m.gguf").read_bytes() == PAYLOAD
    assert not list(tmp_path.glob("*.partial*"))
    assert seen[-1] == (len(PAYLOAD), len(PAYLOAD)) and len(seen) >= 3
    again = dl.download(server.url, tmp_path / "m.gguf", SHA)
    assert again.already_present and len(server.requests) == 1      # no second transfer


def test_connection_cut_mid_transfer_resumes_with_range(server, tmp_path):
    server.faults = ["cut"]
    res = dl.download(server.url, tmp_path / "m.gguf", SHA, backoff=0.01)
    assert res.verified and (tmp_path / "m.gguf").read_bytes() == PAYLOAD
    assert "Range" not in server.requests[0]
    offset = int(re.fullmatch(r"bytes=(\d+)-", server.requests[1]["Range"]).group(1))
    assert 0 < offset <= len(PAYLOAD) // 2 and res.resumed_from == 0   # resumed in the same run
    assert server.requests[1]["If-Range"] == '"v1"'


def test_stalled_transfer_times_out_and_resumes(server, tmp_path):
    server.faults = ["stall"]
    t0 = time.perf_counter()
    res = dl.download(server.url, tmp_path / "m.gguf", SHA, read_timeout=0.3, backoff=0.01)
    assert res.verified and len(server.requests) == 2 and server.requests[1]["Range"].startswith("bytes=")
    assert time.perf_counter() - t0 < STALL_S / 2   # did not sit out the server's silence


def test_interrupted_download_resumes_on_the_next_run(server, tmp_path):
    cancel = threading.Event()

    def stop_after_first_mb(done, total):
        if done >= 1 << 20:
            cancel.set()
    with pytest.raises(dl.DownloadError, match="cancelled; run it again to resume"):
        dl.download(server.url, tmp_path / "m.gguf", SHA, on_progress=stop_after_first_mb, cancel=cancel,
                    chunk=64 * 1024)
    partial = tmp_path / "m.gguf.partial"
    kept = partial.stat().st_size
    assert 1 << 20 <= kept < len(PAYLOAD) and not (tmp_path / "m.gguf").exists()
    res = dl.download(server.url, tmp_path / "m.gguf", SHA)
    assert res.resumed_from == kept and res.verified
    assert server.requests[-1]["Range"] == f"bytes={kept}-"
    assert (tmp_path / "m.gguf").read_bytes() == PAYLOAD and not partial.exists()


def test_corrupted_file_fails_verification_and_is_removed(server, tmp_path):
    server.faults = ["corrupt"]
    with pytest.raises(dl.DownloadError, match="failed its SHA-256 check.*corrupt download was removed"):
        dl.download(server.url, tmp_path / "m.gguf", SHA)
    assert list(tmp_path.iterdir()) == []
    assert dl.download(server.url, tmp_path / "m.gguf", SHA).verified     # a clean retry works


def test_corrupt_resume_is_caught_by_the_hash(server, tmp_path):
    """A partial file whose bytes went bad on disk is resumed, fails the hash and is deleted."""
    server.faults = ["cut"]
    cancel = threading.Event()
    with pytest.raises(dl.DownloadError):
        dl.download(server.url, tmp_path / "m.gguf", SHA, retries=0, backoff=0.01, cancel=cancel,
                    on_progress=lambda d, t: cancel.set() if d > 1 << 20 else None)
    partial = tmp_path / "m.gguf.partial"
    with open(partial, "r+b") as f:
        f.write(b"\0" * 16)
    with pytest.raises(dl.DownloadError, match="SHA-256"):
        dl.download(server.url, tmp_path / "m.gguf", SHA)
    assert not partial.exists() and not (tmp_path / "m.gguf").exists()


def test_server_ignoring_range_restarts_cleanly(server, tmp_path):
    server.faults = ["cut", "ignore_range"]
    res = dl.download(server.url, tmp_path / "m.gguf", SHA, backoff=0.01)
    assert res.verified and res.resumed_from == 0 and res.size == len(PAYLOAD)


def test_changed_file_on_server_is_not_stitched(server, tmp_path):
    """If-Range carries the old ETag; the server's file changed, so it sends the whole new file."""
    (tmp_path / "m.gguf.partial").write_bytes(PAYLOAD[:1000])
    (tmp_path / "m.gguf.partial.json").write_text(f'{{"url": "{server.url}", "validator": "\\"v0\\""}}')
    res = dl.download(server.url, tmp_path / "m.gguf", SHA)
    assert server.requests[0]["If-Range"] == '"v0"' and res.resumed_from == 0 and res.verified


def test_retries_on_503_then_succeeds(server, tmp_path):
    server.faults = ["503", "503"]
    assert dl.download(server.url, tmp_path / "m.gguf", SHA, backoff=0.01).verified
    assert len(server.requests) == 3


def test_gives_up_with_a_clear_message(server, tmp_path):
    server.faults = ["503"] * 4
    with pytest.raises(dl.DownloadError, match=r"kept failing \(server answered HTTP 503\)"):
        dl.download(server.url, tmp_path / "m.gguf", SHA, retries=2, backoff=0.01)


def test_disk_space_is_checked_before_writing(server, tmp_path):
    server.faults = ["huge"]
    with pytest.raises(dl.DownloadError, match="not enough disk space"):
        dl.download(server.url, tmp_path / "m.gguf", None)
    partial = tmp_path / "m.gguf.partial"
    assert not partial.exists() or partial.stat().st_size == 0


def test_missing_file_and_unreachable_server(server, tmp_path):
    with pytest.raises(dl.DownloadError, match="HTTP 404"):
        dl.download(server.url.replace("model.gguf", "nope.gguf"), tmp_path / "x.gguf")
    with pytest.raises(dl.DownloadError, match="connection refused"):
        dl.download("http://127.0.0.1:9/model.gguf", tmp_path / "x.gguf", retries=1, backoff=0.01)
    with pytest.raises(dl.DownloadError, match="not a downloadable"):
        dl.download("ftp://example.invalid/x.gguf", tmp_path / "x.gguf")


def test_online_access_rule_in_background_mode(server, tmp_path):
    """Outside the interactive UI (bpy in background mode, as here) the command line may download even
    though the bpy module reports online access off; inside the UI the preference decides."""
    import bpy
    assert bpy.app.background
    dl.check_online_access()
    assert dl.download(server.url, tmp_path / "m.gguf", SHA).verified
