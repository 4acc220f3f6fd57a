//! Dashboard: where an administrator, reviewer or auditor starts. The review programme
//! (`programme.rs`) comes first.

mod programme;

use leptos::prelude::*;

use attest_engine::instance::InstanceStatus;
use attest_engine::outbox::overview_link;
use attest_engine::view::stage_progress;

use crate::runtime::use_runtime;
use crate::ui::components::Page;
use crate::ui::review::shared::{when, Meter};

/// A starting point shown on the dashboard.
struct Area {
    href: &'static str,
    title: &'static str,
    text: &'static str,
}

const AREAS: &[Area] = &[
    Area {
        href: "/reviews",
        title: "Reviews",
        text: "Create reviews, watch their progress, stop stages and apply results.",
    },
    Area {
        href: "/my-reviews",
        title: "My access reviews",
        text: "Approve, deny or say \u{201c}Don't know\u{201d} for the access assigned to you.",
    },
    Area {
        href: "/directory",
        title: "Directory",
        text: "The users, groups, applications, roles and access packages under review.",
    },
    Area {
        href: "/history",
        title: "History / audit",
        text: "Every decision with who, when and why, ready for auditors.",
    },
];

#[component]
pub fn Dashboard() -> impl IntoView {
    view! {
        <Page
            title="Dashboard"
            lead="Confirm that people still need the access they have, and remove what they don't."
            actions=Box::new(|| view! { <a class="button button-primary" href="/reviews/new">"New review"</a> }.into_any())
        >
            <programme::ProgrammeView />
            <ul class="card-grid">
                {AREAS
                    .iter()
                    .map(|area| {
                        view! {
                            <li class="card card-link">
                                <h2><a href=area.href>{area.title}</a></h2>
                                <p>{area.text}</p>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <ReviewProgress />
            <crate::ui::remediation::RemediationCounts />
        </Page>
    }
}

/// Running reviews with their progress, and the finished ones waiting for Apply results.
#[component]
fn ReviewProgress() -> impl IntoView {
    let runtime = use_runtime();
    let body = move || {
        runtime.state.with(|s| {
            let mut open: Vec<_> = s.instances.values().filter(|i| i.is_open()).collect();
            open.sort_by_key(|i| i.current_deadline());
            let waiting: Vec<_> = s.instances.values().filter(|i| i.status == InstanceStatus::Completed).collect();
            let undecided: usize = open
                .iter()
                .map(|i| stage_progress(i)[i.current_stage].not_reviewed)
                .sum();
            let stats = [
                ("Reviews in progress", open.len()),
                ("Reviewees waiting for a decision", undecided),
                ("Results waiting to be applied", waiting.len()),
            ];
            let row = |inst: &attest_engine::Instance| {
                let def = s.definition_of(inst);
                let t = &stage_progress(inst)[inst.current_stage];
                view! {
                    <li>
                        <a href=overview_link(&inst.id)>{format!("{} · {}", def.name, inst.resource.name)}</a>
                        <span class="meta">
                            {format!(" stage {} of {}", inst.current_stage + 1, inst.stages.len())}
                            {inst.current_deadline().map(|d| format!(", ends {}", when(d)))}
                        </span>
                        <Meter reviewed=t.reviewed() total=t.total() />
                    </li>
                }
            };
            view! {
                <ul class="stat-grid">
                    {stats.into_iter().map(|(label, n)| view! { <li class="card stat"><strong>{n}</strong> <span>{label}</span></li> }).collect_view()}
                </ul>
                {(!open.is_empty()).then(|| view! {
                    <h3>"In progress"</h3>
                    <ul class="progress-list">{open.iter().map(|i| row(i)).collect_view()}</ul>
                })}
                {(!waiting.is_empty()).then(|| view! {
                    <h3>"Finished: select Apply results"</h3>
                    <ul class="progress-list">
                        {waiting.iter().map(|i| view! {
                            <li><a href=overview_link(&i.id)>{format!("{} · {}", s.definition_of(i).name, i.resource.name)}</a></li>
                        }).collect_view()}
                    </ul>
                })}
            }
        })
    };
    view! {
        <section class="card dashboard-progress" aria-labelledby="dashboard-progress-h">
            <h2 id="dashboard-progress-h">"Progress"</h2>
            {body}
        </section>
    }
}
