//! The Settings screen: storage facts, backup download, restore (refusing a bad file with its
//! reason, restoring a good one after confirmation) and reset to the sample tenant.

use attest_engine::Command;
use leptos::prelude::{GetUntracked, WithUntracked};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::store::review_of_all_employees;
use crate::support::{
    button, click, control_by_label, find_by_text, mount_with, ready_runtime, test_config, text,
    wait_for,
};

fn draft(id: &str) -> Command {
    Command::SaveDraft {
        definition: Box::new(review_of_all_employees(id, "u-0001", 1, chrono::Utc::now())),
    }
}

fn admin() -> attest_engine::Actor {
    attest_engine::Actor::Administrator {
        name: "Settings Test".into(),
    }
}

/// Puts a file with `contents` into a file input and fires `change`, as choosing it does.
fn choose_file(input: &web_sys::Element, name: &str, contents: &str) {
    let choose = js_sys::Function::new_with_args(
        "input, name, contents",
        "const files = new DataTransfer();
         files.items.add(new File([contents], name, { type: 'application/json' }));
         input.files = files.files;
         input.dispatchEvent(new Event('change', { bubbles: true }));",
    );
    choose
        .call3(
            &JsValue::NULL,
            input,
            &JsValue::from_str(name),
            &JsValue::from_str(contents),
        )
        .expect("choose a file");
}

fn status_text(root: &web_sys::Element, id: &str) -> String {
    root.query_selector(&format!("#{id}"))
        .ok()
        .flatten()
        .map(|el| text(&el))
        .unwrap_or_default()
}

#[wasm_bindgen_test]
async fn settings_shows_storage_backup_sync_and_reset() {
    let app = mount_with("/settings", test_config(10));
    ready_runtime().await;
    for section in ["Storage", "Backup and restore", "Sync server", "Reset"] {
        wait_for(&format!("the {section} section"), || {
            find_by_text(&app.root, "h2", section)
        })
        .await;
    }
    let used = wait_for("the usage figure", || {
        let facts = app.root.query_selector(".settings-facts").ok().flatten()?;
        let t = text(&facts);
        (!t.contains("Checking")).then_some(t)
    })
    .await;
    assert!(
        used.contains("Used") && used.contains("Persistent storage"),
        "{used}"
    );
    assert!(button(&app.root, "Request persistent storage").is_some());
    assert!(button(&app.root, "Download backup").is_some());
    let input = control_by_label(&app.root, "Restore from file").expect("a labelled file input");
    assert_eq!(input.get_attribute("type").as_deref(), Some("file"));
}

#[wasm_bindgen_test]
async fn download_backup_reports_the_file() {
    let app = mount_with("/settings", test_config(10));
    ready_runtime().await;
    click(&wait_for("Download backup", || button(&app.root, "Download backup")).await);
    let said = wait_for("the backup outcome", || {
        let t = status_text(&app.root, "settings-download-outcome");
        (!t.is_empty()).then_some(t)
    })
    .await;
    assert!(said.starts_with("Backup saved as attest-backup-"), "{said}");
}

#[wasm_bindgen_test]
async fn a_damaged_file_is_refused_with_its_reason_and_nothing_changes() {
    let app = mount_with("/settings", test_config(10));
    let runtime = ready_runtime().await;
    let before = runtime.state.with_untracked(Clone::clone);
    let input = wait_for("the file input", || {
        control_by_label(&app.root, "Restore from file")
    })
    .await;
    choose_file(&input, "notes.json", r#"{"hello": "world"}"#);
    let said = wait_for("the refusal", || {
        let t = status_text(&app.root, "settings-restore-outcome");
        (!t.is_empty()).then_some(t)
    })
    .await;
    assert!(
        said.contains("not an Attest backup"),
        "says which check failed: {said}"
    );
    assert!(said.contains("Nothing was changed"), "{said}");
    assert!(
        button(&app.root, "Replace this browser's data with the backup").is_none(),
        "no way to restore it"
    );
    assert_eq!(runtime.state.with_untracked(Clone::clone), before);
}

#[wasm_bindgen_test]
async fn a_backup_is_restored_after_confirmation() {
    let app = mount_with("/settings", test_config(10));
    let runtime = ready_runtime().await;
    runtime
        .run_as(draft("in-backup"), admin(), None)
        .await
        .unwrap();
    let file = runtime.store().unwrap().backup().await.unwrap();
    let backed_up = runtime.state.with_untracked(Clone::clone);
    runtime
        .run_as(draft("after-backup"), admin(), None)
        .await
        .unwrap();

    let input = wait_for("the file input", || {
        control_by_label(&app.root, "Restore from file")
    })
    .await;
    choose_file(&input, "attest-backup.json", &file);
    let replace = wait_for("the confirmation", || {
        button(&app.root, "Replace this browser's data with the backup")
    })
    .await;
    assert!(
        runtime
            .state
            .with_untracked(|s| s.drafts.contains_key("after-backup")),
        "nothing changes before the confirmation"
    );
    click(&replace);
    let said = wait_for("the restore outcome", || {
        let t = status_text(&app.root, "settings-restore-outcome");
        (!t.is_empty()).then_some(t)
    })
    .await;
    assert!(said.starts_with("Restored"), "{said}");
    assert_eq!(runtime.state.with_untracked(Clone::clone), backed_up);
    let reopened = attest::store::Store::open(&runtime.store().unwrap().name)
        .await
        .unwrap();
    assert_eq!(
        reopened.load().await.unwrap(),
        backed_up,
        "restored durably"
    );
}

#[wasm_bindgen_test]
async fn reset_says_what_is_lost_then_loads_the_sample() {
    let app = mount_with("/settings", test_config(10));
    let runtime = ready_runtime().await;
    runtime
        .run_as(draft("to-lose"), admin(), None)
        .await
        .unwrap();
    click(
        &wait_for("Reset to sample tenant", || {
            button(&app.root, "Reset to sample tenant")
        })
        .await,
    );
    let question = wait_for("the confirmation", || {
        app.root
            .query_selector("#settings-reset-loss")
            .ok()
            .flatten()
    })
    .await;
    let loss = text(&question);
    assert!(
        loss.contains("10 users") && loss.contains("1 draft,"),
        "says what will be lost: {loss}"
    );
    assert!(
        runtime
            .state
            .with_untracked(|s| s.drafts.contains_key("to-lose")),
        "nothing is deleted yet"
    );
    click(&button(&app.root, "Delete everything and load the sample").expect("confirm button"));
    let said = wait_for("the reset outcome", || {
        let t = status_text(&app.root, "settings-reset-outcome");
        (!t.is_empty()).then_some(t)
    })
    .await;
    assert!(said.starts_with("Reset done"), "{said}");
    assert!(runtime.ready.get_untracked());
    runtime.state.with_untracked(|s| {
        assert!(s.drafts.is_empty(), "the draft is gone");
        assert_eq!(s.directory.users.len(), 10, "the sample tenant is back");
    });
}

/// The element that has keyboard focus, described for failure messages.
fn focused() -> String {
    crate::support::document()
        .active_element()
        .map(|el| format!("{} {:?} #{}", el.tag_name(), text(&el), el.id()))
        .unwrap_or_default()
}

async fn wait_focus(what: &str, expected: impl Fn(&web_sys::Element) -> bool) {
    wait_for(what, || {
        let active = crate::support::document().active_element()?;
        expected(&active).then_some(())
    })
    .await;
}

/// Focus never falls to the page body when a Settings control goes away: the reset
/// question's Cancel takes it, Cancel gives it back, a chosen restore file moves it to the
/// question's Cancel (or to the refusal), and Cancel returns it to the file input.
#[wasm_bindgen_test]
async fn settings_dialogs_keep_focus_where_the_person_is() {
    let app = mount_with("/settings", test_config(10));
    let runtime = ready_runtime().await;
    let reset = wait_for("Reset to sample tenant", || {
        button(&app.root, "Reset to sample tenant")
    })
    .await;
    click(&reset);
    wait_focus("focus on the reset question's Cancel", |el| {
        text(el) == "Cancel" && el.closest("[role='alertdialog']").ok().flatten().is_some()
    })
    .await;
    click(&crate::support::document().active_element().unwrap());
    wait_focus("focus back on Reset to sample tenant", |el| {
        text(el) == "Reset to sample tenant"
    })
    .await;

    let file = runtime.store().unwrap().backup().await.unwrap();
    let input = control_by_label(&app.root, "Restore from file").expect("the file input");
    choose_file(&input, "attest-backup.json", &file);
    wait_focus("focus on the restore question's Cancel", |el| {
        text(el) == "Cancel" && el.closest(".settings-confirm").ok().flatten().is_some()
    })
    .await;
    click(&crate::support::document().active_element().unwrap());
    wait_focus("focus back on the file input", |el| {
        el.id() == "settings-restore-file"
    })
    .await;

    choose_file(&input, "notes.json", r#"{"hello": "world"}"#);
    wait_focus("focus on the refusal", |el| {
        el.id() == "settings-restore-outcome"
    })
    .await;
    assert!(
        status_text(&app.root, "settings-restore-outcome").contains("Nothing was changed"),
        "{}",
        focused()
    );
}
