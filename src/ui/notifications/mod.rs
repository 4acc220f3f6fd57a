//! Notifications outbox: the messages the system would send, each with its link.

use leptos::prelude::*;

use crate::ui::components::{Coming, Page};

#[component]
pub fn Notifications() -> impl IntoView {
    view! {
        <Page title="Notifications outbox" lead="The messages Attest would send: stage start, reminders and review complete, each with its link.">
            <Coming>"Every message the system sends, with its recipient and its link to the reviewer page."</Coming>
        </Page>
    }
}
