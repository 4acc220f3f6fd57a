//! Importing through the file picker: Graph JSON and CSV, refusals that name file, path or
//! byte and change nothing, progress, who may import, paged members, replacing the whole
//! directory.

use super::*;

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
