//! The virtualized list of rows. Rows have a fixed height, so only the rows in view (plus a
//! small margin) are in the DOM: a spacer as tall as all rows keeps the scrollbar honest and
//! the window of rows is computed from `scrollTop`. The height follows the window's width.

use std::sync::Arc;

use attest_engine::view::ReviewerView;
use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::keyboard::Keys;
use super::row::{Row, RowContext};
use super::ListState;

/// Row heights in CSS pixels; the stylesheet lays rows out to fit exactly these.
const WIDE_ROW: i32 = 84;
const NARROW_ROW: i32 = 268;
/// Below this window width rows stack their cells (style/reviewer.css uses the same width).
pub(super) const NARROW_BELOW: f64 = 760.0;
/// Rows rendered beyond each edge of the viewport, so fast scrolling shows no gaps.
const OVERSCAN: usize = 4;

pub(super) fn window_width() -> f64 {
    web_sys::window()
        .and_then(|w| w.inner_width().ok())
        .and_then(|w| w.as_f64())
        .unwrap_or(1280.0)
}

/// The height of every row at the current width.
pub(super) fn row_height(narrow: RwSignal<bool>) -> i32 {
    if narrow.get() {
        NARROW_ROW
    } else {
        WIDE_ROW
    }
}

#[component]
pub(super) fn VirtualList(
    view: Memo<Option<Arc<ReviewerView>>>,
    /// Indexes into the view's rows, filtered and sorted.
    shown: Memo<Vec<u32>>,
    state: ListState,
    context: RowContext,
    show_earlier: Memo<bool>,
    list_ref: NodeRef<leptos::html::Div>,
    scroll_top: RwSignal<i32>,
) -> impl IntoView {
    let ListState {
        positions,
        shown_count,
        tab_item,
        ..
    } = state;
    let viewport = RwSignal::new(600i32);
    let narrow = RwSignal::new(window_width() < NARROW_BELOW);
    let row_height = move || row_height(narrow);
    let measure = move || {
        narrow.set(window_width() < NARROW_BELOW);
        if let Some(el) = list_ref.get_untracked() {
            let window_height = web_sys::window()
                .and_then(|w| w.inner_height().ok())
                .and_then(|h| h.as_f64())
                .unwrap_or(900.0);
            viewport.set(el.client_height().clamp(1, window_height as i32));
        }
    };
    Effect::new(move |_| {
        if list_ref.get().is_some() {
            measure();
        }
    });
    let resize = window_event_listener(ev::resize, move |_| measure());
    on_cleanup(move || resize.remove());

    // The window of rows to render.
    let window = Memo::new(move |_| {
        let rh = row_height();
        let total = shown_count.get();
        let first = (scroll_top.get().max(0) / rh) as usize;
        let first = first.saturating_sub(OVERSCAN).min(total);
        let count = (viewport.get() / rh) as usize + 1 + 2 * OVERSCAN;
        (first, (first + count).min(total))
    });
    let visible = move || {
        let (from, to) = window.get();
        view.with(|v| {
            let Some(v) = v.as_ref() else {
                return Vec::new();
            };
            shown.with(|s| {
                s[from..to]
                    .iter()
                    .map(|&p| v.rows[p as usize].clone())
                    .collect::<Vec<_>>()
            })
        })
    };
    let list_tabindex = move || {
        let (from, to) = window.get();
        let rendered = tab_item
            .get()
            .and_then(|i| positions.with(|p| p.get(&i).copied()))
            .is_some_and(|p| p >= from && p < to);
        if rendered {
            "-1"
        } else {
            "0"
        }
    };
    let keys = Keys {
        view,
        shown,
        state,
        list_ref,
        scroll_top,
        viewport,
        narrow,
    };

    view! {
        <div
            class="rv-list"
            class:narrow=move || narrow.get()
            class:with-earlier=move || show_earlier.get()
            style:height=move || if narrow.get() { "75vh" } else { "min(70vh, 42rem)" }
            style:overflow-y="auto"
            style:position="relative"
            role="list"
            aria-label="Reviewees"
            aria-describedby="rv-keys"
            tabindex=list_tabindex
            node_ref=list_ref
            on:scroll=move |ev| {
                if let Some(el) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
                    scroll_top.set(el.scroll_top());
                }
            }
            on:keydown=move |ev| keys.keydown(ev)
            on:focus=move |ev| keys.focus(ev)
        >
            <div class="rv-spacer" style:position="relative" style:height=move || format!("{}px", shown_count.get() as i32 * row_height())>
                <div
                    class="rv-window"
                    style:position="absolute"
                    style:top="0"
                    style:left="0"
                    style:right="0"
                    style:transform=move || format!("translateY({}px)", window.get().0 as i32 * row_height())>
                    <For
                        each=visible
                        key=|row| (row.item, row.decision.as_ref().map(|d| (d.at.timestamp_micros(), d.decision.label(), d.reviewer.clone())))
                        children=move |row| view! { <Row row=row state=state context=context show_earlier=show_earlier.get_untracked() height=row_height() /> }
                    />
                </div>
            </div>
        </div>
    }
}
