//! Launch readiness: what will go wrong when a review starts, each with what to do (the
//! engine's `programme::readiness`). Shown in the wizard's Review + create step and on a
//! created review before its first occurrence starts.

use attest_engine::programme::{readiness, Finding};
use attest_engine::ReviewDefinition;
use leptos::prelude::*;

use crate::runtime::use_runtime;

/// Findings listed; a review of every group can have hundreds (one per blocked manager).
const SHOWN: usize = 20;

/// The findings for `definition` against the directory as it is now.
#[component]
pub fn Readiness(
    /// The review to check; findings are computed again only when it or the state changes.
    #[prop(into)]
    definition: Signal<ReviewDefinition>,
) -> impl IntoView {
    let runtime = use_runtime();
    // Unique per review: a list of reviews shows several.
    let heading = definition.with_untracked(|d| format!("readiness-{}", d.id));
    let labelled_by = heading.clone();
    let findings = Memo::new(move |_| {
        let now = runtime.now();
        runtime
            .state
            .with(|s| definition.with(|d| readiness(d, s, now)))
    });
    view! {
        <section class="card readiness" aria-labelledby=labelled_by>
            <h2 id=heading>"Launch readiness"</h2>
            {move || {
                let found = findings.get();
                if found.is_empty() {
                    return view! {
                        <p class="readiness-ok">"Ready to launch: every reviewer can sign in, every reviewee has a reviewer, and the directory is recent."</p>
                    }
                    .into_any();
                }
                let blocking = found.iter().filter(|f| f.is_blocking()).count();
                view! {
                    <p>{format!(
                        "{} finding(s){}. Each says what to do before the review starts.",
                        found.len(),
                        if blocking > 0 { format!(", {blocking} of them leave someone unreviewed or nothing to review") } else { String::new() },
                    )}</p>
                    <ul class="readiness-list">
                        {found.iter().take(SHOWN).map(finding_view).collect_view()}
                    </ul>
                    {(found.len() > SHOWN).then(|| view! { <p class="hint">{format!("and {} more", found.len() - SHOWN)}</p> })}
                }
                .into_any()
            }}
        </section>
    }
}

fn finding_view(f: &Finding) -> impl IntoView {
    let (badge, class) = if f.is_blocking() {
        ("Fix", "badge badge-danger")
    } else {
        ("Check", "badge badge-warning")
    };
    view! {
        <li class="readiness-finding">
            <span class=class>{badge}</span>
            " "
            <span class="readiness-problem">{f.problem()}</span>
            <span class="hint readiness-action">{f.action()}</span>
        </li>
    }
}
