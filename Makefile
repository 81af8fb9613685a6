# Worldsmith: `make demo` and `make test` work on a fresh machine.
# Every package comes from the hash-locked requirements-*.txt; `make lock` is
# the one deliberate way to move a version.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.worldsmith-setup
PIP := $(BIN)/python -m pip install -q --require-hashes --no-deps --no-build-isolation
# llama-cpp-python builds from source: skip the multimodal library we never load
export CMAKE_ARGS ?= -DLLAVA_BUILD=OFF
PROMPT ?= a red car in front of a white house at sunset, two pine trees behind the house
FUZZ_EXAMPLES ?= 5000
FUZZ_SECONDS ?= 600

.PHONY: setup demo test test-fast fuzz bench lock extension clean

setup: $(STAMP)

$(STAMP): requirements-build.txt requirements-lock.txt pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(PIP) -r requirements-build.txt
	$(PIP) -r requirements-lock.txt
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	@# every dependency present (installs above are --no-deps); bpy's wheel carries a cp39 tag, which pip check misreads
	@$(BIN)/python -m pip check > $(VENV)/pip-check.txt || ! grep -v "^bpy .* is not supported on this platform" $(VENV)/pip-check.txt
	@touch $(STAMP)

demo: setup
	$(BIN)/worldsmith generate "$(PROMPT)" --out out/demo --engine cycles --samples 16
	@echo "demo written to out/demo (scene.json, scene.blend, render.png)"

test: setup
	$(BIN)/python -m pytest -q

# the pure core (no bpy, no model): seconds
test-fast: setup
	$(BIN)/python -m pytest -q tests/core

# free exploration (not part of `make test`): the property tests with random seeds and many
# examples, then hostile documents, hostile servers and concurrent runs for FUZZ_SECONDS
fuzz: setup
	@mkdir -p out
	@status=0; \
	HYPOTHESIS_PROFILE=fuzz FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q -m property || status=1; \
	$(BIN)/python -m worldsmith.benchmarks.fuzz --seconds $(FUZZ_SECONDS) --json out/fuzz.json || status=1; \
	exit $$status

bench: setup
	$(BIN)/worldsmith bench perf

# add new needs to the locks, keeping every existing pin; `make lock UPGRADE=1` moves them all
lock: setup
	$(BIN)/python tools/lock.py $(if $(UPGRADE),--upgrade)

extension: setup
	$(BIN)/python tools/build_extension.py

clean:
	rm -rf out dist build
