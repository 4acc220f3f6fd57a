#!/usr/bin/env bash
# Installs what building and testing Attest needs, skipping whatever is already present,
# so a second run takes seconds. Versions follow the toolchain notes in the README.
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
WASM_BINDGEN_VERSION=0.2.130

say() { printf '[setup] %s\n' "$*"; }

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
# The server's tests start a throwaway PostgreSQL cluster with these tools.
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need_apt+=(postgresql)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3 python3-pip)
# `make serve` stores brotli copies of the built app beside the files (scripts/compress-dist.sh).
command -v brotli >/dev/null 2>&1 || need_apt+=(brotli)
if [ "${#need_apt[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO=sudo; else SUDO=; fi
  say "installing Debian packages: ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! command -v trunk >/dev/null 2>&1 || ! trunk --version | grep -q "$TRUNK_VERSION"; then
  say "building trunk $TRUNK_VERSION (about 6 minutes)"
  cargo install --locked "trunk@$TRUNK_VERSION"
fi

# --locked fails for this version: a locked dependency is no longer in the registry.
if ! command -v wasm-bindgen-test-runner >/dev/null 2>&1 \
   || ! wasm-bindgen --version | grep -q "$WASM_BINDGEN_VERSION"; then
  say "building wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 2 minutes)"
  cargo install --force "wasm-bindgen-cli@$WASM_BINDGEN_VERSION"
fi

# wasm-split cuts the screens a bundle's first page does not need out of its .wasm after
# linking (scripts/build-dist.sh); Trunk has no such step. Installed inside the project (.tools/bin).
WASM_SPLIT_VERSION=0.2.4
if ! [ -x .tools/bin/wasm-split-cli ] || ! grep -qs "$WASM_SPLIT_VERSION" .tools/wasm-split.version; then
  say "building wasm-split $WASM_SPLIT_VERSION (about 2 minutes)"
  cargo install --locked --quiet --root .tools --features build-binary "wasm_split_cli_support@$WASM_SPLIT_VERSION"
  echo "$WASM_SPLIT_VERSION" > .tools/wasm-split.version
fi

# wasm-opt: Debian's binaryen 108 breaks wasm-bindgen's externref table, so the release
# build uses binaryen 132 from npm, installed inside the project (.tools/, git-ignored).
BINARYEN_VERSION=132.0.0
if ! [ -x .tools/node_modules/.bin/wasm-opt ] \
   || ! .tools/node_modules/.bin/wasm-opt --version | grep -q "version_${BINARYEN_VERSION%%.*}"; then
  if ! command -v npm >/dev/null 2>&1; then
    say "installing Node.js and npm from Debian (for binaryen's wasm-opt)"
    if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO=sudo; else SUDO=; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null
  fi
  say "installing binaryen $BINARYEN_VERSION (wasm-opt) into .tools/"
  npm install --prefix .tools --no-audit --no-fund --silent "binaryen@$BINARYEN_VERSION" >/dev/null
fi

# playwright-core drives the system Chromium (it downloads no browser): `make bench` times a
# mail link with network emulation (scripts/first-row.mjs), the verifier page's test
# (cli/tests/verify_page.rs) opens verify.html from a file:// URL, and the accessibility
# audit (tests/a11y/audit.mjs) runs axe-core on every screen.
PLAYWRIGHT_VERSION=1.65.1
AXE_VERSION=4.14.1
if ! grep -qs "\"version\": \"$AXE_VERSION\"" .tools/node_modules/axe-core/package.json \
   || ! grep -qs "\"version\": \"$PLAYWRIGHT_VERSION\"" .tools/node_modules/playwright-core/package.json; then
  say "installing axe-core $AXE_VERSION and playwright-core $PLAYWRIGHT_VERSION into .tools/"
  npm install --prefix .tools --no-audit --no-fund --silent \
    "axe-core@$AXE_VERSION" "playwright-core@$PLAYWRIGHT_VERSION" >/dev/null
fi

# The server's mail test sends through a real SMTP server on loopback (aiosmtpd, from PyPI).
if ! python3 -c 'import aiosmtpd' >/dev/null 2>&1; then
  say "installing aiosmtpd (SMTP server for the notification tests)"
  python3 -m pip install --quiet aiosmtpd 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages aiosmtpd
fi

say "toolchain ready"
