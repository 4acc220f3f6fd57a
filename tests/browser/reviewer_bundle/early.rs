//! A mail link's first answers: reviewer.html's first script asks for them while the app
//! downloads (`window.__attestLink`); the first view draws from a copy, the app takes them
//! only for its own link and server, and a first visit shows the server's view while the
//! store opens.

use super::*;

/// A mail link's token, from its path.
fn token_of(path: &str) -> String {
    path.split("#token=").nth(1).expect("a token").to_string()
}

/// `window.__attestLink` as reviewer.html's first script leaves it: the server and token it
/// asked with and the two answers' promises.
fn as_the_page_asked(server: &str, token: &str, me: js_sys::Promise, records: js_sys::Promise) {
    let asked = js_sys::Object::new();
    for (key, value) in [
        ("server", wasm_bindgen::JsValue::from_str(server)),
        ("token", token.into()),
        ("me", me.into()),
        ("records", records.into()),
    ] {
        js_sys::Reflect::set(&asked, &key.into(), &value).unwrap();
    }
    js_sys::Reflect::set(&web_sys::window().unwrap(), &"__attestLink".into(), &asked).unwrap();
}

/// As reviewer.html's first script does: both requests sent to `server` with the link's
/// `token` (the reviewer's page in `page_type`, when given), left in `window.__attestLink`.
fn ask_as_the_page(server: &str, token: &str, page_type: Option<&str>) {
    let window = web_sys::window().unwrap();
    let get = |path: &str, accept: Option<&str>| {
        let init = web_sys::RequestInit::new();
        let headers = web_sys::Headers::new().unwrap();
        headers
            .set("Authorization", &format!("Bearer {token}"))
            .unwrap();
        if let Some(accept) = accept {
            headers.set("Accept", accept).unwrap();
        }
        init.set_headers(&headers);
        window.fetch_with_str_and_init(&format!("{server}{path}"), &init)
    };
    as_the_page_asked(
        server,
        token,
        get("/api/v1/me", None),
        get("/api/v1/reviewer/records", page_type),
    );
}

/// reviewer.html's first script asks for a mail link's first answers while the app downloads
/// (`window.__attestLink`). The app takes them only when they were asked of this link's
/// server with this link's token; otherwise it asks itself. Each case's page answer is a
/// refusal, so a taken answer shows as the round's error before the next round recovers.
#[wasm_bindgen_test]
async fn the_pages_early_answers_are_used_only_for_the_same_link_and_server() {
    let (Some(server), Some(secret)) = (OWN_SERVER.or(SERVER), SECRET) else {
        web_sys::console::warn_1(&"early answers test not run: no server".into());
        return;
    };
    let linked = administrator_with_a_review_link(server, secret, 20).await;
    let token = token_of(&linked.path);
    let other_token = "ab".repeat(32);
    let refused = "answered by the page";
    // (server the page asked, token it asked with, taken?)
    let cases = [
        (server, token.as_str(), true),
        (server, other_token.as_str(), false),
        ("http://127.0.0.1:9", token.as_str(), false),
    ];
    for (asked_server, asked_token, taken) in cases {
        let case = format!("asked {asked_server} with token {}…", &asked_token[..6]);
        let window = web_sys::window().unwrap();
        let answer = || {
            let constructor = js_sys::Reflect::get(&window, &"Response".into()).unwrap();
            let init = js_sys::Object::new();
            js_sys::Reflect::set(&init, &"status".into(), &401.into()).unwrap();
            let body = format!(r#"{{"error":"invalidToken","message":"{refused}"}}"#);
            let args = js_sys::Array::of2(&body.into(), &init);
            let response =
                js_sys::Reflect::construct(constructor.unchecked_ref::<js_sys::Function>(), &args)
                    .unwrap();
            js_sys::Promise::resolve(&response)
        };
        as_the_page_asked(asked_server, asked_token, answer(), answer());

        let config = test_config(0);
        remember_server(&config.database, server);
        let app = mount_reviewer_bundle(&linked.path, config);
        let root: Element = app.root.clone().into();
        let sync = attest::sync::current_sync().expect("the reviewer bundle's sync");
        let mut saw_refusal = false;
        eventually(&format!("the reviewer's rows ({case})"), || {
            if let attest::sync::SyncStatus::Error(e) = sync.status.get_untracked() {
                saw_refusal |= e.contains(refused);
            }
            all(&root, "[role='listitem']").into_iter().next()
        })
        .await;
        assert_eq!(saw_refusal, taken, "{case}: the page's answer taken");
        assert!(
            js_sys::Reflect::get(&window, &"__attestLink".into())
                .unwrap()
                .is_undefined(),
            "{case}: the page's requests are taken once, used or not"
        );
        drop(app);
    }
    drop(linked.admin_app);
}

/// A link opened for the first time in this browser shows the server's view while the store
/// is still opening (`Runtime::preview`); once loaded, what the page shows is exactly the fold
/// of what was stored, and opening the link again shows the stored data, never a preview.
#[wasm_bindgen_test]
async fn a_first_visits_early_view_is_what_gets_stored_and_a_second_visit_shows_the_store() {
    let (Some(server), Some(secret)) = (OWN_SERVER.or(SERVER), SECRET) else {
        web_sys::console::warn_1(&"early view test not run: no server".into());
        return;
    };
    let linked = administrator_with_a_review_link(server, secret, 20).await;
    let token = token_of(&linked.path);
    let config = test_config(0);
    remember_server(&config.database, server);
    for visit in ["first", "second"] {
        // As reviewer.html's first script does: both requests already answered at mount.
        ask_as_the_page(server, &token, None);
        let app = mount_reviewer_bundle(&linked.path, config.clone());
        let root: Element = app.root.clone().into();
        let runtime = attest::runtime::current_runtime().expect("the reviewer bundle's runtime");
        let sync = attest::sync::current_sync().expect("the reviewer bundle's sync");
        let mut previewed = false;
        eventually(
            &format!("the {visit} visit's rows, then the stored data"),
            || {
                previewed |= runtime.previewing.get_untracked();
                let rows = !all(&root, "[role='listitem']").is_empty();
                let synced = sync.status.get_untracked() == attest::sync::SyncStatus::Synced;
                (rows && runtime.ready.get_untracked() && synced).then_some(())
            },
        )
        .await;
        if visit == "second" {
            assert!(
                !previewed,
                "a second visit shows what is stored, not a preview"
            );
        }
        assert!(
            !runtime.previewing.get_untracked(),
            "{visit}: no preview once loaded"
        );
        let store = runtime.store().expect("the link's store");
        let stored = store.replay_log().await.expect("the stored log replays");
        assert!(
            runtime.state.with_untracked(|s| *s == stored),
            "{visit}: the page shows exactly the fold of the stored log"
        );
        assert!(
            sync.settings.with_untracked(|s| s.link_pulled),
            "{visit}: the link's view is marked stored"
        );
        drop(app);
    }
    drop(linked.admin_app);
}

/// A mail link's first view: drawn from the answer reviewer.html's first script asked for
/// while the app's own part downloads, it shows the review and the reviewer's first rows
/// (sorted by name, as the page sorts them) with the decision buttons not yet usable. When
/// the app's reviewer page is ready the first view goes, and the app has read the same
/// answer (the first view reads a copy): its sync takes it and stores the link's view.
#[wasm_bindgen_test]
async fn a_mail_links_first_view_shows_the_rows_until_the_apps_page_takes_over() {
    let (Some(server), Some(secret)) = (OWN_SERVER.or(SERVER), SECRET) else {
        web_sys::console::warn_1(&"first view test not run: no server".into());
        return;
    };
    let linked = administrator_with_a_review_link(server, secret, 20).await;
    let token = token_of(&linked.path);
    ask_as_the_page(
        server,
        &token,
        Some(attest_engine::snapshot::REVIEWER_PAGE_TYPE),
    );
    // What the reviewer may see, by the engine, from the administrator's side.
    let expected = linked.admin.state.with_untracked(|s| {
        let view = attest_engine::view::reviewer_view(s, &linked.instance, 0, &linked.reviewer)
            .expect("the reviewer's view");
        let mut names: Vec<String> = view.rows.iter().map(|r| r.user_name.clone()).collect();
        names.sort();
        (view.review_name.clone(), names)
    });
    set_path(&linked.path);
    attest::ui::reviewer::first_view::start();
    let body = crate::support::document().body().unwrap();
    let first: Element = eventually("the first view", || {
        body.query_selector(".first-view-root").ok().flatten()
    })
    .await;
    assert!(
        body.class_list().contains("first-view"),
        "the app is hidden beside it"
    );
    assert!(
        heading(&first, &expected.0).is_some(),
        "the review's name: {}",
        text(&first)
    );
    let names: Vec<String> = all(&first, "[role='listitem'] .rv-name")
        .iter()
        .map(|e| text(e).trim().to_string())
        .collect();
    assert!(!names.is_empty(), "the first view has rows");
    assert_eq!(names, expected.1[..names.len()], "the first rows, by name");
    let buttons = all(&first, "[role='listitem'] button");
    assert_eq!(buttons.len(), names.len() * 4, "four buttons a row");
    assert!(
        buttons.iter().all(|b| b.has_attribute("disabled")),
        "no decision before the app is ready"
    );
    assert!(text(&first).contains("Getting the decision buttons ready"));

    let config = test_config(0);
    remember_server(&config.database, server);
    let app = mount_reviewer_bundle(&linked.path, config);
    let root: Element = app.root.clone().into();
    let sync = attest::sync::current_sync().expect("the reviewer bundle's sync");
    eventually("the app's page instead of the first view", || {
        let rows = !all(&root, "[role='listitem'] button:not([disabled])").is_empty();
        let gone = body
            .query_selector(".first-view-root")
            .ok()
            .flatten()
            .is_none();
        (rows && gone).then_some(())
    })
    .await;
    assert!(!body.class_list().contains("first-view"));
    eventually("the link's view stored", || {
        (sync.status.get_untracked() == attest::sync::SyncStatus::Synced).then_some(())
    })
    .await;
    assert!(
        js_sys::Reflect::get(&web_sys::window().unwrap(), &"__attestLink".into())
            .unwrap()
            .is_undefined(),
        "the app took the page's answers"
    );
    drop(app);
    drop(linked.admin_app);
}
