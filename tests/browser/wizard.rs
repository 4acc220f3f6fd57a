//! The new review wizard, driven by its labels: the four seed scenarios from start to
//! created definition, every validation message next to its field, Back keeping what was
//! entered, drafts, duplicates and the preview.

use attest_engine::definition::{
    DeniedGuestAction, NoResponse, Outcome, PrincipalScope, ReviewDefinition, Reviewers,
};
use attest_engine::templates::Template;
use attest_engine::Command;
use leptos::prelude::{GetUntracked, WithUntracked};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::Element;

use crate::support::*;

mod graph_json;
mod outcomes;
mod validation;

/// Types `value` into a text, number, date or search input or a textarea, firing `input`
/// and `change` as typing and leaving the field do.
fn type_into(el: &Element, value: &str) {
    if let Some(input) = el.dyn_ref::<web_sys::HtmlInputElement>() {
        input.set_value(value);
    } else if let Some(area) = el.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        area.set_value(value);
    } else {
        panic!("not a text control");
    }
    for kind in ["input", "change"] {
        let init = web_sys::EventInit::new();
        init.set_bubbles(true);
        let event = web_sys::Event::new_with_event_init_dict(kind, &init).expect("event");
        el.dispatch_event(&event).expect("dispatch");
    }
}

async fn control(app: &Mounted, label: &str) -> Element {
    wait_for(&format!("the control labelled {label:?}"), || {
        control_by_label(&app.root, label)
    })
    .await
}

async fn click_button(app: &Mounted, label: &str) {
    let b = wait_for(&format!("the button {label:?}"), || {
        button(&app.root, label)
    })
    .await;
    click(&b);
    next_tick().await;
}

async fn click_label(app: &Mounted, label: &str) {
    click(&control(app, label).await);
    next_tick().await;
}

async fn fill(app: &Mounted, label: &str, value: &str) {
    type_into(&control(app, label).await, value);
    next_tick().await;
}

async fn pick(app: &Mounted, label: &str, value: &str) {
    choose(&control(app, label).await, value);
    next_tick().await;
}

/// The step panel's heading (`h2` inside the wizard form).
fn step_heading(app: &Mounted) -> String {
    app.root
        .query_selector(".wizard-step-panel h2")
        .ok()
        .flatten()
        .map(|h| text(&h))
        .unwrap_or_default()
}

async fn on_step(app: &Mounted, title: &str) {
    wait_for(&format!("step {title:?}"), || {
        (step_heading(app) == title).then_some(())
    })
    .await;
}

/// The error messages shown in the same field (or fieldset) as the control labelled `label`.
fn errors_near(app: &Mounted, label: &str) -> Vec<String> {
    let el = control_by_label(&app.root, label)
        .or_else(|| button(&app.root, label))
        .unwrap_or_else(|| panic!("control {label:?}"));
    let field = el
        .closest(".field, fieldset")
        .ok()
        .flatten()
        .expect("the control's field");
    all(&field, ".error").iter().map(text).collect()
}

/// Follows a link to `href` inside the app, as clicking one does (the store of these tests
/// lives in memory, so a second mount would not see what the first stored).
async fn follow(app: &Mounted, href: &str) {
    let a = document().create_element("a").expect("a");
    a.set_attribute("href", href).expect("href");
    a.set_text_content(Some("go"));
    app.root.append_child(&a).expect("append link");
    click(&a);
    a.remove();
    next_tick().await;
}

async fn open_wizard(path: &str) -> (Mounted, attest::Runtime) {
    let app = mount_at(path);
    let runtime = ready_runtime().await;
    on_step(&app, "Review type").await;
    (app, runtime)
}

async fn apply_template(app: &Mounted, template: Template) {
    pick(app, "Template", template.key()).await;
    click_button(app, "Apply template").await;
}

/// Steps 2 and 3 as the template left them, then name and create; returns the definition
/// the engine stored.
async fn name_and_create(app: &Mounted, runtime: &attest::Runtime, name: &str) -> ReviewDefinition {
    click_button(app, "Next").await;
    on_step(app, "Reviews").await;
    click_button(app, "Next").await;
    on_step(app, "Settings").await;
    click_button(app, "Next").await;
    on_step(app, "Review + create").await;
    fill(app, "Review name", name).await;
    click_button(app, "Create").await;
    wait_for("the reviews list after Create", || {
        (current_path() == "/reviews").then_some(())
    })
    .await;
    runtime.state.with_untracked(|s| {
        s.reviews
            .values()
            .find(|r| r.definition.name == name)
            .expect("the created review")
            .definition
            .clone()
    })
}

fn group_id(runtime: &attest::Runtime, name: &str) -> String {
    runtime.state.with_untracked(|s| {
        s.directory
            .groups
            .values()
            .find(|g| g.display_name == name)
            .map(|g| g.id.clone())
            .expect(name)
    })
}

#[wasm_bindgen_test]
async fn consensus_template_creates_three_stage_review() {
    let (app, runtime) = open_wizard("/reviews/new").await;
    apply_template(&app, Template::Consensus).await;
    click_label(&app, "IT exception - local admin").await;
    let def = name_and_create(&app, &runtime, "Local admin consensus").await;
    let auditors = group_id(&runtime, "Contoso auditors");
    assert_eq!(
        def.stages
            .iter()
            .map(|s| s.reviewers.clone())
            .collect::<Vec<_>>(),
        vec![
            Reviewers::Managers,
            Reviewers::ResourceOwners,
            Reviewers::GroupMembers { group: auditors }
        ]
    );
    assert!(def.show_previous_decisions, "earlier decisions shown");
    assert_eq!(
        def.decisions_to_next_stage,
        Outcome::ALL.to_vec(),
        "select all"
    );
    assert_eq!(def.settings.if_no_response, NoResponse::RemoveAccess);
    assert_eq!(
        def.scope.resources,
        vec![group_id(&runtime, "IT exception - local admin")]
    );
    // Created for today: it started at once, one instance per resource.
    let started = runtime.state.with_untracked(|s| {
        s.instances
            .values()
            .filter(|i| i.definition == def.id)
            .count()
    });
    assert_eq!(started, 1);
}

#[wasm_bindgen_test]
async fn alternate_reviewers_template_reviews_applications() {
    let (app, runtime) = open_wizard("/reviews/new").await;
    apply_template(&app, Template::AlternateReviewers).await;
    click_label(&app, "Salesforce").await;
    let def = name_and_create(&app, &runtime, "Salesforce double check").await;
    assert_eq!(
        def.scope.resource_kind,
        attest_engine::directory::ResourceKind::Application
    );
    assert_eq!(
        def.stages
            .iter()
            .map(|s| s.reviewers.clone())
            .collect::<Vec<_>>(),
        vec![Reviewers::ResourceOwners, Reviewers::Managers]
    );
    assert!(!def.show_previous_decisions);
    assert_eq!(
        def.decisions_to_next_stage,
        vec![Outcome::NotReviewed, Outcome::DontKnow]
    );
    assert_eq!(def.settings.if_no_response, NoResponse::ApproveAccess);
}

#[wasm_bindgen_test]
async fn reduce_burden_template_filters_stage_by_stage() {
    let (app, runtime) = open_wizard("/reviews/new").await;
    apply_template(&app, Template::ReduceBurden).await;
    click_label(&app, "IT exception - local admin").await;
    let def = name_and_create(&app, &runtime, "IT exception recertification").await;
    assert_eq!(
        def.stages
            .iter()
            .map(|s| s.reviewers.clone())
            .collect::<Vec<_>>(),
        vec![
            Reviewers::SelfReview,
            Reviewers::Managers,
            Reviewers::ResourceOwners
        ]
    );
    assert!(!def.show_previous_decisions);
    assert_eq!(def.decisions_to_next_stage, vec![Outcome::Approve]);
    assert_eq!(def.settings.if_no_response, NoResponse::RemoveAccess);
}

/// The guest scenario by hand, control by control: the denied-guest action appears only
/// for a guests-only scope, and the result equals the scenario's template.
#[wasm_bindgen_test]
async fn guest_review_by_labels_matches_the_seed_table() {
    let (app, runtime) = open_wizard("/reviews/new").await;
    click_label(&app, "Partner collaboration").await;
    click_label(&app, "Guest users only").await;
    click_label(&app, "Inactive users (on tenant level) only").await;
    fill(&app, "Days inactive", "180").await;
    click_button(&app, "Next").await;

    on_step(&app, "Reviews").await;
    click_label(&app, "Multi-stage review").await;
    pick(&app, "Stage 1 reviewers", "self").await;
    pick(&app, "Stage 2 reviewers", "owners").await;
    click_label(&app, "Select all").await;
    click_label(&app, "Approved reviewees").await;
    assert!(control_by_label(
        &app.root,
        "Show previous stage(s) decisions to later stage reviewers"
    )
    .is_some());
    click_button(&app, "Next").await;

    on_step(&app, "Settings").await;
    pick(&app, "If reviewers don't respond", "RemoveAccess").await;
    click_label(
        &app,
        "Block user from signing-in for 30 days, then remove user from the tenant",
    )
    .await;
    click_label(&app, "Justification required").await;
    click_label(&app, "Auto apply results to resource").await;
    click_button(&app, "Next").await;

    on_step(&app, "Review + create").await;
    fill(&app, "Review name", "Partner guests").await;
    let summary = text(
        &app.root
            .query_selector(".summary")
            .unwrap()
            .expect("summary"),
    );
    assert!(
        summary.contains("guest users who have not signed in for 180 days"),
        "{summary}"
    );
    assert!(
        summary.contains("removed from the tenant 30 days later"),
        "{summary}"
    );
    click_button(&app, "Create").await;
    wait_for("the reviews list", || {
        (current_path() == "/reviews").then_some(())
    })
    .await;

    let created = runtime.state.with_untracked(|s| {
        s.reviews
            .values()
            .find(|r| r.definition.name == "Partner guests")
            .expect("created")
            .definition
            .clone()
    });
    let mut expected = runtime.state.with_untracked(|s| {
        Template::GuestReview.definition(&created.id, created.schedule.start, &s.directory)
    });
    expected.name = "Partner guests".into();
    expected.description_for_admins = String::new();
    expected.scope.resources = vec![group_id(&runtime, "Partner collaboration")];
    assert_eq!(created, expected);
    assert_eq!(created.scope.principals, PrincipalScope::GuestsOnly);
    assert_eq!(
        created.settings.denied_guest_action,
        Some(DeniedGuestAction::BlockThenDelete)
    );
}

#[wasm_bindgen_test]
async fn denied_guest_action_only_for_guests_only_scope() {
    let (app, _runtime) = open_wizard("/reviews/new").await;
    let action = "Block user from signing-in for 30 days, then remove user from the tenant";
    click_label(&app, "Partner collaboration").await;
    click_button(&app, "Next").await;
    click_button(&app, "Next").await;
    on_step(&app, "Settings").await;
    assert!(
        control_by_label(&app.root, action).is_none(),
        "hidden for all users"
    );
    click_button(&app, "Back").await;
    click_button(&app, "Back").await;
    click_label(&app, "Guest users only").await;
    click_button(&app, "Next").await;
    click_button(&app, "Next").await;
    on_step(&app, "Settings").await;
    assert!(
        control_by_label(&app.root, action).is_some(),
        "shown for guests only"
    );
}

#[wasm_bindgen_test]
async fn back_keeps_what_was_entered() {
    let (app, _runtime) = open_wizard("/reviews/new").await;
    click_label(&app, "Applications").await;
    click_label(&app, "Salesforce").await;
    click_button(&app, "Next").await;
    on_step(&app, "Reviews").await;
    fill(&app, "Duration (in days)", "14").await;
    click_button(&app, "Back").await;
    on_step(&app, "Review type").await;
    let salesforce = control(&app, "Salesforce").await;
    assert!(
        salesforce
            .dyn_ref::<web_sys::HtmlInputElement>()
            .unwrap()
            .checked(),
        "resource still selected"
    );
    click_button(&app, "Next").await;
    on_step(&app, "Reviews").await;
    let duration = control(&app, "Duration (in days)").await;
    assert_eq!(
        duration
            .dyn_ref::<web_sys::HtmlInputElement>()
            .unwrap()
            .value(),
        "14"
    );
}

/// The text of the focused element, once it is a heading (the wait covers the paint the
/// wizard focuses after).
async fn focused_heading(after: &str) -> String {
    wait_for(&format!("a focused heading after {after}"), || {
        document()
            .active_element()
            .filter(|el| el.tag_name() == "H2")
            .map(|el| text(&el))
    })
    .await
}

/// Presses the button labelled `label` from the keyboard's point of view: focused, then
/// activated, so focus would stay on it if the page did not move it.
async fn press_button(app: &Mounted, label: &str) {
    let b = wait_for(&format!("the button {label:?}"), || {
        button(&app.root, label)
    })
    .await;
    b.dyn_ref::<web_sys::HtmlElement>()
        .expect("button")
        .focus()
        .expect("focus");
    click(&b);
    next_tick().await;
}

#[wasm_bindgen_test]
async fn next_and_back_move_focus_to_the_new_step_heading() {
    let (app, _runtime) = open_wizard("/reviews/new").await;
    click_label(&app, "Applications").await;
    click_label(&app, "Salesforce").await;
    press_button(&app, "Next").await;
    on_step(&app, "Reviews").await;
    assert_eq!(focused_heading("Next").await, "Reviews");
    press_button(&app, "Next").await;
    on_step(&app, "Settings").await;
    assert_eq!(focused_heading("Next").await, "Settings");
    press_button(&app, "Back").await;
    on_step(&app, "Reviews").await;
    assert_eq!(focused_heading("Back").await, "Reviews");
}

#[wasm_bindgen_test]
async fn save_draft_then_edit_it() {
    let (app, runtime) = open_wizard("/reviews/new").await;
    click_label(&app, "IT exception - local admin").await;
    click_button(&app, "Next").await;
    click_button(&app, "Next").await;
    click_button(&app, "Next").await;
    fill(&app, "Review name", "Half done").await;
    click_button(&app, "Save as draft").await;
    let id = wait_for("the draft in the store", || {
        runtime.state.with_untracked(|s| {
            s.drafts
                .values()
                .find(|d| d.name == "Half done")
                .map(|d| d.id.clone())
        })
    })
    .await;
    wait_for("the draft's address", || {
        let search = web_sys::window().unwrap().location().search().unwrap();
        search.contains(&format!("draft={id}")).then_some(())
    })
    .await;
    follow(&app, "/").await;
    wait_for("the dashboard", || heading(&app.root, "Dashboard")).await;
    follow(&app, &format!("/reviews/new?draft={id}")).await;
    on_step(&app, "Review type").await;
    click_button(&app, "Review + create").await;
    on_step(&app, "Review + create").await;
    let name = control(&app, "Review name").await;
    wait_for("the draft's name in the field", || {
        (name.dyn_ref::<web_sys::HtmlInputElement>().unwrap().value() == "Half done").then_some(())
    })
    .await;
}

#[wasm_bindgen_test]
async fn duplicate_a_review_from_its_id() {
    let (app, runtime) = open_wizard("/reviews/new").await;
    apply_template(&app, Template::ReduceBurden).await;
    click_label(&app, "IT exception - local admin").await;
    let original = name_and_create(&app, &runtime, "Original").await;
    follow(&app, &format!("/reviews/new?from={}", original.id)).await;
    on_step(&app, "Review type").await;
    let checked = control(&app, "IT exception - local admin").await;
    wait_for("the copied resource", || {
        checked
            .dyn_ref::<web_sys::HtmlInputElement>()
            .unwrap()
            .checked()
            .then_some(())
    })
    .await;
    let copy = name_and_create(&app, &runtime, "Copy of Original").await;
    assert_ne!(copy.id, original.id);
    assert_eq!(copy.stages, original.stages);
    assert_eq!(copy.scope, original.scope);
}

#[wasm_bindgen_test]
async fn preview_counts_fallbacks_and_unsupported_denials() {
    let (app, runtime) = open_wizard("/reviews/new").await;
    // A dynamic group: no denial can be applied; managers review, so users without a
    // manager (and no fallback reviewers) have nobody.
    click_label(&app, "All Employees").await;
    click_button(&app, "Next").await;
    pick(&app, "Reviewers", "managers").await;
    click_button(&app, "Next").await;
    click_button(&app, "Next").await;
    on_step(&app, "Review + create").await;
    let figure = |name: &str| {
        app.root
            .query_selector(&format!("[data-figure='{name}']"))
            .unwrap()
            .map(|e| text(&e).parse::<usize>().unwrap())
            .unwrap_or_else(|| panic!("figure {name}"))
    };
    let members = runtime.state.with_untracked(|s| {
        s.directory.groups[&group_id(&runtime, "All Employees")]
            .members
            .len()
    });
    assert_eq!(figure("instances"), 1);
    assert_eq!(figure("reviewees"), members);
    assert_eq!(
        figure("not-supported"),
        members,
        "every denial in a dynamic group is not supported"
    );
    assert!(
        figure("fallback") >= 1,
        "the head of the company has no manager"
    );
    assert!(text(&app.root).contains("nobody could review them"));
    let _ = runtime.state.get_untracked();
}
