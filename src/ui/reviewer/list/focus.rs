//! Keyboard focus in the list: each row's element id, putting focus back on a row after it
//! was re-rendered, and whether focus is in the list at all.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

pub(super) fn row_id(item: u32) -> String {
    format!("reviewee-{item}")
}

pub(super) fn focus_row(item: u32) {
    // After the next paint, when the row for `item` is in the DOM.
    request_animation_frame(move || {
        if let Some(el) = document().get_element_by_id(&row_id(item)) {
            let _ = el.unchecked_into::<HtmlElement>().focus();
        }
    });
}

/// Whether focus has dropped to the page (a row was re-rendered under it).
pub(super) fn focus_lost() -> bool {
    document()
        .active_element()
        .is_none_or(|el| el.tag_name() == "BODY" || !el.is_connected())
}

pub(super) fn focus_in_list() -> bool {
    document()
        .active_element()
        .and_then(|el| el.closest(".rv-list").ok().flatten())
        .is_some()
}
