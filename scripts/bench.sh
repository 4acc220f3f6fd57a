#!/usr/bin/env bash
# The benchmark: builds the release app, runs the benchmark in headless Chromium on a
# 100,000-user tenant, measures the release .wasm, and prints one JSON object per figure
# followed by a summary line against the targets in the README.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/node_modules/.bin:$PATH"
users="${ATTEST_BENCH_USERS:-100000}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

# The benchmark is five tests of the browser suite, built once in the release profile and
# run one at a time, each in a fresh browser: run together, wasm-bindgen-test interleaves
# async tests in one page, and the import's work would be timed inside the cold start.
# ChromeDriver's throwaway profile (IndexedDB with 100,000 users) goes in $out, deleted on exit.
mkdir -p "$out/tmp"
for test in bench::benchmark bench::reviewer_page_benchmark bench::import_page_benchmark \
  bench::overview_update_benchmark bench::history_benchmark; do
  TMPDIR="$out/tmp" ATTEST_BENCH_USERS="$users" WASM_BINDGEN_TEST_TIMEOUT=900 \
    WASM_BINDGEN_TEST_WEBDRIVER_JSON="$PWD/webdriver.json" \
    cargo test -p attest --release --target wasm32-unknown-unknown --test browser -- "$test" --nocapture \
    >> "$out/run.log" 2>&1 || { cat "$out/run.log"; exit 1; }
  rm -rf "$out/tmp" && mkdir -p "$out/tmp"
done
grep -E '^\{' "$out/run.log" | sed 's/^[[:space:]]*//' > "$out/figures.jsonl"

trunk build --release --dist "$out/dist" > "$out/trunk.log" 2>&1 || { cat "$out/trunk.log"; exit 1; }
wasm="$(ls "$out"/dist/*.wasm | head -n 1)"
raw=$(wc -c < "$wasm")
gz=$(gzip -9 -c "$wasm" | wc -c)
printf '{"name":"size.wasm_raw_bytes","value":%s,"unit":"bytes"}\n' "$raw" >> "$out/figures.jsonl"
printf '{"name":"size.wasm_gzip_bytes","value":%s,"unit":"bytes"}\n' "$gz" >> "$out/figures.jsonl"

cat "$out/figures.jsonl"
python3 scripts/bench_summary.py "$out/figures.jsonl"
