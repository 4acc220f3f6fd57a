//! The box around a wide table: it scrolls sideways inside itself (never the page), and can
//! be focused and scrolled with the keyboard, named for screen readers (axe
//! `scrollable-region-focusable`).

use leptos::prelude::*;

#[component]
pub fn TableRegion(
    /// What the table holds, e.g. "Audit history"; announced when the box gets focus.
    #[prop(into)]
    label: String,
    /// Extra classes for the box.
    #[prop(optional, into)]
    class: String,
    children: Children,
) -> impl IntoView {
    view! {
        <div class=format!("table-wrap {class}") tabindex="0" role="region" aria-label=label>
            {children()}
        </div>
    }
}
