//! Downloads and reports: the results CSV, and the history report's hash chain refusing a
//! tampered file.

use super::*;

#[wasm_bindgen_test]
async fn results_csv_downloads_and_parses_with_the_right_rows() {
    let (app, rt) = admin_app(&overview_link("csv~0~g-marketing-announcements")).await;
    let id = create(
        &rt,
        review(
            &rt,
            "csv",
            "g-marketing-announcements",
            vec![stage(Reviewers::ResourceOwners, 7)],
        ),
    )
    .await;
    let reviewees = items(&rt, &id, 0);
    let owner = reviewees[0].2.clone();
    decide(
        &rt,
        &id,
        &owner,
        reviewees[0].0,
        Decision::Approve,
        "runs the \"Spring\" campaign, with Ana",
    )
    .await;
    decide(
        &rt,
        &id,
        &owner,
        reviewees[1].0,
        Decision::Deny,
        "left marketing",
    )
    .await;
    let trap = DownloadTrap::new();
    click(&wait_on(&app, "Download CSV", || button(&app.root, "Download CSV")).await);
    let (name, bytes) = trap.file().await;
    assert!(name.ends_with(".csv"), "{name}");
    assert!(bytes.starts_with(BOM), "UTF-8 with BOM");
    let text = String::from_utf8(bytes).expect("UTF-8");
    let records = parse_csv(&text).expect("the download parses as CSV");
    let header = &records[0].1;
    let col = |n: &str| {
        header
            .iter()
            .position(|h| h == n)
            .unwrap_or_else(|| panic!("column {n}"))
    };
    let rows: Vec<&Vec<String>> = records[1..].iter().map(|(_, r)| r).collect();
    assert_eq!(rows.len(), reviewees.len(), "one row per reviewee");
    let row = |user: &str| *rows.iter().find(|r| r[col("PrincipalId")] == user).unwrap();
    let first = row(&reviewees[0].1);
    assert_eq!(first[col("Stage1Decision")], "Approve");
    assert_eq!(
        first[col("Stage1Justification")],
        "runs the \"Spring\" campaign, with Ana"
    );
    assert_eq!(row(&reviewees[1].1)[col("Decision")], "Deny");
    assert_eq!(row(&reviewees[2].1)[col("Stage1Decision")], "NotReviewed");
    assert_eq!(row(&reviewees[2].1)[col("ApplyResult")], "New");

    // JSON with Graph's field names and values.
    click(&button(&app.root, "Download JSON").unwrap());
    let (name, bytes) = trap.file().await;
    assert!(name.ends_with(".json"));
    let json: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
    let first = json["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["principal"]["id"] == reviewees[0].1.as_str())
        .unwrap();
    assert_eq!(first["decision"], "Approve");
    assert_eq!(first["applyResult"], "New");
    assert_eq!(first["reviewedBy"]["id"], owner.as_str());
}

async fn choose_file(input: &Element, name: &str, text: &str) {
    let parts = js_sys::Array::of1(&text.into());
    let file = web_sys::File::new_with_str_sequence(&parts, name).unwrap();
    let transfer = web_sys::DataTransfer::new().unwrap();
    let list = js_sys::Reflect::get(&transfer, &"items".into()).unwrap();
    let add: js_sys::Function = js_sys::Reflect::get(&list, &"add".into())
        .unwrap()
        .unchecked_into();
    add.call1(&list, &file).unwrap();
    let input: &web_sys::HtmlInputElement = input.unchecked_ref();
    input.set_files(transfer.files().as_ref());
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    input
        .dispatch_event(&web_sys::Event::new_with_event_init_dict("change", &init).unwrap())
        .unwrap();
}

#[wasm_bindgen_test]
async fn a_tampered_history_report_fails_verification() {
    let (app, rt) = admin_app("/history").await;
    let id = create(
        &rt,
        review(
            &rt,
            "audit",
            "g-auditors",
            vec![stage(Reviewers::ResourceOwners, 7)],
        ),
    )
    .await;
    let reviewees = items(&rt, &id, 0);
    decide(
        &rt,
        &id,
        &reviewees[0].2,
        reviewees[0].0,
        Decision::Deny,
        "no longer audits",
    )
    .await;
    rt.run_with_reason(
        Command::StopReview {
            instance: id.clone(),
        },
        "audit closed early".into(),
    )
    .await
    .unwrap();
    wait_on(&app, "the decision and the stop in the history", || {
        let cells: Vec<String> = all(&app.root, "td").iter().map(text).collect();
        (cells.iter().any(|t| t == "no longer audits")
            && cells.iter().any(|t| t == "audit closed early"))
        .then_some(())
    })
    .await;
    assert_eq!(
        assert_tables_scroll_by_keyboard(&app.root),
        ["Audit history"]
    );
    // "Done by" an administrator: the stop, not the reviewer's decision.
    let done_by = control_by_label(&app.root, "Done by").expect("the Done by filter");
    let admin_name = all(&done_by, "option")
        .iter()
        .map(text)
        .find(|t| t.starts_with("Administrator"))
        .expect("the administrator among who acted");
    choose(&done_by, &admin_name);
    wait_on(&app, "only the administrator's rows", || {
        let cells: Vec<String> = all(&app.root, "td").iter().map(text).collect();
        (cells.iter().any(|t| t == "audit closed early")
            && !cells.iter().any(|t| t == "no longer audits"))
        .then_some(())
    })
    .await;
    choose(&done_by, "");
    // "Decision" Deny: the reviewer's decision, not the stop.
    let decision = control_by_label(&app.root, "Decision").expect("the Decision filter");
    choose(&decision, "Deny");
    wait_on(&app, "only the denial", || {
        let cells: Vec<String> = all(&app.root, "td").iter().map(text).collect();
        (cells.iter().any(|t| t == "no longer audits")
            && !cells.iter().any(|t| t == "audit closed early"))
        .then_some(())
    })
    .await;
    choose(&decision, "");
    let trap = DownloadTrap::new();
    click(&button(&app.root, "Download CSV").unwrap());
    let (_, bytes) = trap.file().await;
    let report = String::from_utf8(bytes).unwrap();
    assert!(
        report.contains("no longer audits") && report.contains("audit closed early"),
        "who, what and why"
    );
    let notice = wait_on(&app, "the chain head", || within(&app.root, ".notice")).await;
    assert!(text(&notice).contains("Chain head"));

    let input = control_by_label(&app.root, "Audit report (CSV)").expect("the verify control");
    choose_file(&input, "report.csv", &report).await;
    let ok = wait_on(&app, "verified", || {
        within(&app.root, "#verify-h ~ .notice")
    })
    .await;
    assert!(text(&ok).contains("verified"), "{}", text(&ok));

    let tampered = report.replace("no longer audits", "still audits");
    choose_file(&input, "tampered.csv", &tampered).await;
    let failed = wait_on(&app, "the failure", || {
        within(&app.root, "#verify-h ~ .error")
    })
    .await;
    assert!(
        text(&failed).contains("verification failed"),
        "{}",
        text(&failed)
    );

    // A row removed: the line with the decision goes.
    let lines: Vec<&str> = report
        .split("\r\n")
        .filter(|l| !l.contains("no longer audits"))
        .collect();
    choose_file(&input, "cut.csv", &lines.join("\r\n")).await;
    wait_for("the failure for a removed row", || {
        within(&app.root, "#verify-h ~ .error")
            .filter(|e| text(e).starts_with("cut.csv"))
            .map(|_| ())
    })
    .await;
}
