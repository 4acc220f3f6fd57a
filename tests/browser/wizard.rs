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

/// One case: what to do on the step, and the message expected next to a control.
struct Case {
    name: &'static str,
    /// Controls to set before Next: (label, action).
    actions: Vec<(&'static str, Act)>,
    /// The step the message shows on, the control it is next to, and the message.
    step: &'static str,
    near: &'static str,
    message: &'static str,
}

#[derive(Clone, Copy)]
enum Act {
    Click,
    Fill(&'static str),
    Pick(&'static str),
    Next,
}

async fn check(case: Case) {
    let (app, _runtime) = open_wizard("/reviews/new").await;
    for (label, act) in &case.actions {
        match act {
            Act::Click => click_label(&app, label).await,
            Act::Fill(v) => fill(&app, label, v).await,
            Act::Pick(v) => pick(&app, label, v).await,
            Act::Next => click_button(&app, "Next").await,
        }
    }
    if case.step == "Review + create" {
        click_button(&app, "Create").await;
    } else {
        click_button(&app, "Next").await;
    }
    on_step(&app, case.step).await;
    let found = wait_for(
        &format!("{}: the message next to {:?}", case.name, case.near),
        || {
            let errors = errors_near(&app, case.near);
            errors.iter().any(|e| e == case.message).then_some(errors)
        },
    )
    .await;
    assert!(!found.is_empty());
    // The summary at the top lists it too, and the step did not change.
    let summary = text(
        &app.root
            .query_selector("#wizard-error-summary")
            .unwrap()
            .expect("error summary"),
    );
    assert!(
        summary.contains(case.message),
        "{}: summary {summary}",
        case.name
    );
    assert_eq!(
        step_heading(&app),
        case.step,
        "{}: stays on the step",
        case.name
    );
}

#[wasm_bindgen_test]
async fn each_validation_message_is_shown_next_to_its_field() {
    use Act::*;
    let group = ("IT exception - local admin", Click);
    let cases = vec![
        Case {
            name: "no resource",
            actions: vec![],
            step: "Review type",
            near: "IT exception - local admin",
            message: "Select at least one resource to review.",
        },
        Case {
            name: "inactive days out of range",
            actions: vec![group, ("Inactive users (on tenant level) only", Click), ("Days inactive", Fill("731"))],
            step: "Review type",
            near: "Days inactive",
            message: "Inactive users only: enter between 1 and 730 days.",
        },
        Case {
            name: "stage duration",
            actions: vec![group, ("", Next), ("Duration (in days)", Fill("0"))],
            step: "Reviews",
            near: "Duration (in days)",
            message: "A stage lasts between 1 and 180 days.",
        },
        Case {
            name: "selected reviewers empty",
            actions: vec![group, ("", Next), ("Reviewers", Pick("users"))],
            step: "Reviews",
            near: "Reviewers",
            message: "Select at least one reviewer.",
        },
        Case {
            name: "group reviewers not chosen",
            actions: vec![group, ("", Next), ("Reviewers", Pick("group"))],
            step: "Reviews",
            near: "Reviewers",
            message: "Choose the group whose members review.",
        },
        Case {
            name: "no reviewees go on",
            actions: vec![group, ("", Next), ("Multi-stage review", Click), ("Select all", Click)],
            step: "Reviews",
            near: "Approved reviewees",
            message: "Select which reviewees go to the next stage (Approved, Denied, Not reviewed, Don't know).",
        },
        Case {
            name: "weekly too long",
            actions: vec![group, ("", Next), ("Duration (in days)", Fill("14")), ("Review recurrence", Pick("Weekly"))],
            step: "Reviews",
            near: "Review recurrence",
            message: "A weekly review lasts at most 7 days; the stages add up to 14.",
        },
        Case {
            name: "zero occurrences",
            actions: vec![
                group,
                ("", Next),
                ("Review recurrence", Pick("Monthly")),
                ("End after number of occurrences", Click),
                ("Number of occurrences", Fill("0")),
            ],
            step: "Reviews",
            near: "End after number of occurrences",
            message: "End after at least one occurrence.",
        },
        Case {
            name: "end before start",
            actions: vec![
                group,
                ("", Next),
                ("Review recurrence", Pick("Monthly")),
                ("End on specific date", Click),
                ("End date", Fill("2001-01-01")),
            ],
            step: "Reviews",
            near: "End on specific date",
            message: "The end date must be after the start date.",
        },
        Case {
            name: "role owners",
            actions: vec![("Microsoft Entra roles", Click), ("Global Administrator", Click), ("", Next)],
            step: "Reviews",
            near: "Reviewers",
            message: "Directory roles have no owners: choose another kind of reviewer.",
        },
        Case {
            name: "look-back",
            actions: vec![group, ("", Next), ("", Next), ("Look-back period (in days)", Fill("0"))],
            step: "Settings",
            near: "Look-back period (in days)",
            message: "The look-back window is between 1 and 180 days.",
        },
        Case {
            name: "no name",
            actions: vec![group, ("", Next), ("", Next), ("", Next)],
            step: "Review + create",
            near: "Review name",
            message: "Enter a name for the review.",
        },
        Case {
            name: "long reviewer description",
            actions: vec![group, ("", Next), ("", Next), ("", Next), ("Review name", Fill("Long")), ("Description for reviewers", Fill(LONG))],
            step: "Review + create",
            near: "Description for reviewers",
            message: "At most 256 characters (it is shown in notifications); this one has 273.",
        },
    ];
    for case in cases {
        check(case).await;
    }
}

const LONG: &str = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";

/// Rules about references and combinations the controls never produce (a draft or an
/// import can): a missing resource, a missing fallback reviewer, the guest action on an
/// all-users review. Each is shown where it is set, and can be put right there.
#[wasm_bindgen_test]
async fn draft_with_broken_references_shows_each_rule() {
    let app = mount_at("/reviews");
    let runtime = ready_runtime().await;
    let mut def = runtime.state.with_untracked(|s| {
        Template::Consensus.definition("draft-broken", chrono::Utc::now(), &s.directory)
    });
    def.name = "Broken".into();
    def.scope.resources = vec!["g-gone".into()];
    def.stages[0].fallback_reviewers = vec!["u-nobody".into()];
    def.settings.denied_guest_action = Some(DeniedGuestAction::BlockThenDelete);
    runtime
        .run(Command::SaveDraft {
            definition: Box::new(def),
        })
        .await
        .expect("draft saved");
    follow(&app, "/reviews/new?draft=draft-broken").await;
    on_step(&app, "Review type").await;
    let missing = "g-gone (not in the directory)";
    control(&app, missing).await;
    click_button(&app, "Next").await;
    wait_for("the missing group's message", || {
        errors_near(&app, missing)
            .contains(&"Group \"g-gone\" does not exist in the directory.".to_string())
            .then_some(())
    })
    .await;
    click_label(&app, missing).await;
    click_label(&app, "IT exception - local admin").await;
    click_button(&app, "Next").await;
    on_step(&app, "Reviews").await;
    let fallback = "Search users to add to Stage 1 fallback reviewers";
    wait_for("the missing fallback reviewer's message", || {
        errors_near(&app, fallback)
            .contains(
                &"Fallback reviewer \"u-nobody\" does not exist in the directory.".to_string(),
            )
            .then_some(())
    })
    .await;
    click_label(&app, "Remove u-nobody from Stage 1 fallback reviewers").await;
    click_button(&app, "Next").await;
    on_step(&app, "Settings").await;
    let clear = "Don't apply a guest action";
    wait_for("the guest action's message", || {
        errors_near(&app, clear)
            .contains(&"The action on denied guest users is only available when the scope is guest users only.".to_string())
            .then_some(())
    })
    .await;
    click_button(&app, clear).await;
    click_button(&app, "Next").await;
    on_step(&app, "Review + create").await;
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

/// The value of the textarea labelled `label`.
async fn textarea_value(app: &Mounted, label: &str) -> String {
    control(app, label)
        .await
        .dyn_into::<web_sys::HtmlTextAreaElement>()
        .expect("a textarea")
        .value()
}

#[wasm_bindgen_test]
async fn graph_json_exported_from_the_wizard_imports_back_to_the_same_review() {
    let (app, runtime) = open_wizard("/reviews/new").await;
    apply_template(&app, Template::ReduceBurden).await;
    click_label(&app, "IT exception - local admin").await;
    for step in ["Reviews", "Settings", "Review + create"] {
        click_button(&app, "Next").await;
        on_step(&app, step).await;
    }
    fill(&app, "Review name", "Graph round trip").await;
    click_button(&app, "Export Graph JSON").await;
    let json = textarea_value(&app, "Graph JSON of this review").await;
    assert!(json.contains("\"stageSettings\""), "{json}");
    click_button(&app, "Create").await;
    wait_for("the reviews list after Create", || {
        (current_path() == "/reviews").then_some(())
    })
    .await;
    let original = runtime.state.with_untracked(|s| {
        s.reviews
            .values()
            .find(|r| r.definition.name == "Graph round trip")
            .expect("created")
            .definition
            .clone()
    });

    follow(&app, "/reviews/new").await;
    on_step(&app, "Review type").await;
    fill(&app, "Graph JSON to import", &json).await;
    click_button(&app, "Import Graph JSON").await;
    let said = wait_for("the import outcome", || {
        app.root
            .query_selector(".start-from [role=status] .notice, .start-from [role=status] .error")
            .ok()
            .flatten()
            .map(|e| text(&e))
            .filter(|t| t.starts_with("Imported") || t.starts_with("Not imported"))
    })
    .await;
    assert!(said.starts_with("Imported. Everything"), "{said}");
    let imported = name_and_create(&app, &runtime, "Graph round trip").await;
    // A second review by the same name: name_and_create found the first; find the other.
    let imported = runtime.state.with_untracked(|s| {
        s.reviews
            .values()
            .map(|r| r.definition.clone())
            .find(|d| d.name == imported.name && d.id != original.id)
            .expect("the imported review")
    });
    let same = ReviewDefinition {
        id: original.id.clone(),
        ..imported
    };
    assert_eq!(same, original);
}

#[wasm_bindgen_test]
async fn graph_json_import_reports_what_it_could_not_take_over() {
    let (app, runtime) = open_wizard("/reviews/new").await;
    click_label(&app, "IT exception - local admin").await;
    let before = runtime
        .state
        .with_untracked(|s| (s.reviews.len(), s.drafts.len()));

    // Not JSON at all: refused, the wizard keeps what was typed.
    fill(&app, "Graph JSON to import", "{ not json").await;
    click_button(&app, "Import Graph JSON").await;
    let said = wait_for("the refusal", || {
        app.root
            .query_selector(".start-from [role=status] .error")
            .ok()
            .flatten()
            .map(|e| text(&e))
    })
    .await;
    assert!(said.starts_with("Not imported: line 1 column 3"), "{said}");
    assert!(said.ends_with("The wizard is unchanged."), "{said}");
    let kept = control(&app, "IT exception - local admin").await;
    assert!(
        kept.dyn_ref::<web_sys::HtmlInputElement>()
            .unwrap()
            .checked(),
        "the chosen group stays chosen"
    );

    // A group the directory does not have, and a setting Attest does not support.
    let json = r#"{
        "displayName": "From another tenant",
        "scope": {
            "query": "/groups/00000000-0000-0000-0000-00000000dead/transitiveMembers",
            "queryType": "MicrosoftGraph"
        },
        "reviewers": [{ "query": "./manager", "queryType": "MicrosoftGraph", "queryRoot": "decisions" }],
        "settings": {
            "mailNotificationsEnabled": true,
            "defaultDecisionEnabled": false,
            "defaultDecision": "None",
            "instanceDurationInDays": 7,
            "autoApplyDecisionsEnabled": false,
            "recommendationsEnabled": true,
            "recurrence": {
                "pattern": { "type": "absoluteMonthly", "interval": 5 },
                "range": { "type": "noEnd", "startDate": "2026-12-01" }
            }
        }
    }"#;
    fill(&app, "Graph JSON to import", json).await;
    click_button(&app, "Import Graph JSON").await;
    let points = wait_for("the points to check", || {
        let items: Vec<String> = all(&app.root, ".graph-issues li")
            .iter()
            .map(text)
            .collect();
        (!items.is_empty()).then_some(items)
    })
    .await;
    assert!(
        points.iter().any(|p| p.starts_with("$.scope") && p.contains("00000000-0000-0000-0000-00000000dead")),
        "{points:?}"
    );
    assert!(
        points
            .iter()
            .any(|p| p.contains("recurrence") && p.contains("every 5")),
        "{points:?}"
    );
    // Only the wizard changed: nothing was created or saved.
    assert_eq!(
        runtime
            .state
            .with_untracked(|s| (s.reviews.len(), s.drafts.len())),
        before
    );
}
