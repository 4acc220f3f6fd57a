# Two commands for a newcomer: `make run` and `make test`. Both install what is missing first.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c

# The browser suite waits on IndexedDB; the default 20 s per test is too tight on slow machines.
export WASM_BINDGEN_TEST_TIMEOUT := 60
# Chromium flags for the test browser (see the file); the runner reads it by this path.
export WASM_BINDGEN_TEST_WEBDRIVER_JSON := $(CURDIR)/webdriver.json

# Project-local tools (binaryen's wasm-opt) come first on the PATH, for trunk.
export PATH := $(CURDIR)/.tools/node_modules/.bin:$(PATH)

.PHONY: run dev dist serve test test-engine test-cli test-browser test-a11y test-server setup bench load

## run: serve the optimised, compressed app on http://127.0.0.1:8080 (embedded IndexedDB
# mode: your data stays in the browser). The Attest server only hands out the files here,
# so mail links (/my-reviews/...) get the small reviewer bundle as in production; its
# database is a throwaway one and its administrator secret a random one nobody needs.
run: setup dist
	@dir="$$(mktemp -d)"; trap 'rm -rf "$$dir"' EXIT; \
	  ATTEST_ADMIN_SECRET="$$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
	  cargo run --release -p attest-server -- --data "$$dir/attest.db" --dist dist

## dev: for developers, the administrator's app rebuilt and reloaded on every change
# (debug build, uncompressed, http://127.0.0.1:8080). The reviewer bundle is not built here:
# open /my-reviews/... in the full app, or use `make run` to try the reviewer bundle.
dev: setup
	trunk serve

## dist: both bundles (administrator's app and reviewer bundle), release build, compressed
dist: setup
	bash scripts/build-dist.sh dist

## serve: build the app and run the sync server on http://127.0.0.1:8080 with a SQLite file
# (attest.db). Set the administrators' secret first: ATTEST_ADMIN_SECRET='a long secret' make serve
serve: setup
	@test -n "$${ATTEST_ADMIN_SECRET:-}" || { echo "Set ATTEST_ADMIN_SECRET (12+ characters) first: ATTEST_ADMIN_SECRET='a long secret' make serve"; exit 2; }
	bash scripts/build-dist.sh dist
	cargo run --release -p attest-server -- --data attest.db --dist dist

## test: the engine's native tests, the `attest` CLI (verify, plan/apply against a test server), the browser suite in headless Chromium, then the server's
# tests (on a SQLite file and on a throwaway PostgreSQL cluster they start themselves).
# Sequential on purpose, also under `make -j`: the builds share two cores and target/.
test: setup
	$(MAKE) --no-print-directory test-engine
	$(MAKE) --no-print-directory test-cli
	$(MAKE) --no-print-directory test-browser
	$(MAKE) --no-print-directory test-a11y
	$(MAKE) --no-print-directory test-server

test-engine:
	cargo test -p attest-engine

test-cli:
	cargo test -p attest-cli

# Only the `attest` package is built for wasm; its single [[test]] target is the browser suite.
# It runs beside a throwaway sync server, for the test that syncs two app instances.
# The app itself is built first: a test build unifies dev-dependency features, so only
# this catches code that compiles in tests but not in the app.
test-browser:
	cargo build -p attest --target wasm32-unknown-unknown --bin attest --bin reviewer
	bash scripts/with-sync-server.sh cargo test -p attest --target wasm32-unknown-unknown

# axe-core on every screen of the built app at 1280 and 360 px (tests/a11y/audit.mjs); bounded
# so a screen that never settles fails instead of hanging. The release build with its split
# parts, as `make run` serves it: every later screen's .wasm is fetched and run on the way.
test-a11y:
	bash scripts/build-dist.sh target/a11y-dist
	timeout 900 node tests/a11y/audit.mjs target/a11y-dist

test-server:
	cargo test -p attest-server

## load: the sync server under load on loopback (release build): 100 reviewers x 100 reviewees
# single-decision pushes plus 100 page opens at once, on SQLite, one server on PostgreSQL (fsync
# on) and two servers on one PostgreSQL; prints pushes/s, p50/p99 and the exactly-once check.
load: setup
	cargo bench -p attest-server --bench load

## bench: release build, benchmark on 100,000 users in headless Chromium, one JSON line per figure
bench: setup
	bash scripts/bench.sh

setup:
	bash scripts/setup.sh
