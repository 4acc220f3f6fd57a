#!/usr/bin/env bash
# Builds both bundles of the app into one folder (dist/ by default) and stores their
# compressed copies: index.html (the administrator's full app, bin `attest`) and
# reviewer.html (what a mail link opens, bin `reviewer`). Trunk builds one entry page per
# run and replaces its whole output folder, so the reviewer bundle is built apart and its
# files copied in. Hashed file names keep the two bundles' assets apart.
# Usage: scripts/build-dist.sh [DIST] [trunk build options, e.g. --release=false]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/node_modules/.bin:$PATH"
dist="${1:-dist}"
shift || true
release=(--release=true)
[ "$#" -gt 0 ] && release=("$@")
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
trunk build "${release[@]}" --dist "$dist" index.html
trunk build "${release[@]}" --dist "$stage/reviewer" reviewer.html
# Trunk names every built page index.html.
mv "$stage/reviewer/index.html" "$dist/reviewer.html"
cp -R "$stage/reviewer/." "$dist/"
bash scripts/compress-dist.sh "$dist"
