//! My access reviews and the deep links of notifications: each opens the right reviewer
//! page.

use super::*;

#[wasm_bindgen_test]
async fn my_reviews_lists_open_stages_with_a_link_that_opens_the_reviewer_page() {
    let config = test_config(50);
    let now = chrono::Utc::now();
    let (app, rt, instance) = with_review(
        &config,
        definition(
            "mine",
            "g-it-local-admin",
            vec![stage(selected("u-000002"))],
            now,
        ),
    )
    .await;
    let count = items_of(&rt, &instance, 0, "u-000002").len();
    assert!(count > 3, "the reviewer has items");
    drop(app);
    let app = mount_with("/my-reviews", config);
    let rt = ready_runtime().await;
    rt.acting_as.set(Actor::User {
        id: "u-000002".into(),
    });
    let link = wait_for("the review link", || {
        link(&app.root, "Membership of g-it-local-admin")
    })
    .await;
    let row = link.closest("tr").unwrap().unwrap();
    assert!(
        text(&row).contains(&format!("{count} of {count} undecided")),
        "{}",
        text(&row)
    );
    assert!(text(&row).contains("Stage 1 of 1"));
    assert_eq!(
        link.get_attribute("href").unwrap(),
        reviewer_link(&instance, 0, "u-000002")
    );
    click(&link);
    wait_for("the reviewer page", || {
        heading(&app.root, "Membership of g-it-local-admin")
    })
    .await;
    wait_shown(&app, count).await;
    assert!(text(&page(&app)).contains(&format!("0 of {count} reviewed")));
}

/// The reviewer bundle keeps its own address (no router): its links between My access
/// reviews and the reviewer page open without loading a page, and the browser's Back
/// button returns.
#[wasm_bindgen_test]
async fn in_the_reviewer_bundle_my_reviews_links_to_the_reviewer_page_and_back_returns() {
    let config = test_config(50);
    let now = chrono::Utc::now();
    let (app, rt, instance) = with_review(
        &config,
        definition(
            "bundle",
            "g-it-local-admin",
            vec![stage(selected("u-000002"))],
            now,
        ),
    )
    .await;
    let count = items_of(&rt, &instance, 0, "u-000002").len();
    drop(app);
    let handed = crate::reviewer_bundle::collect_hand_overs();
    let app = crate::reviewer_bundle::mount_reviewer_bundle("/my-reviews", config);
    let rt = ready_runtime().await;
    rt.acting_as.set(Actor::User {
        id: "u-000002".into(),
    });
    let root: Element = app.root.clone().into();
    let review = wait_for("the review link", || {
        link(&root, "Membership of g-it-local-admin")
    })
    .await;
    let nav = find_by_text(&root, ".primary-nav a", "My access reviews").expect("the nav entry");
    assert_eq!(nav.get_attribute("aria-current").as_deref(), Some("page"));
    click(&review);
    wait_for("the reviewer page", || {
        heading(&root, "Membership of g-it-local-admin")
    })
    .await;
    let rows = wait_for("the reviewer's rows", || {
        let rows = all(&root, "[role='listitem']");
        (!rows.is_empty()).then_some(rows)
    })
    .await;
    assert!(rows.len() <= count);
    let opened = reviewer_link(&instance, 0, "u-000002");
    let query = web_sys::window().unwrap().location().search().unwrap();
    assert_eq!(format!("{}{query}", current_path()), opened);
    let nav = find_by_text(&root, ".primary-nav a", "My access reviews").expect("the nav entry");
    assert_eq!(
        nav.get_attribute("aria-current").as_deref(),
        Some("page"),
        "the reviewer page is under My access reviews"
    );

    web_sys::window()
        .unwrap()
        .history()
        .unwrap()
        .back()
        .unwrap();
    wait_for("My access reviews again", || {
        link(&root, "Membership of g-it-local-admin")
    })
    .await;
    assert_eq!(current_path(), "/my-reviews");
    assert!(heading(&root, "Membership of g-it-local-admin").is_none());
    assert_eq!(*handed.borrow(), Vec::<String>::new(), "no page was loaded");
}

#[wasm_bindgen_test]
async fn a_deep_link_acts_as_its_reviewer_and_decides() {
    let config = test_config(50);
    let now = chrono::Utc::now();
    let (app, rt, instance) = with_review(
        &config,
        definition(
            "deep",
            "g-it-local-admin",
            vec![stage(selected("u-000002"))],
            now,
        ),
    )
    .await;
    let mine = items_of(&rt, &instance, 0, "u-000002");
    let reviewer_name = rt
        .state
        .with_untracked(|s| s.directory.display_name("u-000002").to_string());
    drop(app);

    fresh_browser();
    let app = mount_with(&reviewer_link(&instance, 0, "u-000002"), config);
    let rt = ready_runtime().await;
    let notice = wait_for("the identity notice", || {
        all(&app.root, "[role='status']")
            .into_iter()
            .find(|e| text(e).contains("acting as"))
    })
    .await;
    assert_eq!(
        text(&notice),
        format!("You are now acting as {reviewer_name}, the reviewer this link was sent to.")
    );
    assert_eq!(
        rt.acting_as.get_untracked(),
        Actor::User {
            id: "u-000002".into()
        }
    );
    wait_shown(&app, mine.len()).await;

    let (item, name) = &row_item(&rendered_rows(&app)[0]);
    assert!(mine.iter().any(|(i, _)| i == item));
    click(&by_label(&app, &format!("Deny {name}")));
    wait_for("the decision to be stored", || {
        decision_of(&rt, &instance, *item, 0)
    })
    .await;
    assert_eq!(
        decision_of(&rt, &instance, *item, 0).unwrap().0,
        Decision::Deny
    );
    wait_for("the row to say Denied", || {
        rendered_rows(&app)
            .into_iter()
            .find(|r| r.get_attribute("aria-label").as_deref() == Some(name))
            .filter(|r| text(r).contains("Denied"))
    })
    .await;
    assert!(text(&page(&app)).contains(&format!("1 of {} reviewed", mine.len())));

    // A decision can be changed while the stage is open.
    click(&by_label(&app, &format!("Approve {name}")));
    wait_for("the changed decision", || {
        (decision_of(&rt, &instance, *item, 0)?.0 == Decision::Approve).then_some(())
    })
    .await;
    click(&by_label(&app, &format!("Undo decision for {name}")));
    wait_for("the decision taken back", || {
        decision_of(&rt, &instance, *item, 0)
            .is_none()
            .then_some(())
    })
    .await;
}
