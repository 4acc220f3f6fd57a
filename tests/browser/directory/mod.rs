//! The Directory screen: tabs, search and filters over the list, the detail panel of a user,
//! and importing Graph JSON or CSV files through the file picker, with the report of what
//! came in or why nothing did.

use attest_engine::directory::{Principal, UserType};
use leptos::prelude::{Set, WithUntracked};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::Element;

use crate::support::*;

mod browse;
mod import;

/// Puts `files` on the `<input type=file>` the way choosing them does, and fires `change`.
pub(crate) fn choose_files(input: &Element, files: &[(&str, &str)]) {
    put_files(input, &file_list(files));
}

/// `files` (name, text) as the list a file picker gives.
pub(crate) fn file_list(files: &[(&str, &str)]) -> web_sys::FileList {
    let files: Vec<web_sys::File> = files
        .iter()
        .map(|(name, text)| {
            let parts = js_sys::Array::of1(&JsValue::from_str(text));
            web_sys::File::new_with_str_sequence(&parts, name).expect("File")
        })
        .collect();
    list_of(&files)
}

/// `files` as a `FileList`, the only way to put files on an `<input type=file>`.
fn list_of(files: &[web_sys::File]) -> web_sys::FileList {
    let transfer = web_sys::DataTransfer::new().expect("DataTransfer");
    let items = js_sys::Reflect::get(&transfer, &"items".into()).expect("items");
    let add: js_sys::Function = js_sys::Reflect::get(&items, &"add".into())
        .expect("add")
        .unchecked_into();
    for file in files {
        add.call1(&items, file).expect("add file");
    }
    transfer.files().expect("the files")
}

/// The message of a refused import, once it shows.
async fn import_error(app: &Mounted) -> String {
    let alert = wait_for("the error", || {
        app.root
            .query_selector(".import-failed[role='alert']")
            .ok()
            .flatten()
    })
    .await;
    text(&alert)
}

/// Puts `list` on the `<input type=file>` and fires `change`, as choosing the files does.
pub(crate) fn put_files(input: &Element, list: &web_sys::FileList) {
    let input = input
        .dyn_ref::<web_sys::HtmlInputElement>()
        .expect("an <input>");
    input.set_files(Some(list));
    fire(input, "change");
}

fn fire(target: &web_sys::EventTarget, kind: &str) {
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let event = web_sys::Event::new_with_event_init_dict(kind, &init).expect("event");
    target.dispatch_event(&event).expect("dispatch");
}

/// Types `value` into a text box (sets it and fires `input`).
fn type_into(input: &Element, value: &str) {
    let input = input
        .dyn_ref::<web_sys::HtmlInputElement>()
        .expect("an <input>");
    input.set_value(value);
    fire(input, "input");
}

/// Imports need the administrator: forget an identity an earlier test left in storage.
pub(crate) fn as_administrator() {
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage
        .remove_item(attest::ui::session::ACTING_AS_KEY)
        .unwrap();
}

pub(crate) async fn file_input(app: &Mounted) -> Element {
    wait_for("the Choose files control", || {
        control_by_label(&app.root, "Choose files")
    })
    .await
}

/// What the import says it is doing (reading, converting, checking, saving, the report).
pub(crate) const IMPORT_STATUS: &str = ".import-progress, .import-report";

/// Names in the list, in order.
fn listed(app: &Mounted) -> Vec<String> {
    all(&app.root, ".directory-table tbody th a")
        .iter()
        .map(text)
        .collect()
}

fn list_rows(app: &Mounted) -> Vec<Element> {
    all(&app.root, ".directory-table tbody tr")
}

fn graph_users(users: &[(&str, &str, &str)]) -> String {
    let items: Vec<String> = users
        .iter()
        .map(|(id, name, user_type)| {
            format!(
                r#"{{"id":"{id}","displayName":"{name}","userPrincipalName":"{id}@fabrikam.com","userType":"{user_type}","accountEnabled":true,"createdDateTime":"2024-01-02T09:00:00Z"}}"#
            )
        })
        .collect();
    format!(
        r#"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users","value":[{}]}}"#,
        items.join(",")
    )
}

pub(crate) fn report(app: &Mounted) -> Option<String> {
    app.root
        .query_selector(".import-report")
        .ok()
        .flatten()
        .map(|el| text(&el))
}
