//! Under the results of a delta-mode occurrence: the outcomes carried forward from earlier
//! occurrences without a review (issue 25), so the results say what stands for everyone.

use leptos::prelude::*;

use crate::runtime::use_runtime;
use crate::ui::components::{local_day, TableRegion};

/// At most this many carried rows are drawn; the rest are counted.
const SHOWN: usize = 100;

/// The carried-forward outcomes of instance `id`, or nothing outside delta mode.
#[component]
pub fn CarriedForward(
    id: String,
    /// Changes when this review changes (`shared::instance_revision`).
    rev: Memo<u64>,
) -> impl IntoView {
    let runtime = use_runtime();
    let rows = Memo::new(move |_| {
        rev.track();
        runtime.state.with_untracked(|s| {
            s.instances
                .get(&id)
                .map(|i| {
                    let carried = &i.since_last.carried;
                    let names = carried
                        .iter()
                        .take(SHOWN)
                        .map(|c| {
                            // Two people may share a name: the sign-in name tells them apart.
                            let upn = s
                                .directory
                                .users
                                .get(&c.user)
                                .map(|u| u.user_principal_name.clone())
                                .unwrap_or_default();
                            (c.user_name.clone(), upn, c.text(local_day))
                        })
                        .collect::<Vec<_>>();
                    (names, carried.len())
                })
                .unwrap_or_default()
        })
    });
    move || {
        let (shown, total) = rows.get();
        (total > 0).then(|| {
            let more = (total > shown.len())
                .then(|| view! { <p class="meta">{format!("and {} more", total - shown.len())}</p> });
            view! {
                <h3 id="carried-h">{format!("Carried forward ({total})")}</h3>
                <p class="meta">"Delta mode: these reviewees' access did not change since the last completed review, so its outcome stands without a new decision."</p>
                <TableRegion label="Carried forward table">
                    <table class="results-table" aria-labelledby="carried-h">
                        <thead>
                            <tr>
                                <th scope="col">"Reviewee"</th>
                                <th scope="col">"Final outcome"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {shown.into_iter().map(|(name, upn, text)| view! {
                                <tr>
                                    <td><strong>{name}</strong><br /><span class="meta">{upn}</span></td>
                                    <td>{text}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </TableRegion>
                {more}
            }
        })
    }
}
