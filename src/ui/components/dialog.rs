//! Modal confirmations before an action that cannot be undone. Focus moves into the dialog
//! (to Cancel, the safe choice), Tab stays inside, Escape cancels, and focus returns to the
//! button that opened it.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

fn focusables(root: &web_sys::Element) -> Vec<web_sys::HtmlElement> {
    let Ok(list) =
        root.query_selector_all("button:not([disabled]), textarea, input, select, a[href]")
    else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
        .collect()
}

/// Moves keyboard focus to the element with `id`, if it is on the page.
pub fn focus_id(id: &str) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

/// Escape closes the dialog; Tab and Shift+Tab wrap around inside it.
pub fn keep_focus_inside(
    ev: &web_sys::KeyboardEvent,
    dialog_ref: NodeRef<leptos::html::Div>,
    open: RwSignal<bool>,
) {
    match ev.key().as_str() {
        "Escape" => {
            ev.prevent_default();
            open.set(false);
        }
        "Tab" => {
            let Some(root) = dialog_ref.get() else { return };
            let items = focusables(&root);
            let (Some(first), Some(last)) = (items.first(), items.last()) else {
                return;
            };
            let active = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.active_element());
            let at = |el: &web_sys::HtmlElement| {
                active
                    .as_ref()
                    .is_some_and(|a| a == el.unchecked_ref::<web_sys::Element>())
            };
            if ev.shift_key() && at(first) {
                ev.prevent_default();
                let _ = last.focus();
            } else if !ev.shift_key() && at(last) {
                ev.prevent_default();
                let _ = first.focus();
            }
        }
        _ => {}
    }
}

/// "Do X?" with what will happen, a confirm button and Cancel.
#[component]
pub fn ConfirmDialog(
    /// The question, e.g. "Stop stage 1?".
    #[prop(into)]
    title: String,
    /// The confirm button's text, e.g. "Stop stage".
    #[prop(into)]
    confirm: String,
    /// Id of the button that opened the dialog: focus returns there when it closes.
    #[prop(into)]
    trigger: String,
    /// Set to false to close (Cancel, Escape).
    open: RwSignal<bool>,
    on_confirm: Callback<()>,
    /// What will happen, as paragraphs.
    children: Children,
) -> impl IntoView {
    let dialog_ref = NodeRef::<leptos::html::Div>::new();
    let cancel_ref = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(el) = cancel_ref.get() {
            let _ = el.focus();
        }
    });
    on_cleanup(move || focus_id(&trigger));
    let on_keydown = move |ev: web_sys::KeyboardEvent| keep_focus_inside(&ev, dialog_ref, open);
    view! {
        <div class="dialog-backdrop">
            <div
                class="dialog"
                role="dialog"
                aria-modal="true"
                aria-labelledby="confirm-title"
                aria-describedby="confirm-text"
                node_ref=dialog_ref
                on:keydown=on_keydown
            >
                <h2 id="confirm-title">{title}</h2>
                <div id="confirm-text">{children()}</div>
                <div class="dialog-actions">
                    <button type="button" class="button-danger" on:click=move |_| on_confirm.run(())>
                        {confirm}
                    </button>
                    <button type="button" node_ref=cancel_ref on:click=move |_| open.set(false)>
                        "Cancel"
                    </button>
                </div>
            </div>
        </div>
    }
}
