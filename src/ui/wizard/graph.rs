//! Microsoft Graph `accessReviewScheduleDefinition` JSON: export what the wizard holds,
//! import a definition into the wizard with every difference reported by JSON path.

use attest_engine::graph_definition::{export_definition, import_definition, GraphIssue};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{start_of_day, use_wizard, Step};
use crate::runtime::use_runtime;
use crate::ui::components::{download, read_text};

/// The wizard's definition as Graph JSON, to copy or download.
#[component]
pub fn GraphPanel() -> impl IntoView {
    let wizard = use_wizard();
    let open = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let json = move || {
        wizard
            .def
            .with(|d| serde_json::to_string_pretty(&export_definition(d)).unwrap_or_default())
    };
    let save = move |_| {
        let name = wizard.def.with_untracked(|d| {
            let base: String = d
                .name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_lowercase()
                    } else {
                        '-'
                    }
                })
                .collect();
            let base = base.trim_matches('-').to_string();
            if base.is_empty() {
                "access-review".to_string()
            } else {
                base
            }
        });
        problem.set(download(&format!("{name}.graph.json"), "application/json", &json()).err());
    };
    view! {
        <section class="card" aria-labelledby="graph-export-heading">
            <h2 id="graph-export-heading">"Microsoft Graph JSON"</h2>
            <p class="hint">"This review as an accessReviewScheduleDefinition, for the Graph API or another Attest."</p>
            <div class="inline-controls">
                <button type="button" class="button-secondary" aria-expanded=move || open.get().to_string() on:click=move |_| open.update(|o| *o = !*o)>
                    "Export Graph JSON"
                </button>
                <button type="button" class="button-secondary" on:click=save>"Download Graph JSON"</button>
            </div>
            {move || problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
            <Show when=move || open.get()>
                <label for="wizard-graph-export" class="visually-hidden">"Graph JSON of this review"</label>
                <textarea id="wizard-graph-export" class="graph-json" readonly prop:value=json></textarea>
            </Show>
        </section>
    }
}

/// Paste Graph JSON, or choose a file, to fill the wizard; what could not be taken over is
/// listed by JSON path. The wizard is left as it was when the JSON cannot be read at all.
#[component]
pub fn ImportGraph() -> impl IntoView {
    let wizard = use_wizard();
    let runtime = use_runtime();
    let text = RwSignal::new(String::new());
    let issues = RwSignal::new(None::<Result<Vec<GraphIssue>, String>>);
    let import = move || {
        let (id, now) = (
            wizard.def.with_untracked(|d| d.id.clone()),
            start_of_day(runtime.now()),
        );
        let result = runtime
            .state
            .with_untracked(|s| import_definition(&text.get_untracked(), &s.directory, &id, now));
        match result {
            Ok(got) => {
                let mut def = got.definition;
                // A definition id already taken by a review or draft would make Create fail.
                let taken = runtime.state.with_untracked(|s| {
                    s.reviews.contains_key(&def.id) || s.drafts.contains_key(&def.id)
                });
                if taken || def.id.is_empty() {
                    def.id = id;
                }
                wizard.def.set(def);
                wizard.shown.set([true; 4]);
                wizard.step.set(Step::ReviewType);
                issues.set(Some(Ok(got.issues)));
            }
            Err(e) => issues.set(Some(Err(format!(
                "Not imported: {e}. The wizard is unchanged."
            )))),
        }
    };
    let choose = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        input.set_value("");
        spawn_local(async move {
            match read_text(&file).await {
                Ok(t) => {
                    text.set(t);
                    import();
                }
                Err(e) => issues.set(Some(Err(format!(
                    "{}: {e}. The wizard is unchanged.",
                    file.name()
                )))),
            }
        });
    };
    view! {
        <div class="field">
            <label for="wizard-graph-import">"Graph JSON to import"</label>
            <p class="hint">"An accessReviewScheduleDefinition. It fills the wizard for you to check; nothing is created until you select Create."</p>
            <textarea id="wizard-graph-import" class="graph-json" prop:value=move || text.get() on:input:target=move |ev| text.set(ev.target().value())></textarea>
            <div class="inline-controls">
                <button type="button" class="button-secondary" on:click=move |_| import()>"Import Graph JSON"</button>
                <label class="button button-secondary file-button">
                    "Choose a JSON file"
                    <input type="file" accept=".json,application/json" class="visually-hidden" on:change=choose />
                </label>
            </div>
            <div role="status">
                {move || match issues.get() {
                    None => ().into_any(),
                    Some(Err(e)) => view! { <p class="error">{e}</p> }.into_any(),
                    Some(Ok(list)) if list.is_empty() => view! { <p class="notice">"Imported. Everything in the JSON was taken over; check each step, then select Create."</p> }.into_any(),
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
