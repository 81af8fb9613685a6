"""A prompts file with hostile lines: each bad line is skipped with its number and reason."""
from __future__ import annotations

from worldsmith.dataset import inputs


def test_hostile_lines_are_skipped_one_by_one(tmp_path):
    p = tmp_path / "prompts.jsonl"
    p.write_bytes(b"\n".join([
        b'{"id": "a", "prompt": "a red car"}',
        b"a caf\xe9 in latin-1",                                   # not UTF-8
        b'{"id": "deep", "prompt": "x", "scene": ' + b"[" * 3000 + b"]" * 3000 + b"}",
        b"[1, 2, 3]",                                               # an array is not a prompt
        b'{"id": "b", "prompt": "a blue house"}',
    ]) + b"\n")
    items, bad = inputs.read_prompts(p)
    assert [i.id for i in items] == ["a", "b"]
    reasons = {b.line: b.reason for b in bad}
    assert sorted(reasons) == [2, 3, 4]
    assert "not UTF-8" in reasons[2] and "nest too deeply" in reasons[3] and "array" in reasons[4]
