"""SceneBench: ``prompts.jsonl`` (prompts with checkable constraints) and ``checker`` (the judge)."""
