//! Settings: where this browser keeps Attest's data (usage, quota, persistence), backup to a
//! file and restore from one, the sync server, and reset to the sample tenant.

mod backup;
mod reset;
mod storage;

use leptos::prelude::*;

use backup::BackupSection;
use reset::ResetSection;
use storage::StorageSection;

pub mod sync;

#[component]
pub fn Settings() -> impl IntoView {
    view! {
        <Page title="Settings" lead="Where Attest keeps its data in this browser, how to back it up, and how it syncs.">
            <div class="settings">
                <StorageSection />
                <BackupSection />
                <sync::SyncSection />
                <crate::ui::evidence::SigningKeySection />
                <ResetSection />
            </div>
        </Page>
    }
}

use crate::ui::components::Page;

/// A one-line outcome of an action, announced to screen readers.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Done(String),
    Failed(String),
}

#[component]
pub fn OutcomeLine(
    outcome: ReadSignal<Option<Outcome>>,
    #[prop(into)] id: String,
) -> impl IntoView {
    view! {
        // Focusable from script: when the control that acted disappears, focus lands here.
        <p id=id class="settings-outcome" role="status" aria-live="polite" tabindex="-1">
            {move || match outcome.get() {
                Some(Outcome::Done(text)) => view! { <span class="settings-done">{text}</span> }.into_any(),
                Some(Outcome::Failed(text)) => view! { <span class="error">{text}</span> }.into_any(),
                None => ().into_any(),
            }}
        </p>
    }
}
