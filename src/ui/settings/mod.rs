//! Settings: sync endpoint, backup and restore, reset.

use leptos::prelude::*;

use crate::ui::components::{Coming, Page};

#[component]
pub fn Settings() -> impl IntoView {
    view! {
        <Page title="Settings" lead="Where Attest keeps its data, and how it syncs.">
            <Coming>"Sync endpoint, backup and restore to a file, and reset of all local data."</Coming>
        </Page>
    }
}
