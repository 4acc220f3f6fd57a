//! Reassigned items through reviewer links (issue 24).

use super::*;

/// Issue 24: after an administrator reassigns a reviewer's items, the new reviewer's link
/// shows and decides them and the old reviewer's link no longer covers them.
pub(super) async fn reassigned_items_follow_to_the_new_reviewers_link(b: Backend) {
    let s = serve(b).await;
    let addr = s.addr();
    let mut admin = AdminClient::new(addr).await;
    let instance = start_review(&mut admin, tenant(2, 3), definition("q1", Utc::now(), true)).await;
    let by = items_by_reviewer(&admin.state, &instance, 0);
    let (old, new) = (by["manager000"].clone(), by["manager001"].clone());
    // The old reviewer's link, issued before the reassignment.
    let old_link = link(addr, &admin.token, &instance, 0, "manager000").await;
    let r = admin
        .run(
            Command::ReassignItems {
                instance: instance.clone(),
                from: Some("manager000".into()),
                items: None,
                to: "manager001".into(),
                reason: "manager000 left".into(),
            },
            Utc::now(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let a = link(addr, &admin.token, &instance, 0, "manager001").await;
    let view = reviewer_page(addr, &a).await;
    assert_eq!(view.status, 200, "{}", view.text);
    assert_eq!(
        view.body["view"]["rows"].as_array().unwrap().len(),
        old.len() + new.len()
    );
    // The new reviewer decides one of the reassigned reviewees through their link.
    let mine = admin.state.instances[&instance]
        .items
        .iter()
        .enumerate()
        .filter(|(_, it)| {
            admin
                .state
                .reviews_item(&admin.state.instances[&instance], it, 0, "manager001")
        })
        .map(|(i, _)| i as u32)
        .collect::<Vec<_>>();
    let local = mine.iter().position(|i| *i == old[0]).unwrap() as u32;
    let record = decision_record(
        "n1",
        "manager001",
        &instance,
        0,
        &[(local, Decision::Deny)],
        Utc::now(),
    );
    let r = push(addr, &a, &[record]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    admin.pull().await;
    let decided = admin.state.instances[&instance].items[old[0] as usize]
        .decision_in(0)
        .unwrap();
    assert_eq!(
        (decided.reviewer.as_str(), decided.decision),
        ("manager001", Decision::Deny)
    );
    // The old reviewer's link covers nothing any more, and no new one is issued.
    let view = get(addr, "/api/v1/reviewer/records", Some(&old_link)).await;
    assert_ne!(view.status, 200, "{}", view.text);
    let record = decision_record(
        "o1",
        "manager000",
        &instance,
        0,
        &[(0, Decision::Approve)],
        Utc::now(),
    );
    assert_eq!(push(addr, &old_link, &[record]).await.status, 403);
    let r = post(
        addr,
        "/api/v1/links",
        Some(&admin.token),
        &json!({"instance": instance, "stage": 0, "reviewer": "manager000"}),
    )
    .await;
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (404, Some("notAReviewer")),
        "{}",
        r.text
    );
}
