//! The Directory screen: tabs, search and filters over the list, the detail panel of a user,
//! and importing Graph JSON or CSV files through the file picker, with the report of what
//! came in or why nothing did.

use attest_engine::directory::{Principal, UserType};
use leptos::prelude::{Set, WithUntracked};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::Element;

use crate::support::*;

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

#[wasm_bindgen_test]
async fn importing_a_graph_users_file_lists_the_new_users() {
    as_administrator();
    let app = mount_with("/directory", test_config(0));
    let runtime = ready_runtime().await;
    let input = file_input(&app).await;
    let file = graph_users(&[
        ("f-1", "Zoe Newcomer", "Member"),
        ("f-2", "Yann Visitor", "Guest"),
    ]);
    choose_files(&input, &[("fabrikam-users.json", &file)]);

    let done = wait_for("the import report", || report(&app)).await;
    assert!(done.starts_with("Imported 2 users;"), "{done}");
    assert!(
        done.contains("collections not in the files were kept"),
        "{done}"
    );
    assert!(done.contains("fabrikam-users.json"), "{done}");
    wait_for("the new users listed", || {
        (listed(&app) == ["Yann Visitor", "Zoe Newcomer"]).then_some(())
    })
    .await;
    assert_eq!(runtime.state.with_untracked(|s| s.directory.users.len()), 2);
    assert!(text(&app.root).contains("Showing 1\u{2013}2 of 2 users"));
}

#[wasm_bindgen_test]
async fn a_broken_file_names_file_and_path_and_changes_nothing() {
    as_administrator();
    let app = mount_at("/directory");
    let runtime = ready_runtime().await;
    let before = runtime.state.with_untracked(|s| s.directory.clone());
    let good = graph_users(&[("f-1", "Zoe Newcomer", "Member")]);
    let broken = good.replace(r#""accountEnabled":true"#, r#""accountEnabled":"yes""#);
    choose_files(&file_input(&app).await, &[("broken-users.json", &broken)]);

    let message = import_error(&app).await;
    assert!(message.contains("broken-users.json"), "{message}");
    assert!(message.contains("$.value[0].accountEnabled"), "{message}");
    assert!(
        message.contains("Nothing was imported; the directory is unchanged."),
        "{message}"
    );
    assert_eq!(
        runtime.state.with_untracked(|s| s.directory.clone()),
        before
    );
    assert!(!listed(&app).contains(&"Zoe Newcomer".to_string()));
}

/// A file that is not UTF-8 (here a Latin-1 "é" in a name) is refused with the byte, not
/// imported with the letter silently replaced.
#[wasm_bindgen_test]
async fn a_file_that_is_not_utf8_is_refused_with_the_byte() {
    as_administrator();
    let app = mount_at("/directory");
    let runtime = ready_runtime().await;
    let before = runtime.state.with_untracked(|s| s.directory.clone());
    let mut bytes = graph_users(&[("f-1", "Zoe Newcomer", "Member")]).into_bytes();
    let at = bytes.windows(3).position(|w| w == b"Zoe").unwrap() + 1;
    bytes[at] = 0xE9;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(&bytes[..]));
    let file = web_sys::File::new_with_u8_array_sequence(&parts, "latin1-users.json").unwrap();
    put_files(&file_input(&app).await, &list_of(&[file]));

    let message = import_error(&app).await;
    assert!(
        message.contains(&format!(
            "Could not read latin1-users.json: it is not UTF-8 text (byte {at} is not valid UTF-8)"
        )),
        "{message}"
    );
    assert_eq!(
        runtime.state.with_untracked(|s| s.directory.clone()),
        before
    );
}

#[wasm_bindgen_test]
async fn a_csv_users_file_imports() {
    as_administrator();
    let app = mount_with("/directory", test_config(0));
    let runtime = ready_runtime().await;
    let csv = "id,displayName,userPrincipalName,userType,accountEnabled,createdDateTime,lastSignInDateTime,department,managerId\r\n\
               c-1,Ada Lovelace,ada@fabrikam.com,Member,true,2024-01-02,,Engineering,\r\n\
               c-2,\"Hopper, Grace\",grace@fabrikam.com,Member,true,2024-01-02,2024-05-01,Engineering,c-1\r\n";
    choose_files(&file_input(&app).await, &[("users.csv", csv)]);

    let done = wait_for("the import report", || report(&app)).await;
    assert!(done.starts_with("Imported 2 users"), "{done}");
    wait_for("the CSV users listed", || {
        (listed(&app) == ["Ada Lovelace", "Hopper, Grace"]).then_some(())
    })
    .await;
    let manager = runtime
        .state
        .with_untracked(|s| s.directory.users["c-2"].manager.clone());
    assert_eq!(manager.as_deref(), Some("c-1"));
}

#[wasm_bindgen_test]
async fn an_exported_bundle_imports_back() {
    let source = attest_engine::sample::sample_tenant(&attest_engine::sample::SampleConfig {
        users: 120,
        seed: 3,
        now: chrono::Utc::now(),
    });
    let bundle = attest_engine::import::bundle_files(&attest_engine::import::export_graph(&source));
    as_administrator();
    let app = mount_with("/directory", test_config(0));
    let runtime = ready_runtime().await;
    choose_files(
        &file_input(&app).await,
        &[("attest-directory.json", &bundle)],
    );
    let done = wait_for("the import report", || report(&app)).await;
    assert!(done.starts_with("Imported 120 users, "), "{done}");
    assert!(
        !done.contains("were kept"),
        "every collection was in the bundle: {done}"
    );
    assert_eq!(
        runtime.state.with_untracked(|s| s.directory.clone()),
        source
    );
}

/// The progress bar moves while a larger file imports: it shows more than one value (every
/// value is seen through DOM changes, so this does not depend on how fast the machine is).
#[wasm_bindgen_test]
async fn the_progress_bar_moves_while_a_larger_file_imports() {
    let source = attest_engine::sample::sample_tenant(&attest_engine::sample::SampleConfig {
        users: 1_500,
        seed: 9,
        now: chrono::Utc::now(),
    });
    let bundle = attest_engine::import::bundle_files(&attest_engine::import::export_graph(&source));
    as_administrator();
    let app = mount_with("/directory", test_config(0));
    ready_runtime().await;
    let input = file_input(&app).await;
    let watch = PageWatch::start("Import progress", IMPORT_STATUS);
    choose_files(&input, &[("attest-directory.json", &bundle)]);
    let done = wait_for("the import report", || report(&app)).await;
    let seen = watch.stop();
    assert!(done.starts_with("Imported 1,500 users, "), "{done}");
    assert!(
        seen.progress_values > 1,
        "the progress bar showed {} value(s)",
        seen.progress_values
    );
}

/// A reviewer identity gets no import screen (the Directory is an administrator's area),
/// and the engine refuses the import command itself to anyone but an administrator.
#[wasm_bindgen_test]
async fn only_an_administrator_can_import() {
    as_administrator();
    let app = mount_with("/directory", test_config(0));
    let runtime = ready_runtime().await;
    file_input(&app).await;
    let reviewer = attest_engine::Actor::User {
        id: "someone".into(),
    };
    runtime.acting_as.set(reviewer.clone());
    wait_for("the refusal", || {
        text(&app.root)
            .contains("Not available to reviewers")
            .then_some(())
    })
    .await;
    assert!(control_by_label(&app.root, "Choose files").is_none());
    let mut directory = attest_engine::Directory::default();
    let user = attest_engine::import::import_graph(
        &directory,
        &[(
            "users.json".into(),
            graph_users(&[("f-1", "Zoe Newcomer", "Member")]),
        )],
    )
    .expect("a valid users file");
    directory.users = user.users;
    let refused = runtime
        .run_as(
            attest_engine::command::Command::ImportDirectory {
                directory: Box::new(directory),
                source: "users.json".into(),
            },
            reviewer,
            None,
        )
        .await
        .expect_err("a reviewer may not import");
    assert!(
        refused
            .to_string()
            .contains("only a review administrator can import the directory"),
        "{refused}"
    );
    assert_eq!(runtime.state.with_untracked(|s| s.directory.users.len()), 0);
    drop(app);
    as_administrator();
}

/// The ids of the listed rows, from their links (`…&id=u-000123`), in order.
fn listed_ids(app: &Mounted) -> Vec<String> {
    all(&app.root, ".directory-table tbody th a")
        .iter()
        .filter_map(|a| a.get_attribute("href"))
        .filter_map(|href| {
            let id = href.split("id=").nth(1)?;
            Some(id.split('&').next()?.to_string())
        })
        .collect()
}

/// Only the page shown is sorted (a selection finds its rows); paging through Users must
/// still show every user exactly once, by name and, for equal names, by id.
#[wasm_bindgen_test]
async fn paging_through_users_shows_each_user_once_in_name_order() {
    as_administrator();
    let app = mount_with("/directory", test_config(260));
    let runtime = ready_runtime().await;
    let expected: Vec<String> = runtime.state.with_untracked(|s| {
        let mut users: Vec<(String, String)> = s
            .directory
            .users
            .values()
            .map(|u| (u.display_name.clone(), u.id.clone()))
            .collect();
        users.sort();
        users.into_iter().map(|(_, id)| id).collect()
    });
    assert!(expected.len() > 100, "more than two pages of users");
    let mut seen: Vec<String> = Vec::new();
    loop {
        let previous = seen.last().cloned();
        let page = wait_for("the next page of users", || {
            let ids = listed_ids(&app);
            let fresh = !ids.is_empty() && previous.as_ref().is_none_or(|p| !ids.contains(p));
            fresh.then_some(ids)
        })
        .await;
        seen.extend(page);
        match link(&app.root, "Next") {
            Some(next) => click(&next),
            None => break,
        }
    }
    assert_eq!(seen, expected);
}

#[wasm_bindgen_test]
async fn search_filters_the_list_and_is_kept_in_the_url() {
    as_administrator();
    let app = mount_at("/directory");
    let runtime = ready_runtime().await;
    let search = wait_for("the search box", || {
        control_by_label(&app.root, "Search users")
    })
    .await;
    wait_for("the users listed", || {
        (listed(&app).len() == 50).then_some(())
    })
    .await;
    let (name, expected) = runtime.state.with_untracked(|s| {
        let name = s
            .directory
            .users
            .values()
            .nth(7)
            .unwrap()
            .display_name
            .clone();
        let needle = name.split(' ').next().unwrap().to_lowercase();
        let expected = s
            .directory
            .users
            .values()
            .filter(|u| {
                u.display_name.to_lowercase().contains(&needle)
                    || u.user_principal_name.to_lowercase().contains(&needle)
            })
            .count();
        (needle, expected)
    });
    type_into(&search, &name);
    wait_for("the list to narrow", || {
        (listed(&app).len() == expected).then_some(())
    })
    .await;
    assert!(expected < 50, "the search narrows the list");
    for shown in listed(&app) {
        let upn = runtime.state.with_untracked(|s| {
            s.directory
                .users
                .values()
                .find(|u| u.display_name == shown)
                .map(|u| u.user_principal_name.to_lowercase())
        });
        assert!(
            shown.to_lowercase().contains(&name) || upn.unwrap().contains(&name),
            "{shown} matches {name}"
        );
    }
    let search_in_url = web_sys::window().unwrap().location().search().unwrap();
    assert!(
        search_in_url.contains(&format!("q={name}")),
        "{search_in_url}"
    );
}

#[wasm_bindgen_test]
async fn the_guests_filter_shows_only_guests() {
    as_administrator();
    let app = mount_at("/directory");
    let runtime = ready_runtime().await;
    wait_for("the users listed", || {
        (listed(&app).len() == 50).then_some(())
    })
    .await;
    let guests = runtime.state.with_untracked(|s| {
        s.directory
            .users
            .values()
            .filter(|u| u.user_type == UserType::Guest)
            .count()
    });
    assert!(guests > 0 && guests < 50, "the sample has some guests");
    let filter = wait_for("the Guests filter", || {
        control_by_label(&app.root, "Guests")
    })
    .await;
    click(&filter);
    wait_for("only guests", || {
        (listed(&app).len() == guests).then_some(())
    })
    .await;
    for row in list_rows(&app) {
        assert!(text(&row).contains("Guest"), "{}", text(&row));
    }
    assert!(web_sys::window()
        .unwrap()
        .location()
        .search()
        .unwrap()
        .contains("filter=guests"));
}

#[wasm_bindgen_test]
async fn selecting_a_user_shows_manager_chain_and_groups() {
    as_administrator();
    let app = mount_at("/directory");
    let runtime = ready_runtime().await;
    let (id, name, chain, group) = runtime.state.with_untracked(|s| {
        let dir = &s.directory;
        dir.users
            .values()
            .find_map(|u| {
                let chain = dir.manager_chain(&u.id);
                let group = dir
                    .groups
                    .values()
                    .find(|g| g.members.contains(&Principal::User(u.id.clone())))?;
                (chain.len() >= 2).then(|| {
                    let names: Vec<String> = chain
                        .iter()
                        .map(|m| dir.display_name(m).to_string())
                        .collect();
                    (
                        u.id.clone(),
                        u.display_name.clone(),
                        names,
                        group.display_name.clone(),
                    )
                })
            })
            .expect("a user with a two-level manager chain and a group")
    });
    let search = wait_for("the search box", || {
        control_by_label(&app.root, "Search users")
    })
    .await;
    type_into(&search, &id);
    let user_link = wait_for("the user's row", || {
        link(
            &app.root.query_selector(".directory-table").unwrap()?,
            &name,
        )
    })
    .await;
    click(&user_link);

    let detail = wait_for("the detail panel", || {
        let panel = app.root.query_selector("[aria-label='Details']").ok()??;
        find_by_text(&panel, "h2", &name).map(|_| panel)
    })
    .await;
    let shown_chain: Vec<String> = all(&detail, "ol[aria-label='Manager chain'] a")
        .iter()
        .map(text)
        .collect();
    assert_eq!(shown_chain, chain);
    assert!(
        link(&detail, &group).is_some(),
        "group {group} listed in {}",
        text(&detail)
    );
    assert!(web_sys::window()
        .unwrap()
        .location()
        .search()
        .unwrap()
        .contains(&format!("id={id}")));

    // The manager is a link that selects them.
    click(&link(&detail, &chain[0]).unwrap());
    wait_for("the manager's details", || {
        find_by_text(&detail, "h2", &chain[0])
    })
    .await;
}

#[wasm_bindgen_test]
async fn arrow_keys_move_between_tabs() {
    as_administrator();
    let app = mount_at("/directory");
    ready_runtime().await;
    let users = wait_for("the Users tab", || {
        find_by_text(&app.root, "[role='tab']", "Users")
    })
    .await;
    assert_eq!(
        users.get_attribute("aria-selected").as_deref(),
        Some("true")
    );
    users.dispatch_event(&key_down("ArrowRight")).unwrap();
    let groups = find_by_text(&app.root, "[role='tab']", "Groups").unwrap();
    wait_for("Groups selected", || {
        (groups.get_attribute("aria-selected").as_deref() == Some("true")).then_some(())
    })
    .await;
    assert_eq!(document().active_element().as_ref(), Some(&groups));
    assert!(web_sys::window()
        .unwrap()
        .location()
        .search()
        .unwrap()
        .contains("tab=groups"));
    wait_for("the group search box", || {
        control_by_label(&app.root, "Search groups")
    })
    .await;
    let runtime = attest::runtime::current_runtime().unwrap();
    let first_group = runtime.state.with_untracked(|s| {
        s.directory
            .groups
            .values()
            .map(|g| g.display_name.clone())
            .min()
            .unwrap()
    });
    wait_for("groups listed", || {
        (listed(&app).first() == Some(&first_group)).then_some(())
    })
    .await;

    groups.dispatch_event(&key_down("End")).unwrap();
    let packages = find_by_text(&app.root, "[role='tab']", "Access packages").unwrap();
    wait_for("Access packages selected", || {
        (packages.get_attribute("aria-selected").as_deref() == Some("true")).then_some(())
    })
    .await;
}

/// A `keydown` of `key` that bubbles, as a key press on the focused element sends.
fn key_down(key: &str) -> web_sys::Event {
    let init = js_sys::Object::new();
    js_sys::Reflect::set(&init, &"key".into(), &key.into()).unwrap();
    js_sys::Reflect::set(&init, &"bubbles".into(), &true.into()).unwrap();
    let constructor: js_sys::Function =
        js_sys::Reflect::get(&web_sys::window().unwrap(), &"KeyboardEvent".into())
            .unwrap()
            .unchecked_into();
    js_sys::Reflect::construct(&constructor, &js_sys::Array::of2(&"keydown".into(), &init))
        .unwrap()
        .unchecked_into()
}

#[wasm_bindgen_test]
async fn a_deep_link_opens_tab_search_and_selection() {
    let app = mount_at("/directory?tab=users&q=zz-no-such-user");
    ready_runtime().await;
    wait_for("nothing matches", || {
        text(&app.root).contains("No users match.").then_some(())
    })
    .await;
    let search = control_by_label(&app.root, "Search users").unwrap();
    assert_eq!(
        search
            .dyn_ref::<web_sys::HtmlInputElement>()
            .unwrap()
            .value(),
        "zz-no-such-user"
    );
    drop(app);

    let app = mount_at("/directory?tab=groups&id=no-such-group");
    ready_runtime().await;
    wait_for("the unknown group named", || {
        text(&app.root)
            .contains("There is no group with id \u{201c}no-such-group\u{201d}")
            .then_some(())
    })
    .await;
}

/// One page of `GET /groups/{id}/members` (context `directoryObjects`); all but the last
/// carry the `@odata.nextLink` Graph gives for the next page.
fn members_page(ids: &[&str], next: Option<&str>) -> String {
    let items: Vec<String> = ids
        .iter()
        .map(|id| format!(r##"{{"@odata.type":"#microsoft.graph.user","id":"{id}"}}"##))
        .collect();
    let next = next.map_or(String::new(), |n| {
        format!(r#""@odata.nextLink":"https://graph.microsoft.com/v1.0/groups/grp-big/members?$skiptoken={n}","#)
    });
    format!(
        r#"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#directoryObjects",{next}"value":[{}]}}"#,
        items.join(",")
    )
}

#[wasm_bindgen_test]
async fn a_group_whose_members_come_in_three_pages_imports_whole() {
    as_administrator();
    let app = mount_with("/directory", test_config(0));
    let runtime = ready_runtime().await;
    let input = file_input(&app).await;
    let users = graph_users(&[
        ("p-1", "Ada One", "Member"),
        ("p-2", "Ben Two", "Member"),
        ("p-3", "Cy Three", "Member"),
        ("p-4", "Di Four", "Guest"),
        ("p-5", "Ed Five", "Member"),
    ]);
    // Listed without members (as a plain /groups list is), plus a distribution list.
    let groups = r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#groups","value":[
        {"id":"grp-big","displayName":"Big group","groupTypes":[],"mailEnabled":false,"securityEnabled":true},
        {"id":"grp-dl","displayName":"Newsletter","groupTypes":[],"mailEnabled":true,"securityEnabled":false}]}"#;
    let (p1, p2, p3) = (
        members_page(&["p-1", "p-2"], Some("A")),
        members_page(&["p-3", "p-4"], Some("B")),
        members_page(&["p-5"], None),
    );
    // Chosen in any order: the pages are read by name, page 1 first.
    choose_files(
        &input,
        &[
            ("members-3.json", &p3),
            ("groups.json", groups),
            ("members-1.json", &p1),
            ("users.json", &users),
            ("members-2.json", &p2),
        ],
    );
    let done = wait_for("the import report", || report(&app)).await;
    assert!(done.starts_with("Imported 5 users and 1 group"), "{done}");
    assert!(
        done.contains("\"Newsletter\" is a distribution list"),
        "the left-out list is said: {done}"
    );
    let members = runtime
        .state
        .with_untracked(|s| s.directory.groups["grp-big"].members.clone());
    assert_eq!(
        members,
        ["p-1", "p-2", "p-3", "p-4", "p-5"]
            .iter()
            .map(|id| Principal::User(id.to_string()))
            .collect::<Vec<_>>()
    );
    assert!(runtime
        .state
        .with_untracked(|s| !s.directory.groups.contains_key("grp-dl")));
}

/// The first real import over the sample: kept, the sample's groups still name sample users
/// and the files are refused (with the way out named); "Replace the whole directory" shows
/// what is there now and after, and replaces it only when confirmed.
#[wasm_bindgen_test]
async fn replacing_the_whole_directory_with_a_graph_import() {
    as_administrator();
    let app = mount_with("/directory", test_config(50));
    let runtime = ready_runtime().await;
    let (users_before, groups_before) = runtime
        .state
        .with_untracked(|s| (s.directory.users.len(), s.directory.groups.len()));
    assert!(groups_before > 0, "the sample has groups");
    let file = graph_users(&[
        ("f-1", "Zoe Newcomer", "Member"),
        ("f-2", "Yann Visitor", "Guest"),
    ]);
    let input = file_input(&app).await;
    choose_files(&input, &[("tenant-users.json", &file)]);
    let refused = import_error(&app).await;
    assert!(
        refused.contains("no longer exists after this import"),
        "{refused}"
    );
    assert!(
        refused.contains("Replace the whole directory"),
        "names the way out: {refused}"
    );

    click(&control_by_label(&app.root, "Replace the whole directory: remove them, e.g. the sample tenant's applications, roles and access packages").expect("the replace choice"));
    choose_files(&input, &[("tenant-users.json", &file)]);
    let question = wait_for("the confirmation", || {
        app.root.query_selector(".import-confirm").ok().flatten()
    })
    .await;
    let rows: Vec<Vec<String>> = all(&question, "tbody tr")
        .iter()
        .map(|row| all(row, "th, td").iter().map(text).collect())
        .collect();
    assert_eq!(
        rows[0],
        ["Users".to_string(), users_before.to_string(), "2".into()]
    );
    assert_eq!(
        rows[1],
        ["Groups".to_string(), groups_before.to_string(), "0".into()]
    );
    wait_for("focus on Cancel", || {
        (document().active_element()?.id() == "import-confirm-cancel").then_some(())
    })
    .await;
    assert_eq!(
        runtime.state.with_untracked(|s| s.directory.users.len()),
        users_before,
        "nothing changes before the confirmation"
    );
    click(&button(&question, "Replace the directory").expect("the confirm button"));
    let done = wait_for("the import report", || {
        report(&app).filter(|t| !t.starts_with("Replace the whole directory"))
    })
    .await;
    assert!(
        done.starts_with("Imported 2 users; the directory was replaced"),
        "{done}"
    );
    runtime.state.with_untracked(|s| {
        assert_eq!(s.directory.users.len(), 2);
        assert!(s.directory.groups.is_empty() && s.directory.applications.is_empty());
    });
}
