#!/usr/bin/env bash
# Runs a command (the browser suite) with two throwaway Attest sync servers on loopback: SQLite
# files in a temp dir, stopped and deleted on exit. The suite's server tests read where they
# are from ATTEST_TEST_SYNC_SERVER (the two-browser sync tests, the evidence key test),
# ATTEST_TEST_SYNC_SERVER_2 (the reviewer bundle's test) and ATTEST_TEST_SYNC_SECRET at build
# time, so all are fixed values (changing them rebuilds the test). Two servers so that a test
# can start against an empty server (its browser's log is pushed) as well as one with data
# (a browser connecting there adopts the server's log, tests/browser/sync.rs).
set -euo pipefail

port="${ATTEST_TEST_SYNC_PORT:-18391}"
port2=$((port + 1))
export ATTEST_TEST_SYNC_SERVER="http://127.0.0.1:$port"
export ATTEST_TEST_SYNC_SERVER_2="http://127.0.0.1:$port2"
export ATTEST_TEST_SYNC_SECRET="browser-suite-sync-secret"

cargo build --quiet -p attest-server
bin="${CARGO_TARGET_DIR:-target}/debug/attest-server"
dir="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT

for p in "$port" "$port2"; do
  "$bin" --data "$dir/attest-$p.db" --listen "127.0.0.1:$p" \
    --admin-secret "$ATTEST_TEST_SYNC_SECRET" --evidence-key "$dir/evidence-key-$p.json" \
    >"$dir/server-$p.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then break; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "the test sync server did not start (is port $p free?):" >&2
      cat "$dir/server-$p.log" >&2
      exit 1
    fi
    sleep 0.1
  done
done
# ChromeDriver makes a fresh browser profile under TMPDIR for every session and does not
# always delete it (100+ MB once the benchmark has filled IndexedDB); keep it in $dir.
mkdir -p "$dir/tmp"
TMPDIR="$dir/tmp" "$@"
