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

# Set-up runs its independent parts side by side (a sub-make with -j): llama-cpp-python's build from
# its locked sdist (CPU-bound, a few minutes on 2 cores) beside the downloads and installs of the
# other locked packages into .venv (and, for `make test`, .venv313). The one wheel goes into wheels/
# (tools/build_llama_wheel.py; an existing wheel or pip's cache makes it seconds) and into both venvs.
# Two set-ups started at once (`make -j setup setup313`, `make -j demo test`) would run pip into the
# same venv side by side; where flock exists they take turns instead.
SERIAL := $(if $(shell command -v flock 2>/dev/null),flock .setup.lock,)

setup:
	@$(SERIAL) $(MAKE) --no-print-directory -j2 $(STAMP)

setup313:
	@$(SERIAL) $(MAKE) --no-print-directory -j3 $(STAMP) $(STAMP313)

TOOLS := $(VENV)/.worldsmith-build-tools
LOCK_NO_LLAMA := build/lock-no-llama.txt
LLAMA_WHEEL := build/llama-wheel.txt

$(TOOLS): requirements-build.txt
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(PIP) -r requirements-build.txt
	@touch $@

$(LOCK_NO_LLAMA): requirements-lock.txt $(TOOLS)
	@mkdir -p build
	$(BIN)/python tools/lock.py --export $@ --without llama-cpp-python

# the path of the built wheel; the build's own output goes to build/llama-wheel.log
$(LLAMA_WHEEL): $(TOOLS) requirements-lock.txt tools/build_llama_wheel.py tools/llama_cpp_slim.cmake
	@mkdir -p build
	@echo "llama-cpp-python: building from source unless wheels/ has it (about 2 minutes on 2 idle cores; log: build/llama-wheel.log)"
	@$(BIN)/python tools/build_llama_wheel.py > build/llama-wheel.log 2>&1 || { tail -n 40 build/llama-wheel.log; exit 1; }
	@tail -n 1 build/llama-wheel.log > $@.tmp && test -f "$$(cat $@.tmp)" && mv $@.tmp $@

$(VENV)/.worldsmith-deps: $(LOCK_NO_LLAMA)
	$(PIP) -r $(LOCK_NO_LLAMA)
	@touch $@

$(STAMP): $(VENV)/.worldsmith-deps $(LLAMA_WHEEL) pyproject.toml
	$(BIN)/python -m pip install -q --no-deps "$$(cat $(LLAMA_WHEEL))"
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	@# every dependency present (installs above are --no-deps); bpy's wheel carries a cp39 tag, which pip check misreads
	@$(BIN)/python -m pip check > $(VENV)/pip-check.txt || ! grep -v "^bpy .* is not supported on this platform" $(VENV)/pip-check.txt
	@touch $@

$(VENV313)/.worldsmith-deps: $(LOCK_NO_LLAMA)
	@test -n "$(PY313)" || { echo "make setup313: Python 3.13 not found (pyenv install 3.13, or PY313=...)"; exit 1; }
	@test -x $(VENV313)/bin/python || $(PY313) -m venv $(VENV313)
	$(VENV313)/bin/python -m pip install -q --require-hashes --no-deps -r requirements-build.txt
	$(VENV313)/bin/python -m pip install -q --require-hashes --no-deps -r $(LOCK_NO_LLAMA)
	@touch $@

$(STAMP313): $(VENV313)/.worldsmith-deps $(LLAMA_WHEEL) pyproject.toml
	$(VENV313)/bin/python -m pip install -q --no-deps "$$(cat $(LLAMA_WHEEL))"
	$(VENV313)/bin/python -m pip install -q --no-deps --no-build-isolation -e .
	@$(VENV313)/bin/python -m pip check > $(VENV313)/pip-check.txt || ! grep -v "^bpy .* is not supported on this platform" $(VENV313)/pip-check.txt
	@touch $@

demo: setup
	$(BIN)/worldsmith generate "$(PROMPT)" --out out/demo --engine cycles --samples 16
	@echo "demo written to out/demo (scene.json, scene.blend, render.png)"

test: setup313
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
	rm -rf out dist build .setup.lock
