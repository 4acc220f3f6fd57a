//! "Away?": a reviewer names a delegate for a date range. The engine decides
//! (`Command::DelegateReviews`: one level, the dates, a reason) and the clock starts and ends
//! it; meanwhile the reviewer's items, existing and new, are the delegate's.

use attest_engine::Command;
use chrono::{Duration, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::runtime::use_runtime;
use crate::ui::components::{date_value, long_day, parse_date_value};
use crate::ui::reviewer::PersonPicker;

/// Midnight UTC of a date field's value (`YYYY-MM-DD`).
fn day(value: &str) -> Option<chrono::DateTime<Utc>> {
    parse_date_value(value.trim())
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

#[component]
pub fn DelegateForm(
    /// The reviewer acting.
    me: Memo<String>,
) -> impl IntoView {
    let runtime = use_runtime();
    let open = RwSignal::new(false);
    let to = RwSignal::new(String::new());
    let today = date_value(runtime.now());
    let from = RwSignal::new(today.clone());
    let until = RwSignal::new(today);
    let reason = RwSignal::new(String::new());
    let message = RwSignal::new(None::<Result<String, String>>);
    let current = Memo::new(move |_| {
        let me = me.get();
        runtime.state.with(|s| {
            s.delegations.get(&me).map(|d| {
                format!(
                    "{} decides for you from {} until {}{}.",
                    s.directory.display_name(&d.delegate),
                    long_day(d.from),
                    long_day(d.until),
                    if d.active { " (now)" } else { "" }
                )
            })
        })
    });
    let submit = move |_| {
        let (Some(start), Some(last)) = (day(&from.get_untracked()), day(&until.get_untracked()))
        else {
            message.set(Some(Err("Give both dates.".into())));
            return;
        };
        // "Until" is the last day away, inclusive.
        let cmd = Command::DelegateReviews {
            reviewer: None,
            delegate: to.get_untracked(),
            from: start,
            until: last + Duration::days(1),
            reason: reason.get_untracked(),
        };
        message.set(None);
        spawn_local(async move {
            match runtime.run(cmd).await {
                Ok(()) => {
                    // Let a window that starts today take effect at once.
                    let _ = runtime.advance_time().await;
                    open.set(false);
                    reason.set(String::new());
                    message.set(Some(Ok("Delegate named.".into())));
                }
                Err(e) => message.set(Some(Err(format!("Not saved: {e}.")))),
            }
        });
    };
    view! {
        <section aria-labelledby="my-away" class="my-away">
            <h2 id="my-away">"Away?"</h2>
            <p class="meta">{move || current.get().unwrap_or_else(|| "No delegate named.".into())}</p>
            <button
                type="button"
                class="button button-secondary"
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)
            >
                "Name a delegate"
            </button>
            <Show when=move || open.get()>
                <PersonPicker id="my-delegate" label="Delegate" me to />
                <div class="field">
                    <label for="my-away-from">"Away from"</label>
                    <input id="my-away-from" type="date" prop:value=move || from.get() on:input=move |ev| from.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="my-away-until">"Away until"</label>
                    <input id="my-away-until" type="date" prop:value=move || until.get() on:input=move |ev| until.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="my-away-reason">"Reason for delegating"</label>
                    <textarea id="my-away-reason" prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
                </div>
                <button type="button" class="button" disabled=move || to.with(String::is_empty) on:click=submit>
                    "Save delegate"
                </button>
            </Show>
            {move || message.get().map(|m| match m {
                Ok(text) => view! { <p class="rv-bulk-ok" role="status">{text}</p> }.into_any(),
                Err(text) => view! { <p class="rv-bulk-error" role="alert">{text}</p> }.into_any(),
            })}
        </section>
    }
}
