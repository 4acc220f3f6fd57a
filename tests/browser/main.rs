//! Headless-browser tests of the Attest web app: one test target, one module per area.
//! Run with `make test` (wasm-bindgen-test in headless Chromium through chromedriver).
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::wasm_bindgen_test_configure;

wasm_bindgen_test_configure!(run_in_browser);

mod support;

mod admin;
mod bench;
mod directory;
mod evidence;
mod ladder;
mod notifications;
mod programme;
mod race;
mod reassign;
mod remediation;
mod reviewer;
mod reviewer_bundle;
mod settings;
mod shell;
mod small_alloc;
mod store;
mod sync;
mod wizard;
