"""Any OpenAI-compatible server: llama.cpp's ``llama-server``, ``python -m
llama_cpp.server``, Ollama, vLLM.

``POST {endpoint}/v1/chat/completions`` with ``stream: true`` and the DSL's
JSON Schema as the response format. Two spellings of that format exist; we
send OpenAI's ``{"type": "json_schema", ...}`` first and fall back to
llama-cpp-python's ``{"type": "json_object", "schema": ...}`` when a server
rejects the first (and remember which one worked).

Every failure becomes a ``ModelError`` whose message names the endpoint:
unreachable, wrong URL, HTML or empty or non-JSON or truncated replies, an
unknown model, a server that dies mid-reply, a server that stops answering
(connect/read timeouts). 429 and 5xx get a few retries with backoff before the
reply starts. Replies that finish normally but do not match the schema are
counted; ``failure_hint()`` then says the server does not seem to honour the
schema, and the pipeline adds that to its final error.

The API key goes only into the ``Authorization`` header: it is never part of
a message, ``info()``, ``repr()`` or anything written to disk.
"""
from __future__ import annotations

import json
import queue
import threading
import time
from urllib.parse import urlsplit

from .base import Cancelled, Generation, ModelError, Request, Stream
from .replies import (abort, clean, conforms, count, error_message, finish_reason, first_choice, json_body, lines,
                      mentions_format, message_of, reason, requests_module, text_of)

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
DEFAULT_TOTAL_TIMEOUT = 600.0  # the whole reply, however the server trickles it
_FORMATS = (
    ("json_schema", lambda s: {"type": "json_schema", "json_schema": {"name": "scene", "schema": s, "strict": True}}),
    ("json_object+schema", lambda s: {"type": "json_object", "schema": s}),
)
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class HttpBackend:
    name = "http"
    offers_composites = True     # a served model is usually a capable one: offer it composite entities

    def __init__(self, settings, *, connect_timeout: float = 5.0, retries: int = 2, backoff: float = 0.5):
        endpoint = (settings.endpoint or "").strip()
        if not endpoint:
            raise ModelError("the http backend needs --endpoint URL (e.g. http://127.0.0.1:8080)")
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ModelError(f"--endpoint must be an http:// or https:// URL, not {endpoint!r}")
        base = endpoint.rstrip("/")
        if base.endswith("/v1"):
            base = base[:-3]
        self.endpoint = base
        self.model = settings.model or None
        self.read_timeout = float(settings.timeout or 120.0)
        self.total_timeout = float(getattr(settings, "total_timeout", None) or DEFAULT_TOTAL_TIMEOUT)
        self.connect_timeout = connect_timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self._fmt = 0
        self._replies = 0
        self._nonconforming = 0
        requests = requests_module()
        self._session = requests.Session()
        if parts.hostname in _LOOPBACK:
            self._session.trust_env = False        # no proxy, no .netrc for loopback
        self._has_key = bool(settings.api_key)
        if settings.api_key:
            self._session.headers["Authorization"] = f"Bearer {settings.api_key}"
        self.served = self._probe()

    def __repr__(self) -> str:
        return f"HttpBackend(endpoint={self.endpoint!r}, model={self.model!r})"

    # -- the server -------------------------------------------------------
    def _where(self, path: str = "") -> str:
        return f"the model server at {self.endpoint}{path}"

    def _send(self, method: str, path: str, body: dict | None = None, stream: bool = True):
        """One HTTP exchange with bounded retries on connection failures, 429 and 5xx."""
        requests = requests_module()
        url = self.endpoint + path
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                resp = self._session.request(method, url, json=body, stream=stream,
                                             timeout=(self.connect_timeout, self.read_timeout))
            except requests.exceptions.ConnectTimeout:
                if last:
                    raise ModelError(f"cannot reach {self._where()}: no connection within "
                                     f"{self.connect_timeout:g} s") from None
            except requests.exceptions.ReadTimeout:
                raise ModelError(f"{self._where()} did not answer within {self.read_timeout:g} s "
                                 "(raise the timeout for a slow server)") from None
            except requests.exceptions.ConnectionError as exc:
                if last:
                    raise ModelError(f"cannot reach {self._where()} ({reason(exc)}); is the server running "
                                     "and is --endpoint right?") from None
            except requests.exceptions.RequestException as exc:
                raise ModelError(f"request to {self._where(path)} failed: {reason(exc)}") from None
            else:
                if resp.status_code not in RETRY_STATUS or last or mentions_format(resp, stream):
                    return resp
                delay = _retry_after(resp) or self.backoff * 2 ** attempt
                resp.close()
                time.sleep(min(delay, 10.0))
                continue
            time.sleep(self.backoff * 2 ** attempt)
        raise AssertionError("unreachable")

    def _probe(self) -> list[str]:
        """GET /v1/models: the server is there, speaks the API, and serves our model."""
        resp = self._send("GET", "/v1/models")
        try:
            return self._served(resp)
        finally:
            resp.close()

    def _served(self, resp) -> list[str]:
        if resp.status_code == 404:
            raise ModelError(f"{self._where()} has no OpenAI-compatible API (GET /v1/models answered 404); "
                             "--endpoint should be the server's base URL, e.g. http://127.0.0.1:8080")
        if resp.status_code >= 400:
            raise self._http_error(resp, "/v1/models")
        doc = json_body(resp, self._where("/v1/models"))
        data = doc.get("data") if isinstance(doc, dict) else None
        if not isinstance(data, list):
            raise ModelError(f"{self._where('/v1/models')} did not answer with a model list; "
                             "is this an OpenAI-compatible server?")
        served = [clean(d["id"])[:200] for d in data[:1000] if isinstance(d, dict) and isinstance(d.get("id"), str)]
        if self.model and served and self.model not in served and f"{self.model}:latest" not in served:
            raise ModelError(f"{self._where()} does not serve a model named {clean(self.model)[:200]!r}; "
                             f"it serves: {', '.join(served[:20])}")
        if not self.model and served:
            self.model = served[0]
        return served

    def _http_error(self, resp, path: str) -> ModelError:
        where, code = self._where(path), resp.status_code
        msg = error_message(resp)
        if code in (401, 403):
            hint = "it rejected the API key" if self._has_key else "it needs an API key (--api-key-env VAR)"
            return ModelError(f"{where} refused the request (HTTP {code}): {hint}")
        if code == 404 and "model" in msg.lower():
            return ModelError(f"{where} does not know the model {self.model!r} (HTTP 404: {msg})")
        if code == 404:
            return ModelError(f"{where} answered 404: wrong URL? --endpoint should be the server's base URL, "
                              "e.g. http://127.0.0.1:8080")
        if code in RETRY_STATUS:
            return ModelError(f"{where} kept failing (HTTP {code} after {self.retries + 1} tries): {msg}")
        return ModelError(f"{where} rejected the request (HTTP {code}): {msg}")

    # -- generation -------------------------------------------------------
    def generate(self, request: Request) -> Generation:
        request.check_cancel()
        if request.on_progress:
            request.on_progress("thinking", 0)
        out = Stream(request)
        events: queue.Queue = queue.Queue()
        stop = threading.Event()
        held: dict = {}
        worker = threading.Thread(target=self._exchange, args=(request, events, stop, held), daemon=True,
                                  name="worldsmith-http")
        worker.start()
        deadline = time.monotonic() + self.total_timeout
        finish, usage = None, {}
        try:
            while True:
                if time.monotonic() > deadline:
                    raise ModelError(f"{self._where()} did not finish its reply within {self.total_timeout:g} s "
                                     "(the whole reply's deadline; raise --timeout for a slow server)")
                try:
                    kind, value = events.get(timeout=0.05)
                except queue.Empty:
                    request.check_cancel()
                    continue
                if kind == "delta":
                    out.add(value)
                elif kind == "end":
                    request.check_cancel()
                    finish, usage = value
                    break
                else:
                    request.check_cancel()
                    raise value
        finally:
            stop.set()
            resp = held.get("resp")
            if resp is not None:
                abort(resp)      # unblocks a worker stuck reading a dripping server; it then closes
        meta = {"finish_reason": finish, "endpoint": self.endpoint, "response_format": _FORMATS[self._fmt][0]}
        if finish != "length":
            self._replies += 1
            meta["schema_ok"] = conforms(out.text, request.schema)
            if not meta["schema_ok"]:
                self._nonconforming += 1
        return out.result(count(usage.get("completion_tokens")) or out.tokens,
                          prompt_tokens=count(usage.get("prompt_tokens")) or 0, meta=meta)

    def _body(self, request: Request) -> dict:
        body = {"messages": request.messages, "max_tokens": request.max_tokens,
                "temperature": request.temperature, "seed": request.seed, "stream": True,
                "response_format": _FORMATS[self._fmt][1](request.schema)}
        if self.model:
            body["model"] = self.model
        return body

    def _exchange(self, request: Request, events: queue.Queue, stop: threading.Event, held: dict) -> None:
        """Worker thread: send the request and put ("delta", text), ("end", ...) or ("error", exc)."""
        path = "/v1/chat/completions"
        resp = None
        try:
            while True:
                resp = self._send("POST", path, self._body(request), stream=True)
                held["resp"] = resp
                if resp.status_code < 400:
                    break
                if mentions_format(resp, True) and self._fmt + 1 < len(_FORMATS):
                    resp.close()
                    self._fmt += 1          # try the next spelling of the schema format
                    continue
                if mentions_format(resp, True):
                    raise ModelError(f"{self._where(path)} rejected the JSON-schema response format in every "
                                     f"form we know: {error_message(resp)}")
                raise self._http_error(resp, path)
            for kind, value in self._read(resp, stop):
                events.put((kind, value))
        except BaseException as exc:  # noqa: BLE001 - handed to the calling thread
            events.put(("error", exc if isinstance(exc, (ModelError, Cancelled)) else
                        ModelError(f"{self._where(path)} failed: {reason(exc)}")))
        finally:
            if resp is not None:
                resp.close()

    def _read(self, resp, stop: threading.Event):
        where = self._where("/v1/chat/completions")
        ctype = resp.headers.get("content-type", "").lower()
        if "text/event-stream" not in ctype:
            doc = json_body(resp, where)
            choice, usage = first_choice(doc, where)
            message = choice.get("message")
            content = text_of(message.get("content") if isinstance(message, dict) else None, where)
            if content:
                yield "delta", content
            yield "end", (finish_reason(choice), usage)
            return
        requests = requests_module()
        finish, usage, done = None, {}, False
        try:
            for raw in lines(resp, where):
                if stop.is_set():
                    return
                line = raw.decode("utf-8", "replace").strip()
                if line.startswith("error:"):             # llama-server reports some failures this way
                    raise ModelError(f"{where} reported an error mid-reply: {clean(line[6:].strip()[:300])}")
                if not line.startswith("data:"):
                    continue                      # blank lines, ": ping" comments, "event:" lines
                data = line[5:].strip()
                if data == "[DONE]":
                    done = True
                    break
                try:
                    doc = json.loads(data)
                except (ValueError, RecursionError):
                    raise ModelError(f"{where} sent a stream event that is not JSON: {clean(data[:80])!r}") from None
                if isinstance(doc, dict) and doc.get("error"):
                    raise ModelError(f"{where} reported an error mid-reply: {message_of(doc)}")
                if isinstance(doc, dict) and isinstance(doc.get("usage"), dict):
                    usage = doc["usage"]
                if not (isinstance(doc, dict) and doc.get("choices")):
                    continue
                choice, _ = first_choice(doc, where)
                delta = choice.get("delta")
                content = text_of(delta.get("content") if isinstance(delta, dict) else None, where)
                if content:
                    yield "delta", content
                finish = finish_reason(choice) if choice.get("finish_reason") else finish
        except requests.exceptions.RequestException as exc:
            if stop.is_set():
                return
            if "timed out" in str(exc).lower():
                raise ModelError(f"{where} stopped sending for {self.read_timeout:g} s in the middle of a reply"
                                 ) from None
            raise ModelError(f"the connection to {self.endpoint} broke in the middle of a reply "
                             f"({reason(exc)}); did the server stop?") from None
        if not done and finish is None:
            raise ModelError(f"the reply from {where} ended before it was complete "
                             "(the stream stopped without a finish marker)")
        yield "end", (finish or "stop", usage)

    # -- reporting --------------------------------------------------------
    def failure_hint(self) -> str:
        """Why replies may keep failing validation, when we can tell; '' otherwise."""
        if not self._nonconforming:
            return ""
        return (f"{self._where()} does not seem to honour the JSON schema response format "
                f"({self._nonconforming} of {self._replies} finished replies did not match the schema); "
                "use a server with JSON-schema support (llama.cpp's llama-server, llama-cpp-python's server, "
                "vLLM, Ollama 0.5 or later)")

    def info(self) -> dict:
        return {"backend": self.name, "endpoint": self.endpoint, "model": self.model, "served_models": self.served,
                "device": f"server {self.endpoint}", "n_gpu_layers": "set by the server",
                "api_key": "set" if self._has_key else "none",
                "response_format": _FORMATS[self._fmt][0]}

    def close(self) -> None:
        self._session.close()


# -- helpers ----------------------------------------------------------------
def _retry_after(resp) -> float | None:
    try:
        return max(0.0, float(resp.headers.get("retry-after", "")))
    except ValueError:
        return None
