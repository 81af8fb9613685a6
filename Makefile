# Worldsmith: `make demo` and `make test` work on a fresh machine.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.worldsmith-setup
PROMPT ?= a red car in front of a white house at sunset, two pine trees behind the house

.PHONY: setup demo test test-fast bench extension clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test,fast]"
	@touch $(STAMP)

demo: setup
	$(BIN)/worldsmith generate "$(PROMPT)" --out out/demo --engine cycles --samples 16
	@echo "demo written to out/demo (scene.json, scene.blend, render.png)"

test: setup
	$(BIN)/python -m pytest -q

test-fast: setup
	$(BIN)/python -m pytest -q -m "not model and not render and not slow"

bench: setup
	$(BIN)/worldsmith bench perf

extension: setup
	$(BIN)/python tools/build_extension.py

clean:
	rm -rf out dist build
