#!/usr/bin/env bash
# Runs a command (the browser suite) with a throwaway Attest sync server on loopback: a
# SQLite file in a temp dir, stopped and deleted on exit. The suite's two-browser sync test
# reads where it is from ATTEST_TEST_SYNC_SERVER and ATTEST_TEST_SYNC_SECRET at build time,
# so both are fixed values (changing them rebuilds the test).
set -euo pipefail

port="${ATTEST_TEST_SYNC_PORT:-18391}"
export ATTEST_TEST_SYNC_SERVER="http://127.0.0.1:$port"
export ATTEST_TEST_SYNC_SECRET="browser-suite-sync-secret"

cargo build --quiet -p attest-server
bin="${CARGO_TARGET_DIR:-target}/debug/attest-server"
dir="$(mktemp -d)"
"$bin" --data "$dir/attest.db" --listen "127.0.0.1:$port" \
  --admin-secret "$ATTEST_TEST_SYNC_SECRET" --evidence-key "$dir/evidence-key.json" \
  >"$dir/server.log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT

for _ in $(seq 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "the test sync server did not start (is port $port free?):" >&2
    cat "$dir/server.log" >&2
    exit 1
  fi
  sleep 0.1
done
# ChromeDriver makes a fresh browser profile under TMPDIR for every session and does not
# always delete it (100+ MB once the benchmark has filled IndexedDB); keep it in $dir.
mkdir -p "$dir/tmp"
TMPDIR="$dir/tmp" "$@"
