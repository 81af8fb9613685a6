# Worldsmith: `make demo` and `make test` work on a fresh machine.
# Every package comes from the hash-locked requirements-*.txt; `make lock` is
# the one deliberate way to move a version.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.worldsmith-setup
PIP := $(BIN)/python -m pip install -q --require-hashes --no-deps --no-build-isolation
# the current Blender line (5.1+: Python 3.13, bpy 5.2.x) in a second venv; the whole suite runs on
# 3.11 (bpy 5.0.1, the LTS line), the install + generate + panel tests on both
PY313 ?= $(shell PYENV_VERSION=3.13.0 pyenv which python3.13 2>/dev/null || command -v python3.13)
VENV313 := .venv313
STAMP313 := $(VENV313)/.worldsmith-setup
LINE313_TESTS := tests/install tests/model/test_panel.py tests/model/test_cli.py
# llama-cpp-python builds from source: skip the multimodal library we never load (and, in
# tools/build_llama_wheel.py, llama.cpp's common + cpp-httplib: tools/llama_cpp_slim.cmake)
export CMAKE_ARGS ?= -DLLAVA_BUILD=OFF
PROMPT ?= a red car in front of a white house at sunset, two pine trees behind the house
FUZZ_EXAMPLES ?= 5000
FUZZ_SECONDS ?= 600

.PHONY: setup setup313 demo test test313 test-fast fuzz bench lock extension clean

setup: $(STAMP)

# llama-cpp-python is built once from its locked sdist into wheels/ (tools/build_llama_wheel.py;
# pip's cache or an existing wheel makes it seconds) and installed from there into both venvs
$(STAMP): requirements-build.txt requirements-lock.txt pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(PIP) -r requirements-build.txt
	$(BIN)/python tools/lock.py --export build/lock-no-llama.txt --without llama-cpp-python
	$(PIP) -r build/lock-no-llama.txt
	$(BIN)/python -m pip install -q --no-deps "$$($(BIN)/python tools/build_llama_wheel.py | tail -n 1)"
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	@# every dependency present (installs above are --no-deps); bpy's wheel carries a cp39 tag, which pip check misreads
	@$(BIN)/python -m pip check > $(VENV)/pip-check.txt || ! grep -v "^bpy .* is not supported on this platform" $(VENV)/pip-check.txt
	@touch $(STAMP)

setup313: $(STAMP313)

$(STAMP313): $(STAMP)
	@test -n "$(PY313)" || { echo "make setup313: Python 3.13 not found (pyenv install 3.13, or PY313=...)"; exit 1; }
	@test -x $(VENV313)/bin/python || $(PY313) -m venv $(VENV313)
	$(VENV313)/bin/python -m pip install -q --require-hashes --no-deps -r requirements-build.txt
	$(BIN)/python tools/lock.py --export build/lock-no-llama.txt --without llama-cpp-python
	$(VENV313)/bin/python -m pip install -q --require-hashes --no-deps -r build/lock-no-llama.txt
	$(VENV313)/bin/python -m pip install -q --no-deps "$$($(BIN)/python tools/build_llama_wheel.py | tail -n 1)"
	$(VENV313)/bin/python -m pip install -q --no-deps --no-build-isolation -e .
	@$(VENV313)/bin/python -m pip check > $(VENV313)/pip-check.txt || ! grep -v "^bpy .* is not supported on this platform" $(VENV313)/pip-check.txt
	@touch $(STAMP313)

demo: setup
	$(BIN)/worldsmith generate "$(PROMPT)" --out out/demo --engine cycles --samples 16
	@echo "demo written to out/demo (scene.json, scene.blend, render.png)"

test: setup setup313
	$(BIN)/python -m pytest -q
	$(VENV313)/bin/python -m pytest -q $(LINE313_TESTS)

test313: setup313
	$(VENV313)/bin/python -m pytest -q $(LINE313_TESTS)

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
