//! Settings → Backup and restore: the whole database to one file, and back. A restore checks
//! the file completely first and asks before it replaces anything.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Outcome, OutcomeLine};
use crate::runtime::use_runtime;
use crate::store::check_backup;
use crate::store::storage::human_bytes;
use crate::ui::components::focus_id;

/// A file that passed every check, waiting for the person to confirm the restore.
#[derive(Clone)]
struct Checked {
    file_name: String,
    text: std::sync::Arc<String>,
    records: usize,
    users: usize,
    reviews: usize,
}

#[component]
pub fn BackupSection() -> impl IntoView {
    let runtime = use_runtime();
    let (download_outcome, set_download_outcome) = signal(None::<Outcome>);
    let (restore_outcome, set_restore_outcome) = signal(None::<Outcome>);
    let checked = RwSignal::new(None::<Checked>);
    let busy = RwSignal::new(false);
    // The file input is disabled while the file is checked, which drops focus: it goes to
    // the confirmation's Cancel when the file passed, else to the outcome line.
    let cancel_ref = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(el) = cancel_ref.get() {
            let _ = el.focus();
        }
    });

    let download = move |_| {
        let Some(store) = runtime.store() else {
            set_download_outcome.set(Some(Outcome::Failed(
                "The data is still loading; try again in a moment.".into(),
            )));
            return;
        };
        busy.set(true);
        spawn_local(async move {
            let result = match store.backup().await {
                Ok(text) => {
                    let name = format!(
                        "attest-backup-{}.json",
                        chrono::Utc::now().format("%Y-%m-%d-%H%M")
                    );
                    crate::ui::components::download(&name, "application/json", &text)
                        .map(|()| {
                            format!(
                                "Backup saved as {name} ({}).",
                                human_bytes(text.len() as f64)
                            )
                        })
                        .map_err(|e| format!("The browser did not save the file: {e}"))
                }
                Err(e) => Err(format!("No backup made: {e}")),
            };
            set_download_outcome.set(Some(match result {
                Ok(text) => Outcome::Done(text),
                Err(text) => Outcome::Failed(text),
            }));
            busy.set(false);
        });
    };

    let choose = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        checked.set(None);
        set_restore_outcome.set(None);
        busy.set(true);
        spawn_local(async move {
            let file_name = file.name();
            let text = crate::ui::components::read_text(&file).await.ok();
            let result = match text {
                None => Err(format!("{file_name} could not be read as text.")),
                Some(text) => match check_backup(&text) {
                    Ok(ok) => Ok(Checked {
                        file_name: file_name.clone(),
                        records: ok.records.len(),
                        users: ok.state.directory.users.len(),
                        reviews: ok.state.reviews.len(),
                        text: std::sync::Arc::new(text),
                    }),
                    Err(e) => Err(format!("Not restored: {e}. Nothing was changed.")),
                },
            };
            busy.set(false);
            match result {
                Ok(ok) => checked.set(Some(ok)),
                Err(e) => {
                    set_restore_outcome.set(Some(Outcome::Failed(e)));
                    focus_id("settings-restore-outcome");
                }
            }
        });
        // Choosing the same file again after a failure fires `change` again.
        input.set_value("");
    };

    let restore = move |_| {
        let Some(ok) = checked.get_untracked() else {
            return;
        };
        let Some(store) = runtime.store() else { return };
        busy.set(true);
        spawn_local(async move {
            match store.restore(&ok.text).await {
                Ok(state) => {
                    runtime.state.set(state);
                    set_restore_outcome.set(Some(Outcome::Done(format!(
                        "Restored {} changes from {}.",
                        ok.records, ok.file_name
                    ))));
                }
                Err(e) => set_restore_outcome.set(Some(Outcome::Failed(format!(
                    "Not restored: {e}. Nothing was changed."
                )))),
            }
            checked.set(None);
            busy.set(false);
            focus_id("settings-restore-outcome");
        });
    };

    view! {
        <section class="card settings-section" aria-labelledby="settings-backup-heading">
            <h2 id="settings-backup-heading">"Backup and restore"</h2>
            <p class="meta">
                "A backup is one file with every change recorded in this browser. Restoring it here or in another browser gives the same directory, reviews, decisions and history."
            </p>
            <div class="settings-actions">
                <button
                    type="button"
                    class="button button-primary"
                    aria-describedby="settings-download-outcome"
                    prop:disabled=move || busy.get()
                    on:click=download
                >
                    "Download backup"
                </button>
            </div>
            <OutcomeLine outcome=download_outcome id="settings-download-outcome" />

            <div class="field settings-restore">
                <label for="settings-restore-file">"Restore from file"</label>
                <p class="hint" id="settings-restore-hint">
                    "Choose an Attest backup (.json). It is checked completely first; a damaged or foreign file is refused and nothing changes."
                </p>
                <input
                    id="settings-restore-file"
                    type="file"
                    accept=".json,application/json"
                    aria-describedby="settings-restore-hint settings-restore-outcome"
                    prop:disabled=move || busy.get()
                    on:change=choose
                />
            </div>
            {move || checked.get().map(|ok| view! {
                <div class="settings-confirm" role="group" aria-labelledby="settings-restore-question">
                    <p id="settings-restore-question">
                        <strong>{ok.file_name.clone()}</strong>
                        {format!(
                            " is a valid backup: {} changes, {} directory users, {} reviews. Restoring replaces everything stored in this browser now.",
                            ok.records, ok.users, ok.reviews
                        )}
                    </p>
                    <div class="settings-actions">
                        <button type="button" class="button button-danger" on:click=restore prop:disabled=move || busy.get()>
                            "Replace this browser's data with the backup"
                        </button>
                        <button
                            type="button"
                            class="button button-secondary"
                            node_ref=cancel_ref
                            on:click=move |_| {
                                checked.set(None);
                                focus_id("settings-restore-file");
                            }
                        >
                            "Cancel"
                        </button>
                    </div>
                </div>
            })}
            <OutcomeLine outcome=restore_outcome id="settings-restore-outcome" />
        </section>
    }
}
