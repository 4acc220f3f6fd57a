//! Settings: where this browser keeps Attest's data (usage, quota, persistence), backup to a
//! file and restore from one, the sync server, and reset to the sample tenant.

mod backup;
mod reset;
mod storage;

use leptos::prelude::*;

use backup::BackupSection;
use reset::ResetSection;
use storage::StorageSection;

#[component]
pub fn Settings() -> impl IntoView {
    view! {
        <Page title="Settings" lead="Where Attest keeps its data in this browser, how to back it up, and how it syncs.">
            <div class="settings">
                <StorageSection />
                <BackupSection />
                <SyncServerSection />
                <ResetSection />
            </div>
        </Page>
    }
}

use crate::ui::components::Page;

/// PLACEHOLDER — the sync engineer replaces this section (endpoint, credentials, status).
#[component]
fn SyncServerSection() -> impl IntoView {
    view! {
        <section class="card settings-section" aria-labelledby="settings-sync-heading" data-section="sync">
            <div class="settings-section-head">
                <h2 id="settings-sync-heading">"Sync server"</h2>
                <span class="badge">"Coming"</span>
            </div>
            <p class="meta">
                "Connect this browser to a sync server so reviewers on other machines can decide from the links they are sent. Until then Attest works in this browser only."
            </p>
        </section>
    }
}

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
        <p id=id class="settings-outcome" role="status" aria-live="polite">
            {move || match outcome.get() {
                Some(Outcome::Done(text)) => view! { <span class="settings-done">{text}</span> }.into_any(),
                Some(Outcome::Failed(text)) => view! { <span class="error">{text}</span> }.into_any(),
                None => ().into_any(),
            }}
        </p>
    }
}
