//! What a reviewer identity may not open among the administrator's screens.

use super::*;

/// A reviewer identity reads My access reviews only: the administrator's screens are not in
/// the navigation, and their addresses say why they do not open instead of showing data.
#[wasm_bindgen_test]
async fn a_reviewer_identity_cannot_open_administrator_screens() {
    let config = test_config(50);
    let app = mount_with("/", config.clone());
    let rt = ready_runtime().await;
    rt.acting_as.set(administrator());
    let id = create(
        &rt,
        review(
            &rt,
            "blind",
            "g-it-local-admin",
            vec![
                stage(Reviewers::ResourceOwners, 7),
                stage(Reviewers::Managers, 7),
            ],
        ),
    )
    .await;
    let people = items(&rt, &id, 0);
    decide(
        &rt,
        &id,
        &people[0].2,
        people[0].0,
        Decision::Deny,
        "secret reason",
    )
    .await;
    rt.run_as(
        Command::StopCurrentStage {
            instance: id.clone(),
        },
        administrator(),
        None,
    )
    .await
    .expect("stage 2 starts");
    let manager = items(&rt, &id, 1)[0].2.clone();
    drop(app);

    let nav_labels = |app: &Mounted| all_text(&app.root, "nav[aria-label='Main'] a");
    for path in [
        overview_link(&id),
        "/reviews".to_string(),
        "/history".to_string(),
        "/notifications".to_string(),
        "/directory".to_string(),
        "/settings".to_string(),
        "/reviews/new".to_string(),
    ] {
        let app = mount_with(&path, config.clone());
        let rt2 = ready_runtime().await;
        rt2.acting_as.set(Actor::User {
            id: manager.clone(),
        });
        wait_on(&app, &format!("{path} to refuse"), || {
            heading(&app.root, "Not available to reviewers")
        })
        .await;
        let page = text(&app.root);
        assert!(
            page.contains("Only administrators can open"),
            "{path}: {page}"
        );
        assert!(
            !page.contains("secret reason"),
            "{path}: a stage-1 justification leaked"
        );
        assert_eq!(
            nav_labels(&app),
            vec!["My access reviews".to_string()],
            "{path}"
        );
        assert!(
            link(&app.root, "Go to My access reviews").is_some(),
            "{path}"
        );
    }
    // The administrator reads the same address.
    let app = mount_with(&overview_link(&id), config.clone());
    let rt2 = ready_runtime().await;
    rt2.acting_as.set(administrator());
    wait_on(&app, "the overview", || {
        button(&app.root, "Stop current stage")
    })
    .await;
    assert!(nav_labels(&app).len() > 1);
}
