//! The list from the keyboard alone, and a list of 10,000 reviewees rendering only a window.

use super::*;

#[wasm_bindgen_test]
async fn keyboard_alone_moves_and_decides() {
    let config = test_config(50);
    let now = chrono::Utc::now();
    let (app, rt, instance) = with_review(
        &config,
        definition(
            "keys",
            "g-it-local-admin",
            vec![stage(selected("u-000002"))],
            now,
        ),
    )
    .await;
    let mut mine = items_of(&rt, &instance, 0, "u-000002");
    mine.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    drop(app);
    let app = mount_with(&reviewer_link(&instance, 0, "u-000002"), config);
    let rt = ready_runtime().await;
    wait_shown(&app, mine.len()).await;
    assert!(
        text(&app.root).contains("Keys:"),
        "the keys are documented on the page"
    );

    // The first row is the list's one Tab stop.
    let tab_stops: Vec<Element> = rendered_rows(&app)
        .into_iter()
        .filter(|r| r.get_attribute("tabindex").as_deref() == Some("0"))
        .collect();
    assert_eq!(tab_stops.len(), 1);
    assert_eq!(
        tab_stops[0].get_attribute("aria-label").as_deref(),
        Some(mine[0].1.as_str())
    );
    tab_stops[0]
        .unchecked_ref::<web_sys::HtmlElement>()
        .focus()
        .unwrap();

    let focused_name = || focused().and_then(|e| e.get_attribute("aria-label"));
    press(&focused().unwrap(), "j");
    wait_for("focus on the second row", || {
        (focused_name()? == mine[1].1).then_some(())
    })
    .await;
    press(&focused().unwrap(), "a");
    wait_for("the approval", || decision_of(&rt, &instance, mine[1].0, 0)).await;
    assert_eq!(
        decision_of(&rt, &instance, mine[1].0, 0).unwrap().0,
        Decision::Approve
    );
    wait_for("focus back on the decided row", || {
        (focused()?.is_connected() && focused_name()? == mine[1].1).then_some(())
    })
    .await;

    press(&focused().unwrap(), "ArrowDown");
    wait_for("focus on the third row", || {
        (focused_name()? == mine[2].1).then_some(())
    })
    .await;
    press(&focused().unwrap(), "d");
    wait_for("the denial", || decision_of(&rt, &instance, mine[2].0, 0)).await;
    wait_for("focus kept on the denied row", || {
        (focused()?.is_connected() && focused_name()? == mine[2].1).then_some(())
    })
    .await;
    press(&focused().unwrap(), "u");
    wait_for("the undo", || {
        decision_of(&rt, &instance, mine[2].0, 0)
            .is_none()
            .then_some(())
    })
    .await;
    wait_for("focus kept after the undo", || {
        (focused()?.is_connected() && focused_name()? == mine[2].1).then_some(())
    })
    .await;
    press(&focused().unwrap(), "k");
    wait_for("focus back up", || {
        (focused_name()? == mine[1].1).then_some(())
    })
    .await;
    press(&focused().unwrap(), "?");
    wait_for("don't know", || {
        (decision_of(&rt, &instance, mine[1].0, 0)?.0 == Decision::DontKnow).then_some(())
    })
    .await;
    let row = wait_for("focus kept on the row", || {
        focused()
            .filter(|f| f.is_connected() && f.get_attribute("role").as_deref() == Some("listitem"))
    })
    .await;
    assert_eq!(row_item(&row).0, mine[1].0);
    assert!(
        row.class_list().contains("active"),
        "the focused row is marked"
    );
}

#[wasm_bindgen_test]
async fn ten_thousand_reviewees_render_only_a_window_of_rows() {
    let config = test_config(11_000);
    let now = chrono::Utc::now();
    fresh_browser();
    let app = mount_with("/", config.clone());
    let rt = wait_long("the runtime", attest::runtime::current_runtime).await;
    wait_long("the large sample to load", || {
        rt.ready.get_untracked().then_some(())
    })
    .await;
    let def = definition(
        "large",
        "g-all-employees",
        vec![stage(selected("u-000002"))],
        now,
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
    let instance = rt
        .state
        .with_untracked(|s| s.instances.keys().next().cloned())
        .unwrap();
    let total = items_of(&rt, &instance, 0, "u-000002").len();
    assert!(total >= 10_000, "{total} reviewees");
    // Open the page from My access reviews, with the data already loaded, as a reviewer does.
    rt.acting_as.set(Actor::User {
        id: "u-000002".into(),
    });
    click(&link(&app.root, "My access reviews").expect("the nav link"));
    let open = wait_for("the review link", || {
        link(&app.root, "Membership of g-all-employees")
    })
    .await;
    let started = js_sys::Date::now();
    click(&open);
    wait_long("the first rows", || {
        (!rendered_rows(&app).is_empty()).then_some(())
    })
    .await;
    let loaded = js_sys::Date::now();
    let reviewed = format!("0 of {} reviewed", attest::ui::reviewer::rows::count(total));
    wait_for("the progress", || {
        text(&page(&app)).contains(&reviewed).then_some(())
    })
    .await;
    let list = app.root.query_selector("[role='list']").unwrap().unwrap();
    let fit = list.client_height() / 84 + 1;
    let rows = rendered_rows(&app).len() as i32;
    web_sys::console::log_1(&format!("reviewer page with {total} reviewees: opened from My access reviews and rendered in {:.0} ms; {rows} rows in the DOM", loaded - started).into());
    assert!(rows <= fit + 10, "{rows} rows rendered for {fit} that fit");

    // Scrolling to the middle renders the rows there, still only a window of them.
    let before = js_sys::Date::now();
    list.set_scroll_top(84 * 5_000);
    list.dispatch_event(&web_sys::Event::new("scroll").unwrap())
        .unwrap();
    let middle = wait_for("rows from the middle", || {
        let r = rendered_rows(&app);
        r.first()
            .and_then(|e| e.get_attribute("aria-posinset"))
            .filter(|p| p.parse::<usize>().unwrap_or(0) > 4_900)
            .map(|_| r.len())
    })
    .await;
    web_sys::console::log_1(
        &format!(
            "scrolled to row 5,000 in {:.0} ms",
            js_sys::Date::now() - before
        )
        .into(),
    );
    assert!(middle as i32 <= fit + 10);

    // Deciding one row updates the progress.
    let row = rendered_rows(&app)[2].clone();
    let name = row.get_attribute("aria-label").unwrap();
    let before = js_sys::Date::now();
    click(
        &row.query_selector(&format!("[aria-label='Deny {name}']"))
            .unwrap()
            .unwrap(),
    );
    let reviewed = format!("1 of {} reviewed", attest::ui::reviewer::rows::count(total));
    wait_for("the progress to move", || {
        text(&page(&app)).contains(&reviewed).then_some(())
    })
    .await;
    web_sys::console::log_1(
        &format!(
            "one decision saved and shown in {:.0} ms",
            js_sys::Date::now() - before
        )
        .into(),
    );
    let _ = rt;
}
