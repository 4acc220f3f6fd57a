//! The review overview's "Auditor sign-off": every sign-off recorded on the instance (read
//! from the log) and, for an auditor on a finished review, the form that records one. The
//! engine decides who may sign off and when (`evidence::signoff::decide`).

use attest_engine::evidence::signoff::{sign_offs, Verdict};
use attest_engine::instance::InstanceStatus;
use attest_engine::Command;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::runtime::use_runtime;
use crate::ui::review::shared::when;
use crate::ui::settings::{Outcome, OutcomeLine};

#[component]
pub fn SignOffSection(
    /// The review instance.
    #[prop(into)]
    id: String,
) -> impl IntoView {
    let runtime = use_runtime();
    let id = StoredValue::new(id);
    let (records, _) = runtime.log();
    let verdict = RwSignal::new(Verdict::Accepted);
    let comment = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let (outcome, set_outcome) = signal(None::<Outcome>);
    let finished = Memo::new(move |_| {
        runtime.state.with(|s| {
            s.instances.get(&id.get_value()).is_some_and(|i| {
                matches!(
                    i.status,
                    InstanceStatus::Completed | InstanceStatus::Applied
                )
            })
        })
    });
    let auditor = Memo::new(move |_| runtime.acting_as.with(|a| a.is_auditor()));

    let record = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        let cmd = Command::SignOff {
            instance: id.get_value(),
            verdict: verdict.get_untracked(),
            comment: comment.get_untracked(),
        };
        spawn_local(async move {
            let result = runtime.run(cmd).await;
            busy.set(false);
            set_outcome.set(Some(match result {
                Ok(()) => {
                    comment.set(String::new());
                    Outcome::Done("Your sign-off was recorded in the history.".into())
                }
                Err(e) => Outcome::Failed(format!("Not recorded: {e}.")),
            }));
        });
    };

    let list = move || {
        records.with(|r| {
            let Some(r) = r else {
                return view! { <p class="meta">"Reading the history…"</p> }.into_any();
            };
            let all = sign_offs(r, &id.get_value());
            if all.is_empty() {
                return view! { <p class="meta">"No auditor has signed off this review yet."</p> }
                    .into_any();
            }
            view! {
                <div class="table-wrap">
                    <table>
                        <caption class="visually-hidden">"Auditor sign-offs"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"When"</th>
                                <th scope="col">"Auditor"</th>
                                <th scope="col">"Verdict"</th>
                                <th scope="col">"Comment"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {all
                                .into_iter()
                                .map(|s| view! {
                                    <tr>
                                        <td>{when(s.at)}</td>
                                        <td>{s.auditor}</td>
                                        <td>{s.verdict.label()}</td>
                                        <td>{s.comment}</td>
                                    </tr>
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                </div>
            }
            .into_any()
        })
    };

    view! {
        <section class="card" aria-labelledby="signoff-h">
            <h2 id="signoff-h">"Auditor sign-off"</h2>
            {list}
            {move || (auditor.get() && finished.get()).then(|| view! {
                <form class="signoff-form" on:submit=record>
                    <fieldset>
                        <legend>"Your verdict"</legend>
                        <label class="radio">
                            <input type="radio" name="signoff-verdict" value="accepted"
                                prop:checked=move || verdict.get() == Verdict::Accepted
                                on:change=move |_| verdict.set(Verdict::Accepted) />
                            " Accepted: reviewed and signed off"
                        </label>
                        <label class="radio">
                            <input type="radio" name="signoff-verdict" value="rejected"
                                prop:checked=move || verdict.get() == Verdict::Rejected
                                on:change=move |_| verdict.set(Verdict::Rejected) />
                            " Rejected"
                        </label>
                    </fieldset>
                    <label for="signoff-comment">"Comment (required when rejecting)"</label>
                    <textarea id="signoff-comment" rows="3"
                        prop:value=move || comment.get()
                        on:input:target=move |ev| comment.set(ev.target().value())></textarea>
                    <button type="submit" class="button-primary" disabled=move || busy.get()>"Record sign-off"</button>
                </form>
            })}
            {move || (auditor.get() && !finished.get()).then(|| view! {
                <p class="meta">"You can sign off once the review has finished."</p>
            })}
            <OutcomeLine outcome=outcome id="signoff-outcome" />
        </section>
    }
}
