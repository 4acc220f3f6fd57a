# Two commands for a newcomer: `make run` and `make test`. Both install what is missing first.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c

# The browser suite waits on IndexedDB; the default 20 s per test is too tight on slow machines.
export WASM_BINDGEN_TEST_TIMEOUT := 60
# Chromium flags for the test browser (see the file); the runner reads it by this path.
export WASM_BINDGEN_TEST_WEBDRIVER_JSON := $(CURDIR)/webdriver.json

# Project-local tools (binaryen's wasm-opt) come first on the PATH, for trunk.
export PATH := $(CURDIR)/.tools/node_modules/.bin:$(PATH)

.PHONY: run test test-engine test-browser setup bench

## run: serve the app on http://127.0.0.1:8080 (embedded IndexedDB mode, no server)
run: setup
	trunk serve

## test: the engine's native tests, then the browser suite in headless Chromium
# Sequential on purpose, also under `make -j`: the two builds share two cores and target/.
test: setup
	$(MAKE) --no-print-directory test-engine
	$(MAKE) --no-print-directory test-browser

test-engine:
	cargo test -p attest-engine

# Only the `attest` package is built for wasm; its single [[test]] target is the browser suite.
test-browser:
	cargo test -p attest --target wasm32-unknown-unknown

## bench: release build, benchmark on 100,000 users in headless Chromium, one JSON line per figure
bench: setup
	bash scripts/bench.sh

setup:
	bash scripts/setup.sh
