//! The bulk bar's guardrails (issue 25): before a bulk approval is sent, the engine's rule
//! (`attest_engine::guardrails::check`, on the page's rows) says whether it needs a
//! confirmation; if so a dialog asks for a justification and sends
//! `Command::ConfirmBulkApproval`. The engine refuses a blank one; the dialog shows why.

use attest_engine::guardrails::{check, Guard};
use attest_engine::view::ReviewerView;
use attest_engine::{Command, Decision};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::runtime::use_runtime;
use crate::ui::components::ConfirmDialog;

/// A bulk approval waiting for its confirmation.
#[derive(Clone, Debug)]
pub(super) struct Pending {
    /// The items it decides (their rows show "saving").
    pub items: Vec<u32>,
    /// The command to confirm.
    pub command: Command,
    /// How many approvals are flagged, and why, in words.
    pub flagged: usize,
    pub why: String,
}

/// What the guardrails say of `decisions` (item, decision) on this page.
pub(super) fn guard(view: &ReviewerView, decisions: &[(u32, Decision)]) -> Guard {
    let rows: Vec<(u32, Decision, Option<Decision>)> = decisions
        .iter()
        .map(|&(item, decision)| {
            let rec = view
                .rows
                .iter()
                .find(|r| r.item == item)
                .and_then(|r| r.recommendation.as_ref())
                .map(|r| r.decision);
            (item, decision, rec)
        })
        .collect();
    check(view.guardrails, &rows)
}

/// The message when the review forbids bulk approval.
pub(super) const FORBIDDEN: &str =
    "This review does not allow bulk approval: approve each reviewee on its own.";

/// The confirmation dialog. `done` gets the saved count once the engine recorded it.
#[component]
pub(super) fn GuardDialog(
    pending: RwSignal<Option<Pending>>,
    open: RwSignal<bool>,
    /// Id of the button that opened it (focus returns there).
    #[prop(into)]
    trigger: Signal<String>,
    done: Callback<usize>,
) -> impl IntoView {
    let runtime = use_runtime();
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    // A new bulk approval starts without the last one's refusal.
    Effect::new(move |_| {
        pending.track();
        error.set(None);
    });
    let confirm = Callback::new(move |()| {
        let Some(p) = pending.get_untracked() else {
            return;
        };
        let cmd = Command::ConfirmBulkApproval {
            justification: text.get_untracked(),
            command: Box::new(p.command.clone()),
        };
        spawn_local(async move {
            match runtime.run(cmd).await {
                Ok(()) => {
                    open.set(false);
                    pending.set(None);
                    text.set(String::new());
                    error.set(None);
                    done.run(p.items.len());
                }
                Err(e) => error.set(Some(format!("Not saved: {e}."))),
            }
        });
    });
    move || {
        (open.get())
            .then(|| pending.get_untracked())
            .flatten()
            .map(|p| {
                let n = p.items.len();
                view! {
                    <ConfirmDialog
                        title=format!("Confirm approving {n} reviewees?")
                        confirm="Approve with justification"
                        trigger=trigger.get_untracked()
                        open=open
                        on_confirm=confirm
                    >
                        <p>{format!("{} of these approvals need a second look: {}.", p.flagged, p.why)}</p>
                        <div class="field">
                            <label for="rv-guard-justification">"Justification for this bulk approval"</label>
                            <textarea
                                id="rv-guard-justification"
                                required=true
                                prop:value=move || text.get()
                                on:input=move |ev| text.set(event_target_value(&ev))
                            ></textarea>
                        </div>
                        {move || error.get().map(|e| view! { <p class="rv-bulk-error" role="alert">{e}</p> })}
                    </ConfirmDialog>
                }
            })
    }
}
