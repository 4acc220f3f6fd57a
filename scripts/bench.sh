#!/usr/bin/env bash
# The benchmark: builds the release app (both bundles), runs the benchmark in headless
# Chromium on a 100,000-user tenant, measures both bundles, times a reviewer's mail link
# through the sync server (loopback and an emulated slow link), and prints one JSON object
# per figure followed by a summary line against the targets in the README.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/node_modules/.bin:$PATH"
users="${ATTEST_BENCH_USERS:-100000}"
out="$(mktemp -d)"
server_pid=
cleanup() {
  [ -z "$server_pid" ] || { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }
  rm -rf "$out"
}
trap cleanup EXIT

# Both bundles, as `make serve` builds them, and the sync server that serves them: the
# mail-link figures go through it, and the set-up test talks to it (its address and
# secret are read at build time, so they are set for every test of the run).
bash scripts/build-dist.sh "$out/dist" > "$out/trunk.log" 2>&1 || { cat "$out/trunk.log"; exit 1; }
cargo build --quiet --release -p attest-server
port="${ATTEST_BENCH_PORT:-18392}"
export ATTEST_TEST_SYNC_SERVER="http://127.0.0.1:$port"
export ATTEST_TEST_SYNC_SECRET="benchmark-sync-secret"
"${CARGO_TARGET_DIR:-target}/release/attest-server" --data "$out/attest.db" --listen "127.0.0.1:$port" \
  --admin-secret "$ATTEST_TEST_SYNC_SECRET" --dist "$out/dist" > "$out/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$out/server.log"; exit 1; }
  sleep 0.1
done

# The benchmark is five tests of the browser suite, built once in the release profile and
# run one at a time, each in a fresh browser: run together, wasm-bindgen-test interleaves
# async tests in one page, and the import's work would be timed inside the cold start.
# ChromeDriver's throwaway profile (IndexedDB with 100,000 users) goes in $out, deleted on exit.
mkdir -p "$out/tmp"
for test in bench::benchmark bench::pages::reviewer_page_benchmark bench::pages::import_page_benchmark \
  bench::pages::overview_update_benchmark bench::history::history_benchmark \
  bench::history::reviewer_link_setup; do
  TMPDIR="$out/tmp" ATTEST_BENCH_USERS="$users" WASM_BINDGEN_TEST_TIMEOUT=900 \
    WASM_BINDGEN_TEST_WEBDRIVER_JSON="$PWD/webdriver.json" \
    cargo test -p attest --release --target wasm32-unknown-unknown --test browser -- "$test" --nocapture \
    >> "$out/run.log" 2>&1 || { cat "$out/run.log"; exit 1; }
  rm -rf "$out/tmp" && mkdir -p "$out/tmp"
done
grep -E '^\{' "$out/run.log" | sed 's/^[[:space:]]*//' > "$out/figures.jsonl"

# A reviewer clicks the mail link: a fresh browser opens it through the server.
path="$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    f = json.loads(l)
    if f["name"] == "bench.reviewer_link_rows": print(f["path"])' "$out/figures.jsonl")"
[ -n "$path" ] || { echo "bench: the reviewer link set-up printed no link"; cat "$out/run.log"; exit 1; }
node scripts/first-row.mjs "$ATTEST_TEST_SYNC_SERVER$path" >> "$out/figures.jsonl"

# Each bundle's size: its main .wasm raw and gzip; everything its page loads before the
# first screen (what the page links: wasm, JS, CSS; and the split parts' loader its JS
# imports) as the gzip copies the server sends; and its split parts, fetched only when a
# later screen is first opened.
bundle_figures() { # wasm-figure-name page-figure-name page
  local name="$1" label="$2" page="$out/dist/$3" wasm raw gz total=0 later=0 f dir
  wasm="$out/dist$(grep -oE '/[A-Za-z0-9_./-]*_bg\.wasm' "$page" | head -n 1)"
  dir="$(dirname "$wasm")"
  raw=$(wc -c < "$wasm")
  gz=$(gzip -9 -c "$wasm" | wc -c)
  for f in $(grep -oE 'href="/[A-Za-z0-9_./-]+\.(wasm|js|css)"' "$page" | cut -d'"' -f2 | sort -u | sed "s|^|$out/dist|") \
    $(ls "$dir"/__wasm_split.js 2>/dev/null); do
    total=$((total + $(gzip -9 -c "$f" | wc -c)))
  done
  for f in "$dir"/*.wasm; do
    [ "$f" = "$wasm" ] || later=$((later + $(gzip -9 -c "$f" | wc -c)))
  done
  printf '{"name":"size.%s_raw_bytes","value":%s,"unit":"bytes"}\n' "$name" "$raw" >> "$out/figures.jsonl"
  printf '{"name":"size.%s_gzip_bytes","value":%s,"unit":"bytes"}\n' "$name" "$gz" >> "$out/figures.jsonl"
  printf '{"name":"size.%s_gzip_bytes","value":%s,"unit":"bytes"}\n' "$label" "$total" >> "$out/figures.jsonl"
  printf '{"name":"size.%s_later_parts_gzip_bytes","value":%s,"unit":"bytes"}\n' "$label" "$later" >> "$out/figures.jsonl"
}
bundle_figures wasm admin_page index.html
bundle_figures reviewer_wasm reviewer_page reviewer.html

cat "$out/figures.jsonl"
python3 scripts/bench_summary.py "$out/figures.jsonl"
