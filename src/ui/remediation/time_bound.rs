//! The remediation list's "Time-bound approvals" (issue 25): every approval until a date,
//! with the time left or how it ended (`attest_engine::expiry::bound_rows`).

use attest_engine::expiry::{bound_rows, BoundStatus};
use leptos::prelude::*;

use crate::runtime::use_runtime;
use crate::ui::components::{local_time, TableRegion};

/// Rows shown: the soonest first; the rest wait their turn.
const SHOWN: usize = 50;

#[component]
pub fn TimeBoundApprovals() -> impl IntoView {
    let runtime = use_runtime();
    let rows = Memo::new(move |_| {
        let now = runtime.now();
        runtime.state.with(|s| bound_rows(s, now))
    });
    move || {
        let rows = rows.get();
        (!rows.is_empty()).then(|| {
            let total = rows.len();
            let body = rows
                .into_iter()
                .take(SHOWN)
                .map(|r| {
                    let class = match r.status {
                        BoundStatus::Running { .. } => "until-running",
                        BoundStatus::Due => "until-due",
                        BoundStatus::Removed { .. } => "until-removed",
                        BoundStatus::Certified { .. } => "until-certified",
                    };
                    view! {
                        <tr>
                            <th scope="row">{r.user_name}</th>
                            <td>{r.resource}<div class="meta">{r.review_name}</div></td>
                            <td>{local_time(r.until)}</td>
                            <td class=class>{r.status.text()}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <section class="card" aria-labelledby="time-bound-h">
                    <h2 id="time-bound-h">"Time-bound approvals"</h2>
                    <p class="hint">"Approved until a date: the access is removed then, unless a newer review approves it."</p>
                    {(total > SHOWN).then(|| view! { <p class="meta" role="status">{format!("The {SHOWN} that end soonest of {total}.")}</p> })}
                    <TableRegion label="Time-bound approvals table">
                        <table>
                            <caption class="visually-hidden">"Time-bound approvals"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Reviewee"</th>
                                    <th scope="col">"Resource"</th>
                                    <th scope="col">"Ends"</th>
                                    <th scope="col">"Time left"</th>
                                </tr>
                            </thead>
                            <tbody>{body}</tbody>
                        </table>
                    </TableRegion>
                </section>
            }
        })
    }
}
