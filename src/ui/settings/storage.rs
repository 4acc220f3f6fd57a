//! Settings → Storage: how much this browser holds for Attest, the quota, and persistence.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Outcome, OutcomeLine};
use crate::runtime::use_runtime;
use crate::store::storage::{estimate, human_bytes, persisted, request_persistence, Estimate};

#[component]
pub fn StorageSection() -> impl IntoView {
    let runtime = use_runtime();
    let usage = RwSignal::new(None::<Option<Estimate>>);
    let persistent = RwSignal::new(None::<Option<bool>>);
    let (outcome, set_outcome) = signal(None::<Outcome>);
    let refresh = move || {
        spawn_local(async move {
            usage.set(Some(estimate().await));
            persistent.set(Some(persisted().await));
        });
    };
    refresh();
    // Usage changes with every stored change.
    Effect::new(move |_| {
        runtime.state.with(|s| s.applied_records.len());
        refresh();
    });
    let request = move |_| {
        spawn_local(async move {
            let granted = request_persistence().await;
            set_outcome.set(Some(match granted {
                Some(true) => Outcome::Done("Persistent storage granted: the browser will not delete Attest's data to free space.".into()),
                Some(false) => Outcome::Failed(
                    "The browser did not grant persistent storage. It may grant it once the site is bookmarked or installed, or used more often; until then keep a backup.".into(),
                ),
                None => Outcome::Failed("This browser cannot keep storage persistent (it needs a secure https page).".into()),
            }));
            refresh();
        });
    };
    let database = runtime
        .store()
        .map(|s| s.name.clone())
        .unwrap_or_else(|| "attest".into());
    view! {
        <section class="card settings-section" aria-labelledby="settings-storage-heading">
            <h2 id="settings-storage-heading">"Storage"</h2>
            <p class="meta">
                "Attest keeps every review, decision and history entry in this browser (IndexedDB database “"
                {database}
                "”). Nothing leaves this browser unless a sync server is set up."
            </p>
            <dl class="settings-facts">
                <div>
                    <dt>"Used"</dt>
                    <dd>
                        {move || match usage.get() {
                            None => "Checking…".to_string(),
                            Some(None) => "This browser does not report how much is used.".to_string(),
                            Some(Some(e)) => usage_text(e),
                        }}
                    </dd>
                </div>
                <div>
                    <dt>"Persistent storage"</dt>
                    <dd>
                        {move || match persistent.get() {
                            None => "Checking…",
                            Some(Some(true)) => "Yes — the browser will not delete this data to free space.",
                            Some(Some(false)) => "No — the browser may delete this data when the disk runs low. Keep a backup.",
                            Some(None) => "Unknown — this browser does not say.",
                        }}
                    </dd>
                </div>
                <div>
                    <dt>"Changes recorded"</dt>
                    <dd>{move || runtime.state.with(|s| s.applied_records.len()).to_string()}</dd>
                </div>
            </dl>
            <div class="settings-actions">
                <button
                    type="button"
                    class="button button-secondary"
                    aria-describedby="settings-storage-outcome"
                    prop:disabled=move || persistent.get() == Some(Some(true))
                    on:click=request
                >
                    "Request persistent storage"
                </button>
            </div>
            <OutcomeLine outcome=outcome id="settings-storage-outcome" />
        </section>
    }
}

fn usage_text(e: Estimate) -> String {
    if e.quota > 0.0 {
        let percent = e.usage / e.quota * 100.0;
        format!(
            "{} of {} available ({percent:.1}%)",
            human_bytes(e.usage),
            human_bytes(e.quota)
        )
    } else {
        human_bytes(e.usage)
    }
}
