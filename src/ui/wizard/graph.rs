//! Microsoft Graph `accessReviewScheduleDefinition` JSON: export what the wizard holds,
//! import a definition into the wizard with every difference reported by JSON path.

use attest_engine::graph_definition::{export_definition, import_definition, GraphIssue};
use leptos::prelude::*;

use super::{start_of_day, use_wizard, Step};
use crate::runtime::use_runtime;

/// The wizard's definition as Graph JSON, to copy.
#[component]
pub fn GraphPanel() -> impl IntoView {
    let wizard = use_wizard();
    let open = RwSignal::new(false);
    let json = move || {
        wizard.def.with(|d| serde_json::to_string_pretty(&export_definition(d)).unwrap_or_default())
    };
    view! {
        <section class="card" aria-labelledby="graph-export-heading">
            <h2 id="graph-export-heading">"Microsoft Graph JSON"</h2>
            <p class="hint">"This review as an accessReviewScheduleDefinition, for the Graph API or another Attest."</p>
            <button type="button" class="button-secondary" aria-expanded=move || open.get().to_string() on:click=move |_| open.update(|o| *o = !*o)>
                "Export Graph JSON"
            </button>
            <Show when=move || open.get()>
                <label for="wizard-graph-export" class="visually-hidden">"Graph JSON of this review"</label>
                <textarea id="wizard-graph-export" class="graph-json" readonly prop:value=json></textarea>
            </Show>
        </section>
    }
}

/// Paste Graph JSON to fill the wizard; what could not be taken over is listed by path.
#[component]
pub fn ImportGraph() -> impl IntoView {
    let wizard = use_wizard();
    let runtime = use_runtime();
    let text = RwSignal::new(String::new());
    let issues = RwSignal::new(None::<Result<Vec<GraphIssue>, GraphIssue>>);
    let import = move |_| {
        let (id, now) = (wizard.def.with_untracked(|d| d.id.clone()), start_of_day(runtime.now()));
        let result = runtime.state.with_untracked(|s| import_definition(&text.get_untracked(), &s.directory, &id, now));
        match result {
            Ok(got) => {
                let mut def = got.definition;
                // A definition id already taken by a review would make Create fail.
                if runtime.state.with_untracked(|s| s.reviews.contains_key(&def.id)) {
                    def.id = id;
                }
                wizard.def.set(def);
                wizard.shown.set([true; 4]);
                wizard.step.set(Step::ReviewType);
                issues.set(Some(Ok(got.issues)));
            }
            Err(e) => issues.set(Some(Err(e))),
        }
    };
    view! {
        <div class="field">
            <label for="wizard-graph-import">"Graph JSON to import"</label>
            <p class="hint">"An accessReviewScheduleDefinition. It fills the wizard for you to check; nothing is created until you select Create."</p>
            <textarea id="wizard-graph-import" class="graph-json" prop:value=move || text.get() on:input:target=move |ev| text.set(ev.target().value())></textarea>
            <p><button type="button" class="button-secondary" on:click=import>"Import Graph JSON"</button></p>
            <div role="status">
                {move || match issues.get() {
                    None => ().into_any(),
                    Some(Err(e)) => view! { <p class="error">{format!("Not imported: {e}")}</p> }.into_any(),
                    Some(Ok(list)) if list.is_empty() => view! { <p class="notice">"Imported. Everything in the JSON was taken over."</p> }.into_any(),
                    Some(Ok(list)) => view! {
                        <p class="error">{format!("Imported with {} point(s) to check:", list.len())}</p>
                        <ul class="graph-issues">
                            {list.into_iter().map(|i| view! { <li><code>{i.path}</code>": "{i.reason}</li> }).collect_view()}
                        </ul>
                    }.into_any(),
                }}
            </div>
        </div>
    }
}
