#!/usr/bin/env bash
# Stores a gzip (.gz) and a brotli (.br) copy beside each compressible file of the built app
# (dist/ by default). The server sends the copy the browser accepts, so nothing is
# compressed per request. Run by scripts/build-dist.sh; stale copies are replaced.
set -euo pipefail
dist="${1:-dist}"
[ -f "$dist/index.html" ] || { echo "compress-dist: no app built in $dist (run scripts/build-dist.sh)"; exit 1; }
find "$dist" -type f \( -name '*.gz' -o -name '*.br' \) -delete
have_brotli=1
command -v brotli >/dev/null 2>&1 || { have_brotli=0; echo "compress-dist: brotli is not installed (scripts/setup.sh installs it); storing gzip copies only"; }
find "$dist" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' \
  -o -name '*.svg' -o -name '*.json' -o -name '*.webmanifest' -o -name '*.txt' \) |
while read -r f; do
  gzip -9 -k -n -f "$f"
  [ "$have_brotli" = 0 ] || brotli -q 11 -k -f "$f"
done
