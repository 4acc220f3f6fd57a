//! Settings → Reset: delete this browser's data and start again from the sample tenant, after
//! a confirmation that says what will be lost.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Outcome, OutcomeLine};
use crate::runtime::use_runtime;
use crate::ui::components::focus_id;

#[component]
pub fn ResetSection() -> impl IntoView {
    let runtime = use_runtime();
    let confirming = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let (outcome, set_outcome) = signal(None::<Outcome>);
    // The question's Cancel takes focus when it appears (the button that opened it is gone);
    // after Cancel, focus goes back to "Reset to sample tenant".
    let cancel_ref = NodeRef::<leptos::html::Button>::new();
    let trigger_ref = NodeRef::<leptos::html::Button>::new();
    let returning = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(el) = cancel_ref.get() {
            let _ = el.focus();
        }
    });
    Effect::new(move |_| {
        if let Some(el) = trigger_ref.get() {
            if returning.get_untracked() {
                returning.set(false);
                let _ = el.focus();
            }
        }
    });

    let what_is_lost = move || {
        runtime.state.with(|s| {
            let decisions: usize = s
                .instances
                .values()
                .flat_map(|i| i.items.iter())
                .map(|item| item.decisions.iter().flatten().count())
                .sum();
            format!(
                "This deletes, from this browser only: the directory of {} and {}, {} with {} and {}, {}, and the whole history ({}). Download a backup first if you may need any of it.",
                count(s.directory.users.len(), "user"),
                count(s.directory.groups.len(), "group"),
                count(s.reviews.len(), "review"),
                count(s.instances.len(), "review instance"),
                count(decisions, "recorded decision"),
                count(s.drafts.len(), "draft"),
                count(s.applied_records.len(), "change"),
            )
        })
    };

    let reset = move |_| {
        busy.set(true);
        spawn_local(async move {
            match runtime.reset_to_sample().await {
                Ok(()) => set_outcome.set(Some(Outcome::Done(
                    "Reset done: this browser now holds the sample tenant only.".into(),
                ))),
                Err(e) => set_outcome.set(Some(Outcome::Failed(format!("Not reset: {e}")))),
            }
            confirming.set(false);
            busy.set(false);
            focus_id("settings-reset-outcome");
        });
    };

    view! {
        <section class="card settings-section" aria-labelledby="settings-reset-heading">
            <h2 id="settings-reset-heading">"Reset"</h2>
            <p class="meta">
                "Start again from the sample tenant (Contoso): everything Attest stored in this browser is deleted. Other browsers and a sync server keep their copies."
            </p>
            <Show
                when=move || confirming.get()
                fallback=move || view! {
                    <div class="settings-actions">
                        <button
                            type="button"
                            class="button button-danger"
                            aria-describedby="settings-reset-outcome"
                            node_ref=trigger_ref
                            on:click=move |_| {
                                set_outcome.set(None);
                                confirming.set(true);
                            }
                        >
                            "Reset to sample tenant"
                        </button>
                    </div>
                }
            >
                <div class="settings-confirm" role="alertdialog" aria-labelledby="settings-reset-question" aria-describedby="settings-reset-loss">
                    <p id="settings-reset-question"><strong>"Delete all of this browser's Attest data?"</strong></p>
                    <p id="settings-reset-loss">{what_is_lost}</p>
                    <div class="settings-actions">
                        <button type="button" class="button button-danger" prop:disabled=move || busy.get() on:click=reset>
                            "Delete everything and load the sample"
                        </button>
                        <button
                            type="button"
                            class="button button-secondary"
                            node_ref=cancel_ref
                            prop:disabled=move || busy.get()
                            on:click=move |_| {
                                returning.set(true);
                                confirming.set(false);
                            }
                        >
                            "Cancel"
                        </button>
                    </div>
                </div>
            </Show>
            <OutcomeLine outcome=outcome id="settings-reset-outcome" />
        </section>
    }
}

/// "1 draft", "3 drafts".
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
