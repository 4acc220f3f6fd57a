#!/usr/bin/env bash
# Installs what building and testing Attest needs, skipping whatever is already present,
# so a second run takes seconds. Versions follow the toolchain notes in the README.
set -euo pipefail

TRUNK_VERSION=0.21.14
WASM_BINDGEN_VERSION=0.2.130

say() { printf '[setup] %s\n' "$*"; }

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
command -v wasm-opt >/dev/null 2>&1 || need_apt+=(binaryen)
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

say "toolchain ready"
