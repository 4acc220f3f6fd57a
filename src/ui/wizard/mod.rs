//! New review wizard: Review type → Reviews → Settings → Review + create (SPEC sections 3
//! and 5). The definition being built is one plain `ReviewDefinition` in a signal; what is
//! wrong with it comes from the engine's own `validate`, filtered by the fields each step
//! owns, and is shown next to the field that caused it.
//!
//! Routes: `/reviews/new` starts blank, `?draft=<id>` edits a draft, `?from=<id>` starts
//! from a copy of an existing review (or draft).

mod controls;
mod graph;
mod ladder;
mod steps;

use attest_engine::definition::{FieldError, ReviewDefinition};
use attest_engine::templates::{blank, Template};
use attest_engine::Command;
use chrono::{DateTime, NaiveTime, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use crate::runtime::{use_runtime, RunError};
use crate::ui::components::Page;

/// The four steps, in the order administrators know from Entra.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    ReviewType,
    Reviews,
    Settings,
    Create,
}

impl Step {
    pub const ALL: [Step; 4] = [
        Step::ReviewType,
        Step::Reviews,
        Step::Settings,
        Step::Create,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Step::ReviewType => "Review type",
            Step::Reviews => "Reviews",
            Step::Settings => "Settings",
            Step::Create => "Review + create",
        }
    }

    fn index(self) -> usize {
        Step::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }

    /// The step where a validation field is set.
    pub fn of(field: &str) -> Step {
        if field.starts_with("scope") {
            Step::ReviewType
        } else if field.starts_with("stages")
            || field.starts_with("schedule")
            || field == "decisionsThatWillMoveToNextStage"
            || field == "showPreviousDecisions"
        {
            Step::Reviews
        } else if field.starts_with("settings") {
            Step::Settings
        } else {
            Step::Create
        }
    }
}

/// The wizard's shared handles, provided as context to the step components.
#[derive(Clone, Copy)]
pub struct Wizard {
    /// The definition being built; every control reads and writes it.
    pub def: RwSignal<ReviewDefinition>,
    /// The engine's validation of `def` against the current directory.
    pub errors: Memo<Vec<FieldError>>,
    pub step: RwSignal<Step>,
    /// Steps whose errors are on display (after Next, Create or an import).
    shown: RwSignal<[bool; 4]>,
}

impl Wizard {
    /// Edit the definition; what the edit made inapplicable is cleared by the engine's
    /// dependent-field rules (`ReviewDefinition::normalize`), not by each control.
    pub fn update(&self, f: impl FnOnce(&mut ReviewDefinition)) {
        self.def.update(|d| {
            let before = d.clone();
            f(d);
            d.normalize(&before);
        });
    }

    /// Rules broken by `field`, once its step shows errors. A pattern ending in `*` matches
    /// every field starting with the rest (`scope.resources*` covers each resource).
    pub fn errors_at(&self, pattern: &str) -> Vec<String> {
        let prefix = pattern.strip_suffix('*');
        let shown = self.shown.get();
        self.errors.with(|errors| {
            errors
                .iter()
                .filter(|e| shown[Step::of(&e.field).index()])
                .filter(|e| match prefix {
                    Some(p) => e.field.starts_with(p),
                    None => e.field == pattern,
                })
                .map(|e| sentence(&e.rule))
                .collect()
        })
    }

    fn step_errors(&self, step: Step) -> Vec<FieldError> {
        self.errors.with(|errors| {
            errors
                .iter()
                .filter(|e| Step::of(&e.field) == step)
                .cloned()
                .collect()
        })
    }

    fn show_errors(&self, step: Step) {
        self.shown.update(|s| s[step.index()] = true);
    }

    /// Go to `to`: backwards always (nothing entered is lost); forwards only over valid
    /// steps, otherwise to the first invalid one, with its errors shown.
    fn go(&self, to: Step) {
        let from = self.step.get_untracked();
        if to.index() <= from.index() {
            self.step.set(to);
            if to != from {
                focus_step_heading();
            }
            return;
        }
        for step in &Step::ALL[..to.index()] {
            if !self.step_errors(*step).is_empty() {
                self.show_errors(*step);
                self.step.set(*step);
                focus_error_summary();
                return;
            }
        }
        self.step.set(to);
        focus_step_heading();
    }
}

pub fn use_wizard() -> Wizard {
    expect_context::<Wizard>()
}

/// First letter upper-case and a full stop: engine rules are written as clauses.
fn sentence(rule: &str) -> String {
    let mut chars = rule.chars();
    let mut out: String = chars
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    out.push_str(chars.as_str());
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

fn focus_error_summary() {
    focus_by_id("wizard-error-summary");
}

/// A new step replaces the panel under the focused button: focus its heading so a screen
/// reader announces the step and Tab continues from its top.
fn focus_step_heading() {
    focus_by_id("step-heading");
}

/// Focus after the next paint, once the re-rendered element is in the document.
fn focus_by_id(id: &'static str) {
    request_animation_frame(move || {
        if let Some(el) = document().get_element_by_id(id) {
            use wasm_bindgen::JsCast;
            if let Some(el) = el.dyn_ref::<web_sys::HtmlElement>() {
                let _ = el.focus();
            }
        }
    });
}

/// A fresh definition id: random, so drafts from several tabs never collide.
fn new_definition_id() -> String {
    let n = (js_sys::Math::random() * f64::from(u32::MAX)) as u32;
    let m = (js_sys::Math::random() * f64::from(u32::MAX)) as u32;
    format!("review-{n:08x}{m:04x}")
}

/// Midnight (UTC) of the day `now` falls on: a review created for today starts at once.
pub fn start_of_day(now: DateTime<Utc>) -> DateTime<Utc> {
    now.date_naive().and_time(NaiveTime::MIN).and_utc()
}

/// What happened to the last Create / Save as draft.
#[derive(Clone, Debug, PartialEq)]
enum Outcome {
    Saved(String),
    Failed(String),
}

#[component]
pub fn NewReview() -> impl IntoView {
    let runtime = use_runtime();
    let def = RwSignal::new(blank(&new_definition_id(), start_of_day(runtime.now())));
    let wizard = Wizard {
        def,
        errors: Memo::new(move |_| {
            runtime
                .state
                .with(|s| def.with(|d| d.validate(&s.directory)))
        }),
        step: RwSignal::new(Step::ReviewType),
        shown: RwSignal::new([false; 4]),
    };
    provide_context(wizard);

    let outcome = RwSignal::new(None::<Outcome>);
    let problem = RwSignal::new(None::<String>);
    load_from_query(wizard, problem);

    let navigate = use_navigate();
    let busy = RwSignal::new(false);
    let create = move |_| {
        for step in Step::ALL {
            if !wizard.step_errors(step).is_empty() {
                wizard.show_errors(step);
                wizard.step.set(step);
                focus_error_summary();
                return;
            }
        }
        let def = wizard.def.get_untracked();
        let navigate = navigate.clone();
        busy.set(true);
        spawn_local(async move {
            let result = runtime
                .run(Command::CreateReview {
                    definition: Box::new(def),
                })
                .await;
            busy.set(false);
            match result {
                Ok(()) => navigate("/reviews", NavigateOptions::default()),
                Err(e) => {
                    if let RunError::Refused(attest_engine::EngineError::InvalidDefinition {
                        ..
                    }) = &e
                    {
                        wizard.shown.set([true; 4]);
                    }
                    outcome.set(Some(Outcome::Failed(format!(
                        "The review was not created: {e}"
                    ))));
                }
            }
        });
    };
    let navigate = use_navigate();
    let save_draft = move |_| {
        let def = wizard.def.get_untracked();
        let navigate = navigate.clone();
        busy.set(true);
        spawn_local(async move {
            let id = def.id.clone();
            let result = runtime
                .run(Command::SaveDraft {
                    definition: Box::new(def),
                })
                .await;
            busy.set(false);
            match result {
                Ok(()) => {
                    outcome.set(Some(Outcome::Saved(
                        "Draft saved. It is not validated or started until you create it.".into(),
                    )));
                    let url = format!("/reviews/new?draft={}", urlencode(&id));
                    navigate(
                        &url,
                        NavigateOptions {
                            replace: true,
                            scroll: false,
                            ..Default::default()
                        },
                    );
                }
                Err(e) => outcome.set(Some(Outcome::Failed(format!(
                    "The draft was not saved: {e}"
                )))),
            }
        });
    };

    view! {
        <Page title="New access review" lead="Choose what to review and who reviews it, set what happens at the end, then check the summary and create.">
            {move || problem.get().map(|p| view! { <p class="wizard-problem card" role="alert">{p}</p> })}
            <StartFrom />
            <nav class="wizard-steps" aria-label="Wizard steps">
                <ol>
                    {Step::ALL
                        .into_iter()
                        .enumerate()
                        .map(|(i, step)| {
                            let current = move || wizard.step.get() == step;
                            view! {
                                <li class=move || {
                                    if current() { "current" } else if wizard.step.get().index() > i { "done" } else { "" }
                                }>
                                    <button
                                        type="button"
                                        class="wizard-step"
                                        aria-current=move || current().then_some("step")
                                        on:click=move |_| wizard.go(step)
                                    >
                                        {step.title()}
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()}
                </ol>
            </nav>
            <ErrorSummary />
            <form class="wizard-form" on:submit=|ev| ev.prevent_default() novalidate>
                {move || match wizard.step.get() {
                    Step::ReviewType => view! { <steps::ReviewTypeStep /> }.into_any(),
                    Step::Reviews => view! { <steps::ReviewsStep /> }.into_any(),
                    Step::Settings => view! { <steps::SettingsStep /> }.into_any(),
                    Step::Create => view! { <steps::CreateStep /> }.into_any(),
                }}
                <div class="wizard-actions">
                    <button
                        type="button"
                        class="button-secondary"
                        disabled=move || wizard.step.get() == Step::ReviewType
                        on:click=move |_| {
                            let i = wizard.step.get_untracked().index();
                            wizard.go(Step::ALL[i.saturating_sub(1)]);
                        }
                    >
                        "Back"
                    </button>
                    <Show when=move || wizard.step.get() != Step::Create>
                        <button
                            type="button"
                            class="button-primary"
                            aria-disabled=move || {
                                (!wizard.step_errors(wizard.step.get()).is_empty()).then_some("true")
                            }
                            on:click=move |_| {
                                let step = wizard.step.get_untracked();
                                if wizard.step_errors(step).is_empty() {
                                    wizard.go(Step::ALL[step.index() + 1]);
                                } else {
                                    wizard.show_errors(step);
                                    focus_error_summary();
                                }
                            }
                        >
                            "Next"
                        </button>
                    </Show>
                    {move || (wizard.step.get() == Step::Create).then(|| {
                        let create = create.clone();
                        view! {
                            <button type="button" class="button-primary" disabled=move || busy.get() on:click=create>
                                "Create"
                            </button>
                        }
                    })}
                    <button type="button" class="button-secondary" disabled=move || busy.get() on:click=save_draft>
                        "Save as draft"
                    </button>
                </div>
                <div class="wizard-outcome" role="status" aria-live="polite">
                    {move || match outcome.get() {
                        Some(Outcome::Saved(m)) => view! { <p class="notice">{m}</p> }.into_any(),
                        Some(Outcome::Failed(m)) => view! { <p class="error">{m}</p> }.into_any(),
                        None => ().into_any(),
                    }}
                </div>
            </form>
            <graph::GraphPanel />
        </Page>
    }
}

/// `?draft=<id>` loads a draft, `?from=<id>` a copy of a review (or draft) under a new id.
/// Loaded once per query value, after the stored data is in.
fn load_from_query(wizard: Wizard, problem: RwSignal<Option<String>>) {
    let runtime = use_runtime();
    let query = use_query_map();
    let loaded = StoredValue::new(String::new());
    Effect::new(move |_| {
        if !runtime.ready.get() {
            return;
        }
        let (draft, from) = query.with(|q| {
            (
                q.get("draft").map(|s| s.to_string()),
                q.get("from").map(|s| s.to_string()),
            )
        });
        let key = format!("{draft:?}{from:?}");
        if loaded.get_value() == key {
            return;
        }
        loaded.set_value(key);
        let found = runtime.state.with_untracked(|s| {
            if let Some(id) = &draft {
                return Some(s.drafts.get(id).cloned().ok_or_else(|| format!("There is no draft \u{201c}{id}\u{201d}: it may have been created or deleted. You are starting a new review.")));
            }
            let id = from.as_ref()?;
            let source = s.reviews.get(id).map(|r| &r.definition).or_else(|| s.drafts.get(id));
            Some(match source {
                Some(d) => {
                    let mut copy = d.clone();
                    copy.id = new_definition_id();
                    copy.name = format!("Copy of {}", d.name);
                    copy.schedule.start = start_of_day(runtime.now()).max(d.schedule.start);
                    Ok(copy)
                }
                None => Err(format!("There is no review \u{201c}{id}\u{201d} to duplicate. You are starting a new review.")),
            })
        });
        match found {
            Some(Ok(def)) => {
                problem.set(None);
                wizard.def.set(def);
                // A stored definition may break rules the controls never would: show them all.
                wizard.shown.set([true; 4]);
            }
            Some(Err(message)) => problem.set(Some(message)),
            None => {}
        }
    });
}

pub fn urlencode(s: &str) -> String {
    js_sys::encode_uri_component(s)
        .as_string()
        .unwrap_or_default()
}

/// The errors of the current step, once shown, each linking to its field's step section.
#[component]
fn ErrorSummary() -> impl IntoView {
    let wizard = use_wizard();
    let visible = move || {
        let step = wizard.step.get();
        if !wizard.shown.get()[step.index()] {
            return Vec::new();
        }
        wizard.step_errors(step)
    };
    view! {
        <Show when=move || !visible().is_empty()>
            <div id="wizard-error-summary" class="card error-summary" role="alert" tabindex="-1">
                <h2>"Fix these before you go on"</h2>
                <ul>
                    {move || {
                        visible()
                            .into_iter()
                            .map(|e| view! { <li><strong>{steps::field_label(&e.field)}</strong>": "{sentence(&e.rule)}</li> })
                            .collect_view()
                    }}
                </ul>
            </div>
        </Show>
    }
}

/// Templates for the seed scenarios, and the drafts to continue.
#[component]
fn StartFrom() -> impl IntoView {
    let wizard = use_wizard();
    let runtime = use_runtime();
    let chosen = RwSignal::new(String::new());
    let applied = RwSignal::new(None::<&'static str>);
    let drafts = Memo::new(move |_| {
        runtime.state.with(|s| {
            s.drafts
                .values()
                .map(|d| {
                    (
                        d.id.clone(),
                        if d.name.trim().is_empty() {
                            "(no name yet)".to_string()
                        } else {
                            d.name.clone()
                        },
                    )
                })
                .collect::<Vec<_>>()
        })
    });
    let apply = move |_| {
        let Some(template) = Template::from_key(&chosen.get_untracked()) else {
            return;
        };
        let def = runtime.state.with_untracked(|s| {
            wizard
                .def
                .with_untracked(|d| template.apply_to(d, &s.directory))
        });
        wizard.def.set(def);
        wizard.step.set(Step::ReviewType);
        applied.set(Some(template.title()));
    };
    view! {
        <details class="card start-from">
            <summary>"Start from a template, a draft or Graph JSON"</summary>
            <div class="field">
                <label for="wizard-template">"Template"</label>
                <p class="hint">"The scenarios of the multi-stage review guidance. A template fills in the stages and settings; you still choose what to review."</p>
                <div class="inline-controls">
                    <select id="wizard-template" on:change:target=move |ev| chosen.set(ev.target().value())>
                        <option value="" prop:selected=move || chosen.get().is_empty()>"Choose a scenario"</option>
                        {Template::ALL
                            .into_iter()
                            .map(|t| view! { <option value=t.key() prop:selected=move || chosen.get() == t.key()>{t.title()}</option> })
                            .collect_view()}
                    </select>
                    <button type="button" class="button-secondary" on:click=apply disabled=move || chosen.get().is_empty()>
                        "Apply template"
                    </button>
                </div>
                {move || {
                    Template::from_key(&chosen.get()).map(|t| view! { <p class="hint">{t.summary()}</p> })
                }}
                <p class="notice" role="status">
                    {move || applied.get().map(|t| format!("Filled in from \u{201c}{t}\u{201d}. Choose what to review, then check each step."))}
                </p>
            </div>
            <Show when=move || !drafts.get().is_empty()>
                <h2>"Drafts"</h2>
                <ul class="draft-list">
                    {move || {
                        drafts
                            .get()
                            .into_iter()
                            .map(|(id, name)| {
                                let href = format!("/reviews/new?draft={}", urlencode(&id));
                                view! { <li><a href=href>{format!("Edit draft: {name}")}</a></li> }
                            })
                            .collect_view()
                    }}
                </ul>
            </Show>
            <graph::ImportGraph />
        </details>
    }
}
