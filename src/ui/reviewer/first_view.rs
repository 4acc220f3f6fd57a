//! The reviewer page's first view: what a mail link shows while the rest of the reviewer
//! bundle downloads. reviewer.html's first script has already asked the server for the
//! reviewer's page (`window.__attestLink`); this reads a copy of that answer, folds it with
//! the engine and draws the page's heading, facts and first rows as the reviewer page draws
//! them, with the decision buttons not yet usable. When the app's own reviewer page has
//! something to show it calls [`done`] and the first view goes.
//!
//! Only the reviewer bundle starts it (`crate::mount_reviewer`). Its code is what the
//! bundle's main part holds: Leptos, the engine's page reader, fold and `reviewer_view`,
//! and these views; the store, sync, runtime and screens are in the part fetched meanwhile
//! (`--features split-reviewer`).

use std::any::Any;
use std::cell::RefCell;

use attest_engine::snapshot::decode_reviewer_page;
use attest_engine::view::reviewer_view;
use chrono::Utc;
use js_sys::{Promise, Reflect, Uint8Array};
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{HtmlElement, Response};

use super::list::first_rows;
use super::{unescape, Header};
use crate::ui::address::reviewer_page_of;
use crate::ui::components::Page;

/// The class of `<body>` while the first view shows: the stylesheet hides the app beside it.
const SHOWING: &str = "first-view";

#[derive(Default)]
struct FirstView {
    /// The app's reviewer page has taken over (or anything else was shown): never show it.
    done: bool,
    /// The container and what unmounts the view in it.
    mounted: Option<(HtmlElement, Box<dyn Any>)>,
}

thread_local! {
    static FIRST_VIEW: RefCell<FirstView> = RefCell::new(FirstView::default());
}

/// Shows the first view if this page is a reviewer page opened from a mail link whose answer
/// the page's first script asked for; does nothing otherwise.
pub fn start() {
    let Some(records) = asked_records() else {
        return;
    };
    FIRST_VIEW.with(|f| f.borrow_mut().done = false);
    // Not leptos's spawn: its executor is set up by the first mount, which may come later.
    wasm_bindgen_futures::spawn_local(async move {
        // Anything unexpected leaves the page to the app, which says what went wrong.
        let _ = show(records).await;
    });
}

/// The app's own page is ready: the first view goes (if it was shown at all).
pub fn done() {
    let mounted = FIRST_VIEW.with(|f| {
        let mut f = f.borrow_mut();
        f.done = true;
        f.mounted.take()
    });
    if let Some((container, unmount)) = mounted {
        drop(unmount);
        container.remove();
        if let Some(body) = document().body() {
            let _ = body.class_list().remove_1(SHOWING);
        }
    }
}

/// The reviewer's page the first script asked for, without taking it (the app's sync takes
/// the same answer later).
fn asked_records() -> Option<Promise> {
    let window = web_sys::window()?;
    let asked = Reflect::get(&window, &JsValue::from_str("__attestLink"))
        .ok()
        .filter(JsValue::is_object)?;
    Reflect::get(&asked, &JsValue::from_str("records"))
        .ok()?
        .dyn_into()
        .ok()
}

async fn show(records: Promise) -> Option<()> {
    let response: Response = JsFuture::from(records).await.ok()?.dyn_into().ok()?;
    if response.status() != 200 {
        return None;
    }
    // A copy: the app's sync reads the original's body.
    let copy = response.clone().ok()?;
    let bytes = Uint8Array::new(&JsFuture::from(copy.array_buffer().ok()?).await.ok()?).to_vec();
    let page = decode_reviewer_page(&bytes).ok()?;
    // Only the page this link is for, at the address it opened.
    let path = web_sys::window()?.location().pathname().ok()?;
    let (instance, stage) = reviewer_page_of(&path)?;
    if unescape(instance) != page.instance || stage.parse::<usize>().ok()? != page.stage + 1 {
        return None;
    }
    let state = attest_engine::replay(&page.records);
    let view = reviewer_view(&state, &page.instance, page.stage, &page.reviewer).ok()?;
    if FIRST_VIEW.with(|f| f.borrow().done) {
        return None;
    }
    crate::boot_done();
    let container: HtmlElement = document().create_element("div").ok()?.unchecked_into();
    container.set_class_name("first-view-root");
    let body = document().body()?;
    body.prepend_with_node_1(&container).ok()?;
    let _ = body.class_list().add_1(SHOWING);
    let now = Utc::now();
    let me = page.reviewer.clone();
    let unmount = leptos::mount::mount_to(container.clone(), move || {
        let header = Header::of(&view);
        let rows = first_rows(
            &view,
            &me,
            &|id| state.directory.display_name(id).to_string(),
            now,
        );
        view! {
            <header class="app-header">
                <div class="container header-bar">
                    <span class="brand">
                        <img class="brand-mark" src="/favicon.svg" alt="" width="28" height="28" />
                        <span class="brand-name">"Attest"</span>
                    </span>
                </div>
            </header>
            <main class="container app-main">
                <div class="reviewer-page">
                    <Page title=header.review_name.clone() lead=header.lead()>
                        {header.facts()}
                        <p class="meta" role="status">"Getting the decision buttons ready\u{2026}"</p>
                        {rows}
                    </Page>
                </div>
            </main>
        }
    });
    FIRST_VIEW.with(|f| f.borrow_mut().mounted = Some((container, Box::new(unmount))));
    Some(())
}
