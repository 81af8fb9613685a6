"""Model backends: where a scene DSL comes from."""
