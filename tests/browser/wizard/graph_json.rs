//! Graph JSON from the wizard: export imports back to the same review; what an import
//! cannot take over is reported.

use super::*;

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
