#!/usr/bin/env bash
# Builds both bundles of the app into one folder (dist/ by default) and stores their
# compressed copies: index.html (the administrator's full app, bin `attest`) and
# reviewer.html (what a mail link opens, bin `reviewer`).
#
# Trunk builds the pages (stylesheets, icons, copied files); the Rust part is built here,
# because Trunk cannot split a .wasm: cargo links it keeping its relocations, wasm-split
# cuts out what a bundle's first page does not need (`--features split-admin`: the later
# screens; `split-reviewer`: the app behind a mail link's first view; see src/lib.rs), then wasm-bindgen and wasm-opt run
# on every part. Each bundle's files go in a folder named after their content
# (app-<bin>-<hash>/), so the server lets browsers cache them for good; the page loads
# them from there and the split parts name each other relative to it.
# Usage: scripts/build-dist.sh [DIST]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/bin:$PWD/.tools/node_modules/.bin:$PATH"
dist="${1:-dist}"
target="${CARGO_TARGET_DIR:-target}"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
rm -rf "$dist"
mkdir -p "$dist"

# page.html -> the same page without Trunk's Rust link, its asset paths relative to $stage.
# Prints the link's bin and wasm-opt parameters (one per line).
strip_rust_link() { # page out
  python3 - "$1" "$2" "$PWD" <<'PY'
import os, re, sys
page, out, root = sys.argv[1], sys.argv[2], sys.argv[3]
html = open(page).read()
link = re.search(r'<link data-trunk rel="rust"[^>]*>', html)
bin_ = re.search(r'data-bin="([^"]+)"', link.group(0)).group(1)
params = re.search(r'data-wasm-opt-params="([^"]*)"', link.group(0)).group(1)
html = html[:link.start()] + html[link.end():]
up = os.path.relpath(root, os.path.dirname(os.path.abspath(out)))
html = re.sub(r'href="(?!/|https?:)', 'href="' + up + '/', html)
open(out, "w").write(html)
print(bin_)
print(params)
PY
}

# Adds the loader of the bundle in $dist/$folder to $dist/$page: the JS module and .wasm
# preloaded, the app started by an inline module script (the server's CSP allows it by
# hash). With `prefetch` 1, two seconds after the app has started the split parts are
# fetched at low priority, so a later screen's first visit finds its part in the cache
# (immutable there); the reviewer bundle asks for its one part as it starts.
add_loader() { # page folder name prefetch
  python3 - "$dist/$1" "$2" "$3" "$dist/$2" "$4" <<'PY'
import json, os, sys
page, folder, name, parts, prefetch = sys.argv[1:]
html = open(page).read()
js, wasm = f"/{folder}/{name}.js", f"/{folder}/{name}_bg.wasm"
later = sorted(f"/{folder}/{f}" for f in os.listdir(parts)
               if f.endswith(".wasm") and f != f"{name}_bg.wasm" and prefetch == "1")
start = f'import init from "{js}"; init({{ module_or_path: "{wasm}" }})'
if later:
    start += (f'.then(() => setTimeout(() => {json.dumps(later, separators=(",", ":"))}'
              '.forEach(p => fetch(p, { priority: "low" }).catch(() => {})), 2000))')
loader = (
    f'<link rel="modulepreload" href="{js}">'
    f'<link rel="preload" href="{wasm}" as="fetch" type="application/wasm" crossorigin>'
    f'<script type="module">{start};</script>'
)
assert html.count("</head>") == 1, page
open(page, "w").write(html.replace("</head>", loader + "</head>"))
PY
}

bundle() { # page.html output-page cargo-feature-with-its-split-points prefetch-parts(1/0)
  local page="$1" out="$2" features="$3" prefetch="$4" bin params parts folder hash f
  mkdir -p "$stage/$out.d"
  { read -r bin; read -r params; } < <(strip_rust_link "$page" "$stage/$out.d/$page")
  trunk build --release=true --dist "$stage/$out.d/pages" "$stage/$out.d/$page"
  mv "$stage/$out.d/pages/index.html" "$dist/$out"
  cp -R "$stage/$out.d/pages/." "$dist/"
  # wasm-split needs the link's relocations; cargo rustc passes the flag to this bin alone.
  cargo rustc --quiet --release --target wasm32-unknown-unknown -p attest --bin "$bin" \
    --features "$features" -- -C link-arg=--emit-relocs
  parts="$stage/$out.d/parts"
  mkdir -p "$parts"
  wasm-split-cli "$target/wasm32-unknown-unknown/release/$bin.wasm" "$stage/$out.d/split" --out-name "$bin"
  # The main part for wasm-bindgen, which keeps the exports the other parts import.
  wasm-bindgen --target web --keep-lld-exports --no-typescript --out-dir "$parts" "$stage/$out.d/split/$bin.wasm"
  find "$stage/$out.d/split" -maxdepth 1 -type f ! -name "$bin.wasm" -exec cp {} "$parts/" \;
  for f in "$parts"/*.wasm; do
    # shellcheck disable=SC2086 # the page's parameters are separate words
    wasm-opt -Oz $params "$f" -o "$f.opt"
    mv "$f.opt" "$f"
  done
  hash="$(cat "$parts"/* | sha256sum | cut -c1-16)"
  folder="app-$bin-$hash"
  mv "$parts" "$dist/$folder"
  add_loader "$out" "$folder" "$bin" "$prefetch"
}

bundle index.html index.html split-admin 1
bundle reviewer.html reviewer.html split-reviewer 0
bash scripts/compress-dist.sh "$dist"
