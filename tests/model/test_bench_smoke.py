"""The benchmark suite runs end to end on a tiny input (benchmarks are measured, not asserted)."""
from __future__ import annotations

import json

import pytest

from worldsmith import cli

pytestmark = [pytest.mark.model, pytest.mark.slow]


def test_scenebench_limit_2_with_the_real_model(tmp_path, capsys):
    prompts = tmp_path / "prompts.jsonl"
    rows = [
        {"id": "ok-1", "category": "color", "prompt": "a red cube",
         "constraints": [{"type": "kind", "kind": "cube"}, {"type": "color", "kind": "cube", "color": "red"}]},
        # asks for what the prompt does not say: must fail, be rendered and land on the contact sheet
        {"id": "impossible-1", "category": "count", "prompt": "a blue sphere",
         "constraints": [{"type": "count", "kind": "sphere", "n": 3}]},
        {"id": "never-run", "category": "count", "prompt": "two dogs", "constraints": []},
    ]
    prompts.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "sb"
    code = cli.run(["bench", "scenebench", "--prompts", str(prompts), "--limit", "2", "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "SceneBench: 2 prompts" in printed and "constraint satisfaction" in printed
    report = json.loads((out / "report.json").read_text())
    s = report["summary"]
    assert s["prompts"] == 2 and {r["id"] for r in report["prompts"]} == {"ok-1", "impossible-1"}
    assert s["failures"]["rate"] == 0.0 and s["latency_s"]["median"] > 0
    assert set(s["per_category"]) == {"color", "count"} and "sphere" in s["per_kind"]
    bad = next(r for r in report["prompts"] if r["id"] == "impossible-1")
    assert not bad["all_pass"] and bad["dsl"]["entities"] and "wanted 3" in bad["results"][0]["detail"]
    assert report["meta"]["grounding"] == "strict" and report["meta"]["split"] == "all"
    sheet = out / "failures.png"
    assert s["contact_sheet"]["tiles"][-1] == "impossible-1"
    assert sheet.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and sheet.stat().st_size > 1000


def test_scenebench_rejects_a_bad_prompts_file(tmp_path, capsys):
    bad = tmp_path / "p.jsonl"
    bad.write_text(json.dumps({"id": "x", "prompt": "a hippogriff", "constraints": [{"type": "kind", "kind": "hippogriff"}]}))
    assert cli.run(["bench", "scenebench", "--prompts", str(bad), "--out", str(tmp_path / "o")]) == cli.EXIT_BAD_INPUT
    assert "hippogriff" in capsys.readouterr().err


def test_perf_quick_prints_json_with_stable_keys(tmp_path, capsys):
    out = tmp_path / "perf.json"
    # decoding figures come from benchmarks/bench_decoding.py, which has its own smoke test
    assert cli.run(["bench", "perf", "--quick", "--json", "--skip", "decoding", "--out", str(out)]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r == json.loads(out.read_text())
    assert r["schema"] == "worldsmith.perf/1" and r["quick"] is True
    assert {"build", "decoding", "layout", "compactness", "end_to_end", "meta"} <= set(r)
    b = r["build"]
    assert len(b["entities"]) == len(b["worldsmith_s"]) == len(b["naive_ops_s"]) == 2
    assert all(t > 0 for t in b["worldsmith_s"] + b["naive_ops_s"])
    c = r["compactness"]
    assert c["dsl_tokens_total"] > 0 and c["script_tokens_total"] > c["dsl_tokens_total"]
    e = r["end_to_end"]
    assert e["prompts"] == 2 and e["model_load_s"] > 0 and e["median_s"] > 0
    assert e["render"]["workbench_s"] > 0 and e["render"]["cycles_s"] > 0 and e["render"]["eevee_s"] is None
