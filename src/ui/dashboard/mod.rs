//! Dashboard: where an administrator, reviewer or auditor starts.

use leptos::prelude::*;

use crate::ui::components::{Coming, Page};

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
            <Coming>"Progress of running reviews, overdue stages and results waiting to be applied."</Coming>
        </Page>
    }
}
