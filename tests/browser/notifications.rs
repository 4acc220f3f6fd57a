//! Notification wording (issue 24): the administrator edits a message kind's subject and
//! body on the Notifications screen, the preview follows with a real recipient's data, a
//! placeholder the kind does not offer is refused by name, and once saved the outbox shows
//! the messages in the new wording.

use attest::ui::session::{administrator, ACTING_AS_KEY};
use attest_engine::definition::*;
use attest_engine::outbox::MessageKind;
use attest_engine::Command;
use leptos::prelude::WithUntracked;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::Element;

use crate::support::*;

const REVIEWER: &str = "u-000002";

/// The first element matching `selector` whose text contains `part`.
fn containing(root: &Element, selector: &str, part: &str) -> Option<Element> {
    all(root, selector)
        .into_iter()
        .find(|e| text(e).contains(part))
}

fn preview_subject(root: &Element) -> Option<String> {
    root.query_selector(".template-preview .message-subject")
        .ok()
        .flatten()
        .map(|e| text(&e))
}

#[wasm_bindgen_test]
async fn an_administrator_words_a_message_and_the_outbox_uses_it() {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.remove_item(ACTING_AS_KEY);
    }
    let app = mount_with("/notifications", test_config(120));
    let rt = ready_runtime().await;
    let def = group_review(
        "wording",
        "g-partner-collaboration",
        vec![StageSettings {
            reviewers: Reviewers::SelectedUsers {
                users: vec![REVIEWER.into()],
            },
            fallback_reviewers: vec![],
            duration_days: 7,
            recommendations: true,
        }],
        chrono::Utc::now(),
    );
    rt.run_as(
        Command::CreateReview {
            definition: Box::new(def),
        },
        administrator(),
        None,
    )
    .await
    .expect("review created");
    let (reviewer, resource) = rt.state.with_untracked(|s| {
        let inst = s
            .instances
            .values()
            .find(|i| i.id.starts_with("wording~"))
            .expect("the review started");
        (
            s.directory.display_name(REVIEWER).to_string(),
            inst.resource.name.clone(),
        )
    });

    let kind = wait_for("the wording editor", || {
        control_by_label(&app.root, "Message to word")
    })
    .await;
    choose(&kind, "ReviewStarted");
    let subject = control_by_label(&app.root, "Subject").expect("the subject field");
    let body = control_by_label(&app.root, "Body").expect("the body field");
    // The default wording, previewed with a real recipient's data.
    wait_for("the default preview", || {
        preview_subject(&app.root).filter(|s| s.contains(&resource) && !s.contains('{'))
    })
    .await;
    let preview_for = control_by_label(&app.root, "Preview for").expect("the preview's recipient");
    let option =
        find_by_text(&preview_for, "option", &reviewer).expect("the reviewer to preview for");
    choose(
        &preview_for,
        &option.get_attribute("value").unwrap_or_default(),
    );

    // The preview follows the typing, with the chosen recipient's name filled in.
    type_into(&subject, "Decide on {resource} today, {reviewer}");
    let want = format!("Decide on {resource} today, {reviewer}");
    wait_for("the preview of the new subject", || {
        preview_subject(&app.root).filter(|s| *s == want)
    })
    .await;

    // A placeholder this kind does not offer is named, and saving is refused.
    type_into(&body, "Reason: {reason}. Open {link}");
    let alert = wait_for("the refusal", || {
        containing(&app.root, "[role='alert']", "{reason}")
    })
    .await;
    assert!(
        text(&alert).contains("which is not a placeholder of this message"),
        "{}",
        text(&alert)
    );
    let save = button(&app.root, "Save wording").expect("the save button");
    assert!(
        save.has_attribute("disabled"),
        "a refused wording cannot be saved"
    );

    type_into(&body, "{count} reviewee(s) wait for you: {link}");
    wait_for("the refusal gone", || {
        containing(&app.root, "[role='alert']", "{reason}")
            .is_none()
            .then_some(())
    })
    .await;
    click(&button(&app.root, "Save wording").expect("the save button"));
    wait_for("saved", || {
        containing(&app.root, "[role='status']", "Wording saved")
    })
    .await;
    rt.state.with_untracked(|s| {
        let t = &s.notification_templates[&MessageKind::ReviewStarted];
        assert_eq!(t.subject, "Decide on {resource} today, {reviewer}");
    });

    // The outbox shows the message as it is sent, in the new wording.
    let message = wait_for("the outbox in the new wording", || {
        all(&app.root, ".message-list li").into_iter().find(|li| {
            li.query_selector(".message-subject")
                .ok()
                .flatten()
                .is_some_and(|s| text(&s) == want)
        })
    })
    .await;
    let body_text = text(
        &message
            .query_selector(".message-body")
            .unwrap()
            .expect("the message body"),
    );
    assert!(
        body_text.contains("reviewee(s) wait for you: http"),
        "{body_text}"
    );
    assert!(
        body_text.contains(&format!("reviewer={REVIEWER}")),
        "{body_text}"
    );
    drop(app);
}
