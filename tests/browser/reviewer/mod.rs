//! The reviewer experience: My access reviews, deep links from notifications, deciding one
//! row at a time, in bulk and from the keyboard, blind stages, and a list of 10,000 reviewees.

use attest::ui::reviewer::reviewer_link;
use attest::ui::session::{administrator, ACTING_AS_KEY};
use attest_engine::definition::*;
use attest_engine::directory::UserType;
use attest_engine::event::ItemDecision;
use attest_engine::instance::DecisionSource;
use attest_engine::{Actor, Command, Decision, ReviewDefinition};
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::{GetUntracked, Set, WithUntracked};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::Element;

use crate::support::*;

mod bulk;
mod context;
mod guardrails;
mod justification;
mod keyboard;
mod links;
mod visibility;

fn stage(reviewers: Reviewers) -> StageSettings {
    StageSettings {
        reviewers,
        fallback_reviewers: vec![],
        duration_days: 7,
        recommendations: true,
    }
}

fn selected(user: &str) -> Reviewers {
    Reviewers::SelectedUsers {
        users: vec![user.to_string()],
    }
}

/// A one-time group review starting now, without justification or previous decisions.
fn definition(
    id: &str,
    group: &str,
    stages: Vec<StageSettings>,
    start: chrono::DateTime<chrono::Utc>,
) -> ReviewDefinition {
    let multi = stages.len() > 1;
    let mut def = group_review(id, group, stages, start);
    def.name = format!("Membership of {group}");
    def.description_for_reviewers = "Confirm who still needs this access.".into();
    if !multi {
        def.decisions_to_next_stage = vec![];
    }
    def
}

/// Forget the identity a previous test acted as, as a fresh browser would.
fn fresh_browser() {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.remove_item(ACTING_AS_KEY);
    }
}

/// Mounts the app, creates `def` as the administrator and returns the database config and
/// the id of its (only) instance.
async fn with_review(
    config: &attest::AppConfig,
    def: ReviewDefinition,
) -> (Mounted, attest::Runtime, String) {
    fresh_browser();
    let app = mount_with("/", config.clone());
    let rt = ready_runtime().await;
    let id = def.id.clone();
    rt.run_as(
        Command::CreateReview {
            definition: Box::new(def),
        },
        administrator(),
        None,
    )
    .await
    .expect("review created");
    let instance = rt
        .state
        .with_untracked(|s| {
            s.instances
                .values()
                .find(|i| i.definition == id)
                .map(|i| i.id.clone())
        })
        .expect("the review started");
    (app, rt, instance)
}

/// Items of `instance` reviewed by `reviewer` in `stage`: (item, user name).
fn items_of(
    rt: &attest::Runtime,
    instance: &str,
    stage: usize,
    reviewer: &str,
) -> Vec<(u32, String)> {
    rt.state.with_untracked(|s| {
        let inst = &s.instances[instance];
        inst.items
            .iter()
            .enumerate()
            .filter(|(_, it)| inst.is_reviewer(it, stage, reviewer))
            .map(|(i, it)| (i as u32, it.user_name.clone()))
            .collect()
    })
}

fn decision_of(
    rt: &attest::Runtime,
    instance: &str,
    item: u32,
    stage: usize,
) -> Option<(Decision, String, DecisionSource)> {
    rt.state.with_untracked(|s| {
        s.instances[instance].items[item as usize]
            .decision_in(stage)
            .map(|d| (d.decision, d.justification.clone(), d.source))
    })
}

fn page(app: &Mounted) -> Element {
    app.root
        .query_selector(".reviewer-page")
        .unwrap()
        .expect("the reviewer page")
}

fn rendered_rows(app: &Mounted) -> Vec<Element> {
    all(&app.root, "[role='listitem']")
}

fn by_label(app: &Mounted, label: &str) -> Element {
    control_by_label(&app.root, label).unwrap_or_else(|| panic!("a control labelled {label:?}"))
}

fn press(el: &Element, key: &str) {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let ev = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    el.dispatch_event(&ev).unwrap();
}

fn focused() -> Option<Element> {
    document().active_element()
}

/// Waits until the list says it shows `n` reviewees (only those in view are rendered); on a
/// timeout says what the page shows.
async fn wait_shown(app: &Mounted, n: usize) {
    let wanted = format!("{n} shown");
    for _ in 0..150 {
        let shown = all(&app.root, ".rv-selection")
            .first()
            .map(text)
            .unwrap_or_default();
        if shown.ends_with(&wanted) && (n == 0 || !rendered_rows(app).is_empty()) {
            return;
        }
        TimeoutFuture::new(20).await;
    }
    let shown = app
        .root
        .query_selector(".reviewer-page")
        .ok()
        .flatten()
        .map(|p| text(&p))
        .unwrap_or_default();
    panic!("expected {n} reviewees; the page says: {shown}");
}

/// The item number and reviewee name of a rendered row.
fn row_item(row: &Element) -> (u32, String) {
    let item = row
        .id()
        .strip_prefix("reviewee-")
        .and_then(|n| n.parse().ok())
        .expect("a reviewee row id");
    (item, row.get_attribute("aria-label").expect("a row name"))
}

async fn wait_long<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    for _ in 0..3000 {
        if let Some(v) = probe() {
            return v;
        }
        TimeoutFuture::new(20).await;
    }
    panic!("timed out waiting for {what}");
}
