"""Reading what an OpenAI-compatible server sends, without trusting it: bodies and event-stream
lines read as they arrive, linearly, and capped (a compressed bomb stops at the cap); replies
checked for the shape of a chat completion; anything shown to a person stripped of terminal
control sequences. Used by ``http.py``."""
from __future__ import annotations

import json
import re
import socket

from .base import ModelError

MAX_REPLY_BYTES = 4 << 20     # one reply, decoded (a scene DSL reply is a few KiB)
MAX_LINE_BYTES = 1 << 20      # one line of an event stream
_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def requests_module():
    """``requests``, imported when a server is first used (importing it costs start-up time)."""
    import requests
    return requests


def reason(exc: BaseException) -> str:
    text = str(exc)
    for pattern, short in (("Connection refused", "connection refused"),
                           ("timed out", "it stopped sending (read timeout)"),
                           ("Name or service not known", "host name not found"),
                           ("nodename nor servname", "host name not found"),
                           ("Failed to resolve", "host name not found"),
                           ("IncompleteRead", "the reply was cut off"),
                           ("Connection reset", "connection reset"),
                           ("Connection aborted", "connection aborted"),
                           ("Response ended prematurely", "the reply was cut off")):
        if pattern in text:
            return short
    return f"{type(exc).__name__}: {text[:160]}"


def abort(resp) -> None:
    """Shut the response's socket down (from any thread): a read blocked on it returns at once.
    (Closing it instead would wait for that read: the buffered reader holds a lock while reading.)"""
    conn = getattr(resp.raw, "connection", None) or getattr(resp.raw, "_connection", None)
    sock = getattr(conn, "sock", None)
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def chunks(resp, size: int = 65536):
    """The decoded body as it arrives: each piece is what one read of the socket brought (a
    trickling server's events are seen at once, not after ``size`` bytes have piled up)."""
    read1 = getattr(resp.raw, "read1", None)
    if read1 is None:
        yield from resp.iter_content(size)
        return
    import urllib3
    while True:
        try:
            chunk = read1(size, decode_content=True)
        except urllib3.exceptions.HTTPError as exc:   # as requests' own readers report it
            raise requests_module().exceptions.ConnectionError(str(exc)) from exc
        if not chunk:
            return
        yield chunk


def read_capped(resp, cap: int) -> bytes:
    """The (decoded) body, refusing past ``cap`` bytes: a compressed bomb stops at the cap."""
    parts, size = [], 0
    for chunk in chunks(resp):
        size += len(chunk)
        if size > cap:
            raise ReplyTooLarge(f"the reply is larger than {cap // 1024} KiB")
        parts.append(chunk)
    return b"".join(parts)


def lines(resp, where: str):
    """The lines of a streamed body, linear in its size, each and all of them bounded."""
    pending, total = b"", 0
    for chunk in chunks(resp):
        total += len(chunk)
        if total > MAX_REPLY_BYTES:
            raise ModelError(f"{where} sent more than {MAX_REPLY_BYTES // 1024} KiB for one reply; stopped reading")
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            if end < 0:
                break
            yield (pending + chunk[start:end]) if pending else chunk[start:end]
            pending, start = b"", end + 1
        pending += chunk[start:]
        if len(pending) > MAX_LINE_BYTES:
            raise ModelError(f"{where} sent a stream line longer than {MAX_LINE_BYTES // 1024} KiB; stopped reading")
    if pending:
        yield pending


class ReplyTooLarge(ValueError):
    pass


def body_text(resp, limit: int = 4000) -> str:
    """The start of an error reply's body (read once, capped, kept for the next look)."""
    cached = getattr(resp, "_worldsmith_body", None)
    if cached is None:
        try:
            cached = read_capped(resp, MAX_REPLY_BYTES).decode("utf-8", "replace")
        except Exception:  # noqa: BLE001 - a broken or oversized body is reported as empty
            cached = ""
        resp._worldsmith_body = cached
    return cached[:limit]


def clean(text: str) -> str:
    """``text`` without terminal control sequences and control characters (anything a server sends
    is shown to a person: it must not move their cursor or recolour their terminal)."""
    return _CONTROL.sub("", _ANSI.sub("", text))


def count(value) -> int | None:
    """A token count from a server's usage block, or None when it is not a count."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def text_of(value, where: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise ModelError(f"{where} sent a reply whose content is not text ({type(value).__name__})")


def finish_reason(choice: dict) -> str:
    reason = choice.get("finish_reason")
    return reason if isinstance(reason, str) and reason.isidentifier() else "stop"


def mentions_format(resp, stream: bool) -> bool:
    """Did the server reject our ``response_format`` (llama-cpp-python answers 500, others 400/422)?"""
    if resp.status_code not in (400, 422, 500):
        return False
    text = body_text(resp).lower()
    return "response_format" in text or "json_schema" in text


def message_of(doc) -> str:
    err = doc.get("error") if isinstance(doc, dict) else None
    if isinstance(err, dict):
        return clean(str(err.get("message") or err)[:300])
    if err:
        return clean(str(err)[:300])
    if isinstance(doc, dict) and doc.get("detail"):
        return clean(str(doc["detail"])[:300])
    return clean(str(doc)[:300])


def error_message(resp) -> str:
    return error_message_of_text(body_text(resp))


def error_message_of_text(text: str) -> str:
    if not text.strip():
        return "(empty body)"
    try:
        return message_of(json.loads(text))
    except (ValueError, RecursionError):
        pass
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.I | re.S)
    if title or text.lstrip().startswith("<"):
        return "an HTML page" + (f" titled {clean(title.group(1).strip()[:80])!r}" if title else "")
    return clean(text.strip()[:200])


def json_body(resp, where: str):
    """The body as JSON, or a clear error for empty, HTML, oversized, truncated or non-JSON bodies."""
    try:
        text = read_capped(resp, MAX_REPLY_BYTES).decode("utf-8", "replace")
    except ReplyTooLarge as exc:
        raise ModelError(f"{where} sent {exc}; stopped reading") from None
    except Exception as exc:  # noqa: BLE001
        raise ModelError(f"the connection to {where} broke while reading the reply ({reason(exc)})") from None
    if not text.strip():
        raise ModelError(f"{where} sent an empty reply (HTTP {resp.status_code} with no body)")
    ctype = resp.headers.get("content-type", "").lower()
    if "html" in ctype or text.lstrip().startswith("<"):
        raise ModelError(f"{where} sent {error_message_of_text(text)} instead of JSON; is --endpoint the API's URL?")
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise ModelError(f"{where} sent a reply that is not valid JSON (truncated or not an OpenAI-compatible "
                         f"server): {clean(text[:80])!r}") from None


def first_choice(doc, where: str) -> tuple[dict, dict]:
    choices = doc.get("choices") if isinstance(doc, dict) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise ModelError(f"{where} sent JSON that is not a chat completion (no choices)")
    usage = doc.get("usage") if isinstance(doc.get("usage"), dict) else {}
    return choices[0], usage


def conforms(text: str, schema: dict) -> bool:
    """Does ``text`` parse as JSON matching ``schema``'s structure (types, required and allowed
    properties, enums, consts, item schemas)? Bounds and patterns are not checked, so a server that
    enforces the schema loosely is not taken for one that ignores it."""
    try:
        value = json.loads(text)
    except ValueError:
        return False
    return _matches(value, schema)


def _matches(v, s) -> bool:  # noqa: C901 - one branch per JSON Schema keyword
    if s is True or s == {}:
        return True
    if s is False or not isinstance(s, dict):
        return False
    if "const" in s and v != s["const"]:
        return False
    if "enum" in s and v not in s["enum"]:
        return False
    if "anyOf" in s and not any(_matches(v, x) for x in s["anyOf"]):
        return False
    t = s.get("type")
    if t == "object":
        if not isinstance(v, dict) or any(k not in v for k in s.get("required", ())):
            return False
        props = s.get("properties", {})
        for k, x in v.items():
            if k in props:
                if not _matches(x, props[k]):
                    return False
            elif s.get("additionalProperties", True) is False:
                return False
    elif t == "array":
        if not isinstance(v, list):
            return False
        prefix = s.get("prefixItems", [])
        for i, x in enumerate(v):
            sub = prefix[i] if i < len(prefix) else s.get("items", True)
            if not _matches(x, sub):
                return False
    elif t == "integer":
        return isinstance(v, int) and not isinstance(v, bool)
    elif t == "number":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    elif t == "string":
        return isinstance(v, str)
    elif t == "boolean":
        return isinstance(v, bool)
    return True
