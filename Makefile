# Two commands on a fresh machine: `make demo` and `make test`. Each sets itself up.
VENV   ?= .venv
PY     := $(VENV)/bin/python
DEMO_MODEL ?= local/qwen2.5-coder-0.5b
DEMO_LIMIT ?= 10
SETUP_STAMP := $(VENV)/.scaleagent-setup

.PHONY: setup models demo demo-humaneval demo-gui test test-fast bench clean

setup: $(SETUP_STAMP)

$(SETUP_STAMP): pyproject.toml scripts/setup.sh
	bash scripts/setup.sh
	@touch $@

models: setup
	$(PY) scripts/build_models.py local/smollm2-135m $(DEMO_MODEL)

## The main job on the embedded local model (no key, no server): fix a real bug in an example repository,
## one greedy attempt vs. the scaled pipeline, with the spend of each
SWE_DEMO_MODEL ?= local/qwen2.5-coder-1.5b
demo: setup
	$(PY) scripts/build_models.py $(SWE_DEMO_MODEL)
	$(PY) examples/swe/demo.py --model $(SWE_DEMO_MODEL)

## HumanEval: one greedy sample vs. the scaled pipeline, pass rate, unified cost and wall time of each
demo-humaneval: models
	$(PY) -m agents.cli bench humaneval --limit $(DEMO_LIMIT) --mode both --model $(DEMO_MODEL) --k 2 \
		--budget tokens=6k,run_tests=8 --out runs/demo-humaneval

## GUI actions: a few MiniWoB++ episodes in headless Chromium, K=4 proposals per step, vote + judge
demo-gui: models
	$(PY) -m agents.cli bench gui --tasks click-test,click-button,enter-text --seeds 0 --k 4 --max-actions 6 \
		--model $(DEMO_MODEL) --budget tokens=30k --out runs/demo-gui

## The whole test suite (real local model, real sandboxes; docker tests need `bash scripts/docker_setup.sh`),
## in TEST_WORKERS processes (a test file stays in one; serial: TEST_WORKERS=0)
TEST_WORKERS ?= 2
test: setup
	$(PY) scripts/build_models.py local/smollm2-135m
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile --durations=15

## Unit tests only (no local model, no docker)
test-fast: setup
	$(PY) -m pytest -q -m "not slow and not docker"

bench: setup
	$(PY) benchmarks/overhead.py --json
	$(PY) benchmarks/fanout.py --json
	$(PY) benchmarks/workspaces.py --json

clean:
	rm -rf runs .pytest_cache
