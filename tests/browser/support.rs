//! Helpers shared by the browser tests: mount the app at a path, find elements the way a
//! person does (by visible text or accessible label), click, and wait for the DOM to settle.
#![allow(dead_code)] // Each test module uses a different subset.

use std::{any::Any, future::Future};

use gloo_timers::future::TimeoutFuture;
use leptos::prelude::{GetUntracked, IntoView, Owner};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement};

/// How long [`wait_for`] polls before failing the test: generous, because CI shares two
/// cores and a loaded machine made 3 s waits fail correct tests.
const WAIT_LIMIT_MS: u32 = 10_000;
const POLL_MS: u32 = 10;

pub fn document() -> Document {
    web_sys::window()
        .expect("window")
        .document()
        .expect("document")
}

/// An app (either bundle) mounted into its own container in `<body>`. Dropping it unmounts
/// the app (which also removes the router's window listeners) and removes the container.
///
/// A failed test aborts without dropping, so its app stays mounted and its router keeps
/// handling clicks: when several tests fail, fix the first one first.
pub struct Mounted {
    pub root: HtmlElement,
    /// Parent of the app's reactive owner. Dropping the unmount handle alone leaves the
    /// router's window listeners alive; cleaning this owner runs every `on_cleanup`.
    owner: Owner,
    handle: Option<Box<dyn Any>>,
    /// The full app forgets the "Acting as" choice when it goes; the reviewer bundle keeps
    /// it, as a reviewer handed over to the full app stays who they act as.
    forgets_acting_as: bool,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        // The "Acting as" choice lives in localStorage; a test that acted as a reviewer must
        // not leave the next test acting as that reviewer.
        if self.forgets_acting_as {
            if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten())
            {
                let _ = storage.remove_item(attest::ui::session::ACTING_AS_KEY);
            }
        }
        drop(self.handle.take());
        self.owner.cleanup();
        self.root.remove();
    }
}

/// Mounts `attest::App` at `path` (the router reads the browser's URL) in a fresh container.
pub fn mount_at(path: &str) -> Mounted {
    mount_with(path, test_config(50))
}

/// A configuration with a database of its own, so tests never see each other's data, and a
/// sample tenant of `sample_users` users (0: an empty directory).
pub fn test_config(sample_users: usize) -> attest::AppConfig {
    let n = (js_sys::Math::random() * 1e12) as u64;
    attest::AppConfig {
        database: format!("attest-test-{n}"),
        sample_users,
    }
}

/// Mounts the full app at `path` with `config`.
pub fn mount_with(path: &str, config: attest::AppConfig) -> Mounted {
    mount_view(path, true, move || {
        leptos::view! { <attest::AppWith config=config /> }
    })
}

/// Mounts `app` at `path` in a fresh container.
pub fn mount_view<V: IntoView + 'static>(
    path: &str,
    forgets_acting_as: bool,
    app: impl FnOnce() -> V + 'static,
) -> Mounted {
    set_path(path);
    let root: HtmlElement = document()
        .create_element("div")
        .expect("create container")
        .unchecked_into();
    document()
        .body()
        .expect("body")
        .append_child(&root)
        .expect("append container");
    let owner = Owner::new();
    let handle = owner.with(|| leptos::mount::mount_to(root.clone(), app));
    Mounted {
        root,
        owner,
        handle: Some(Box::new(handle)),
        forgets_acting_as,
    }
}

/// The mounted app's runtime once its stored data is loaded (the sample tenant included),
/// to set up reviews the way the screens would.
pub async fn ready_runtime() -> attest::Runtime {
    let runtime = wait_for("the runtime", attest::runtime::current_runtime).await;
    wait_for("the stored data to load", || {
        runtime.ready.get_untracked().then_some(())
    })
    .await;
    runtime
}

/// Mounts the app at the dashboard.
pub fn mount_app() -> Mounted {
    mount_at("/")
}

/// Replaces the browser URL's path without navigating, so the router starts there.
pub fn set_path(path: &str) {
    web_sys::window()
        .expect("window")
        .history()
        .expect("history")
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path))
        .expect("replaceState");
}

/// The current path of the browser URL.
pub fn current_path() -> String {
    web_sys::window()
        .expect("window")
        .location()
        .pathname()
        .expect("pathname")
}

/// Lets pending effects, microtasks and timers run once.
pub async fn next_tick() {
    TimeoutFuture::new(0).await;
}

/// Polls `probe` until it returns `Some`, failing the test with `what` after a few seconds.
pub async fn wait_for<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let mut waited = 0;
    loop {
        if let Some(found) = probe() {
            return found;
        }
        if waited >= WAIT_LIMIT_MS {
            panic!("timed out after {WAIT_LIMIT_MS} ms waiting for {what}");
        }
        TimeoutFuture::new(POLL_MS).await;
        waited += POLL_MS;
    }
}

/// Runs `future` and returns its output; reads better than a bare `.await` in long chains.
pub async fn settle<F: Future>(future: F) -> F::Output {
    let out = future.await;
    next_tick().await;
    out
}

/// Every element under `root` matching the CSS `selector`.
pub fn all(root: &Element, selector: &str) -> Vec<Element> {
    let list = root.query_selector_all(selector).expect("valid selector");
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|node| node.dyn_into::<Element>().ok())
        .collect()
}

/// Visible text of `el`, with runs of whitespace collapsed.
pub fn text(el: &Element) -> String {
    el.text_content()
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The first element matching `selector` whose visible text is exactly `wanted`.
pub fn find_by_text(root: &Element, selector: &str, wanted: &str) -> Option<Element> {
    all(root, selector)
        .into_iter()
        .find(|el| text(el) == wanted)
}

/// The link whose visible text is `label`.
pub fn link(root: &Element, label: &str) -> Option<Element> {
    find_by_text(root, "a", label)
}

/// The button whose visible text is `label`.
pub fn button(root: &Element, label: &str) -> Option<Element> {
    find_by_text(root, "button", label)
}

/// The `<h1>` of the current screen, if its text is `title`.
pub fn heading(root: &Element, title: &str) -> Option<Element> {
    find_by_text(root, "h1", title)
}

/// The form control whose accessible name is `label`: through `aria-label`, or a `<label>`
/// with that text, either by its `for` attribute or by wrapping the control.
pub fn control_by_label(root: &Element, label: &str) -> Option<Element> {
    let by_aria = all(root, "[aria-label]")
        .into_iter()
        .find(|el| el.get_attribute("aria-label").as_deref() == Some(label));
    by_aria.or_else(|| {
        let label_el = find_by_text(root, "label", label)?;
        match label_el.get_attribute("for") {
            Some(id) => root.query_selector(&format!("#{id}")).ok().flatten(),
            None => label_el
                .query_selector("input, select, textarea")
                .ok()
                .flatten(),
        }
    })
}

/// Types `value` into a text field or text area the way a person's typing reaches the app:
/// the value set, then a bubbling `input` event.
pub fn type_into(el: &Element, value: &str) {
    if let Some(area) = el.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        area.set_value(value);
    } else {
        el.dyn_ref::<web_sys::HtmlInputElement>()
            .expect("a text field")
            .set_value(value);
    }
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let event = web_sys::Event::new_with_event_init_dict("input", &init).expect("an input event");
    el.dispatch_event(&event)
        .expect("the input event dispatched");
}

/// Clicks `el` the way a mouse does (a trusted-looking `click` event that bubbles).
pub fn click(el: &Element) {
    el.dyn_ref::<HtmlElement>()
        .expect("clickable HTML element")
        .click();
}

/// Sets a `<select>`'s value and fires `change`, as choosing an option does.
pub fn choose(select: &Element, value: &str) {
    let select = select
        .dyn_ref::<web_sys::HtmlSelectElement>()
        .expect("a <select>");
    select.set_value(value);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let event = web_sys::Event::new_with_event_init_dict("change", &init).expect("event");
    select.dispatch_event(&event).expect("dispatch change");
}

/// A one-time review of `group` through `stages`, starting at `start`, without reminders;
/// tests change what their scenario needs.
pub fn group_review(
    id: &str,
    group: &str,
    stages: Vec<attest_engine::definition::StageSettings>,
    start: chrono::DateTime<chrono::Utc>,
) -> attest_engine::ReviewDefinition {
    let mut def = attest_engine::templates::blank(id, start);
    def.name = format!("Review {id}");
    def.scope.resources = vec![group.into()];
    def.stages = stages;
    def.settings.reminders = false;
    def
}

#[wasm_bindgen(inline_js = r#"
let watch = null;
export function watch_start(label, status) {
  const w = { last: performance.now(), longest: 0, values: new Set(), stopped: false };
  const note = (el) => {
    if (el.nodeType !== 1) return;
    const bars = el.matches("progress") ? [el] : el.querySelectorAll("progress");
    for (const bar of bars) {
      if (bar.getAttribute("aria-label") === label && bar.hasAttribute("value")) {
        w.values.add(bar.getAttribute("value") + "/" + bar.getAttribute("max"));
      }
    }
  };
  w.observer = new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === "attributes") note(r.target);
      for (const n of r.addedNodes) note(n);
    }
  });
  w.observer.observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ["value"] });
  // What the page's status line said: before and after the longest freeze, to name it.
  const said = () => {
    const el = document.querySelector(status);
    return el ? el.textContent.trim().slice(0, 80) : "";
  };
  w.said = said();
  w.around = "";
  const tick = () => {
    if (w.stopped) return;
    const now = performance.now();
    const now_said = said();
    if (now - w.last > w.longest) {
      w.longest = now - w.last;
      w.around = w.said === now_said ? w.said : w.said + " → " + now_said;
    }
    w.last = now;
    w.said = now_said;
    setTimeout(tick, 0);
  };
  setTimeout(tick, 0);
  watch = w;
}
export function watch_stop() {
  const w = watch;
  w.stopped = true;
  w.observer.disconnect();
  if (performance.now() - w.last > w.longest) {
    w.longest = performance.now() - w.last;
    w.around = w.said;
  }
  return [w.longest, w.values.size, w.around];
}
"#)]
extern "C" {
    fn watch_start(label: &str, status: &str);
    fn watch_stop() -> js_sys::Array;
}

/// Watches the page while something runs: the longest time the main thread gave no turn to
/// a 0 ms timer (how long the page was frozen), and every distinct `value/max` a
/// `<progress>` with accessible name `label` showed (seen through DOM mutations, so no
/// value is missed however fast the work goes). One watch at a time.
pub struct PageWatch;

/// What a [`PageWatch`] saw.
pub struct Watched {
    pub longest_block_ms: f64,
    pub progress_values: usize,
    /// What the status element said before and after that longest block.
    pub longest_block_around: String,
}

impl PageWatch {
    /// `status_selector` finds what the page says it is doing (for `longest_block_around`).
    pub fn start(progress_label: &str, status_selector: &str) -> PageWatch {
        watch_start(progress_label, status_selector);
        PageWatch
    }

    pub fn stop(self) -> Watched {
        let out = watch_stop();
        Watched {
            longest_block_ms: out.get(0).as_f64().unwrap_or(0.0),
            progress_values: out.get(1).as_f64().unwrap_or(0.0) as usize,
            longest_block_around: out.get(2).as_string().unwrap_or_default(),
        }
    }
}

/// Clicks `label` in the confirmation dialog that an irreversible action opens, once it is
/// shown, and returns the dialog's text (what it said would happen).
pub async fn confirm(root: &Element, label: &str) -> String {
    let dialog = wait_for("the confirmation dialog", || {
        root.query_selector("[role='dialog']").ok().flatten()
    })
    .await;
    let said = text(&dialog);
    click(
        &button(&dialog, label)
            .unwrap_or_else(|| panic!("no {label:?} in the confirmation: {said}")),
    );
    said
}

/// Every table under `root` sits in a box a keyboard can reach and scroll, named for
/// screen readers (axe `scrollable-region-focusable`); returns the boxes' names.
pub fn assert_tables_scroll_by_keyboard(root: &Element) -> Vec<String> {
    let tables = all(root, "table");
    assert!(!tables.is_empty(), "a table is shown: {}", text(root));
    tables
        .iter()
        .map(|table| {
            let region = table
                .closest(".table-wrap")
                .ok()
                .flatten()
                .unwrap_or_else(|| panic!("a table outside a scrolling box: {}", text(table)));
            assert_eq!(region.get_attribute("tabindex").as_deref(), Some("0"));
            assert_eq!(region.get_attribute("role").as_deref(), Some("region"));
            let name = region.get_attribute("aria-label").unwrap_or_default();
            assert!(!name.is_empty(), "the box is named");
            name
        })
        .collect()
}

/// Asks the sync server for `reviewer`'s link to stage 1 of `instance`, as an administrator
/// does, again while the review has not reached the server yet (404, for up to 30 s). The
/// link's path (`/my-reviews/…`), or the last answer's status and body.
pub async fn reviewer_link(
    server: &str,
    token: &str,
    instance: &str,
    reviewer: &str,
) -> Result<String, (u16, String)> {
    let mut tries = 0;
    loop {
        let resp = gloo::net::http::Request::post(&format!("{server}/api/v1/links"))
            .header("Authorization", &format!("Bearer {token}"))
            .json(&serde_json::json!({"instance": instance, "stage": 0, "reviewer": reviewer}))
            .unwrap()
            .send()
            .await
            .expect("the server answers");
        tries += 1;
        if resp.status() == 404 && tries < 150 {
            gloo_timers::future::TimeoutFuture::new(200).await;
            continue;
        }
        if resp.status() != 201 {
            return Err((resp.status(), resp.text().await.unwrap_or_default()));
        }
        let link: serde_json::Value = resp.json().await.unwrap();
        let link = link["link"].as_str().unwrap();
        return Ok(link[link.find("/my-reviews/").expect("a reviewer page link")..].to_string());
    }
}
