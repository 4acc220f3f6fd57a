//! Settings → "Sync server": where this browser syncs, the sign-in, and the sync status.

use leptos::prelude::*;

use crate::sync::{use_sync, SyncStatus};

#[component]
pub fn SyncSection() -> impl IntoView {
    let sync = use_sync();
    let server = RwSignal::new(sync.settings.with_untracked(|s| s.server.clone()));
    let name = RwSignal::new(String::new());
    let secret = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let connect = Action::new_local(move |_: &()| async move {
        let result = sync
            .connect(
                &server.get_untracked(),
                &name.get_untracked(),
                &secret.get_untracked(),
            )
            .await;
        match result {
            Ok(()) => {
                secret.set(String::new());
                error.set(None);
            }
            Err(e) => error.set(Some(e)),
        }
    });
    let disconnect = Action::new_local(move |_: &()| async move { sync.disconnect().await });
    let admin = move || {
        sync.settings.with(|s| {
            s.admin_token
                .is_some()
                .then(|| (s.server.clone(), s.admin_name.clone().unwrap_or_default()))
        })
    };
    let link = move || sync.settings.with(|s| s.link_token.is_some());
    let status_class = move || match sync.status.get() {
        SyncStatus::Synced => "badge sync-status sync-ok",
        SyncStatus::Error(_) => "badge sync-status sync-error",
        SyncStatus::Offline | SyncStatus::Pending(_) => "badge sync-status sync-waiting",
        SyncStatus::Off => "badge sync-status",
    };
    view! {
        <section
            class="card settings-section sync-section"
            aria-labelledby="settings-sync-heading"
            data-section="sync"
        >
            <div class="settings-section-head">
                <h2 id="settings-sync-heading">"Sync server"</h2>
            </div>
            <p>
                "Sync status: "
                <span class=status_class role="status" aria-live="polite">
                    {move || sync.status.get().label()}
                </span>
            </p>
            {move || {
                if link() {
                    let who = sync.link.get().map(|l| l.reviewer).unwrap_or_default();
                    view! {
                        <p>"Reviewing from a review link as " <strong>{who}</strong> "."</p>
                    }
                        .into_any()
                } else if let Some((address, who)) = admin() {
                    view! {
                        <p>
                            "Connected to " <code class="sync-address">{address}</code>
                            " as administrator " <strong>{who}</strong> "."
                        </p>
                        <button
                            type="button"
                            class="button button-secondary"
                            on:click=move |_| {
                                disconnect.dispatch(());
                            }
                        >
                            "Disconnect"
                        </button>
                    }
                        .into_any()
                } else {
                    view! {
                        <p>
                            "Without a server this browser keeps its reviews to itself. Connect to an Attest server so reviewers can open their links on their own machines."
                        </p>
                        <form
                            class="sync-form"
                            on:submit=move |ev| {
                                ev.prevent_default();
                                connect.dispatch(());
                            }
                        >
                            <label for="sync-server">"Server address"</label>
                            <input
                                id="sync-server"
                                type="url"
                                required
                                placeholder="https://attest.example.com"
                                prop:value=move || server.get()
                                on:input=move |ev| server.set(event_target_value(&ev))
                            />
                            <label for="sync-name">"Your name"</label>
                            <input
                                id="sync-name"
                                type="text"
                                required
                                autocomplete="name"
                                prop:value=move || name.get()
                                on:input=move |ev| name.set(event_target_value(&ev))
                            />
                            <label for="sync-secret">"Administrator secret"</label>
                            <input
                                id="sync-secret"
                                type="password"
                                required
                                autocomplete="current-password"
                                prop:value=move || secret.get()
                                on:input=move |ev| secret.set(event_target_value(&ev))
                            />
                            {move || {
                                error
                                    .get()
                                    .map(|e| view! { <p class="form-error" role="alert">{e}</p> })
                            }}
                            <button
                                type="submit"
                                class="button button-primary"
                                disabled=move || connect.pending().get()
                            >
                                "Connect"
                            </button>
                        </form>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}

/// Changes made in this browser that the sync server refused, or that records pulled from
/// it made invalid: they were removed from this browser's log; each says why. Shown above
/// every screen until dismissed (the sync status reads an error meanwhile, never "Synced").
#[component]
pub fn RefusedChanges() -> impl IntoView {
    let Some(sync) = use_context::<crate::sync::Sync>() else {
        return ().into_any();
    };
    view! {
        <Show when=move || sync.refused.with(|r| !r.is_empty())>
            <section class="card sync-refused" role="alert" aria-labelledby="sync-refused-heading">
                <h2 id="sync-refused-heading">
                    {move || {
                        let n = sync.refused.with(Vec::len);
                        if n == 1 {
                            "1 change made here was not kept".to_string()
                        } else {
                            format!("{n} changes made here were not kept")
                        }
                    }}
                </h2>
                <p>
                    "The sync server's reviews come first; these changes made in this browser were removed from it:"
                </p>
                <ul class="sync-refused-list">
                    {move || {
                        sync.refused
                            .get()
                            .into_iter()
                            .map(|d| view! { <li>{d.reason}</li> })
                            .collect_view()
                    }}
                </ul>
                <button
                    type="button"
                    class="button button-secondary"
                    on:click=move |_| sync.dismiss_refusals()
                >
                    "Dismiss"
                </button>
            </section>
        </Show>
    }
    .into_any()
}
