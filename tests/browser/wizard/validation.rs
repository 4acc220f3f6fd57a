//! Every validation message next to its field, and a draft whose references broke.

use super::*;

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
