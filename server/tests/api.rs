//! The sync API against a running server, each test once on a SQLite file and once on a
//! PostgreSQL cluster.

mod support;

use attest_engine::event::{Event, Record, RECORD_VERSION};
use attest_engine::instance::{Decision, StageEndReason};
use attest_engine::{apply, replay, Actor, Command};
use chrono::{Duration, Utc};
use serde_json::json;
use support::*;

#[path = "api/handover.rs"]
mod handover;
use handover::reassigned_items_follow_to_the_new_reviewers_link;
#[path = "api/approvals.rs"]
mod approvals;
use approvals::guarded_approvals_through_a_review_link;
#[path = "api/context.rs"]
mod context;
use context::a_links_rows_show_the_paths_and_dates_the_full_app_shows;

on_both!(
    health_and_administrator_sessions,
    push_and_pull_are_idempotent_and_paged,
    refused_input_changes_nothing,
    review_links_are_scoped_to_reviewer_instance_and_stage,
    concurrent_decisions_both_survive_and_the_last_wins,
    reassigned_items_follow_to_the_new_reviewers_link,
    guarded_approvals_through_a_review_link,
    a_links_rows_show_the_paths_and_dates_the_full_app_shows,
);

async fn health_and_administrator_sessions(b: Backend) {
    let s = serve(b).await;
    let addr = s.addr();
    let h = get(addr, "/api/v1/health", None).await;
    assert_eq!(h.status, 200);
    assert_eq!(h.body["status"], "ok");
    let kind = if b == Backend::Sqlite {
        "sqlite"
    } else {
        "postgres"
    };
    assert_eq!(h.body["storage"], kind);

    let wrong = post(
        addr,
        "/api/v1/session",
        None,
        &json!({"secret": "guess guess guess", "name": "Eve"}),
    )
    .await;
    assert_eq!(
        (wrong.status, wrong.body["error"].as_str()),
        (401, Some("wrongSecret"))
    );
    assert!(wrong.body.get("token").is_none());
    let extra = post(
        addr,
        "/api/v1/session",
        None,
        &json!({"secret": SECRET, "name": "Ada", "role": "root"}),
    )
    .await;
    assert_eq!(extra.status, 400, "{}", extra.text);
    assert!(extra.text.contains("unknown field"), "{}", extra.text);

    let token = sign_in(addr).await;
    let me = get(addr, "/api/v1/me", Some(&token)).await;
    assert_eq!(me.status, 200);
    assert_eq!(
        me.body,
        json!({"kind": "administrator", "name": "Ada Admin"})
    );

    assert_eq!(get(addr, "/api/v1/records", None).await.status, 401);
    let forged = "ab".repeat(32);
    let r = get(addr, "/api/v1/records", Some(&forged)).await;
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (401, Some("invalidToken"))
    );
    assert_eq!(
        get(addr, "/api/v1/records", Some("not-a-token"))
            .await
            .status,
        401
    );

    // Sign-out ends that session only.
    let other = sign_in(addr).await;
    assert_eq!(
        http(addr, "DELETE", "/api/v1/session", Some(&other), None)
            .await
            .status,
        204
    );
    assert_eq!(get(addr, "/api/v1/me", Some(&other)).await.status, 401);
    assert_eq!(get(addr, "/api/v1/me", Some(&token)).await.status, 200);

    // Sessions expire (12 hours by default).
    s.clock.skip(Duration::hours(13));
    let late = get(addr, "/api/v1/me", Some(&token)).await;
    assert_eq!(
        (late.status, late.body["error"].as_str()),
        (401, Some("expired"))
    );
}

async fn push_and_pull_are_idempotent_and_paged(b: Backend) {
    let s = serve(b).await;
    let addr = s.addr();
    let mut admin = AdminClient::new(addr).await;
    let instance = start_review(
        &mut admin,
        tenant(2, 3),
        definition("q1", Utc::now(), false),
    )
    .await;
    assert_eq!(admin.state.instances[&instance].items.len(), 6);

    let (all, cursor) = pull_all(addr, &admin.token, 0, 100).await;
    // Import, then create (which starts the review at once).
    assert_eq!(all.len(), 2);
    assert!(all[1]
        .events
        .iter()
        .any(|e| matches!(e, Event::InstanceStarted { .. })));
    let (paged, paged_cursor) = pull_all(addr, &admin.token, 0, 1).await;
    assert_eq!(
        paged, all,
        "one record per page gives the same log in the same order"
    );
    assert_eq!(paged_cursor, cursor);
    let (rest, _) = pull_all(addr, &admin.token, cursor, 10).await;
    assert!(rest.is_empty());

    // Pushing the same records again stores nothing; the client's clock records are ignored.
    let mut clock_record = all[1].clone();
    clock_record.id = "client-clock-1".into();
    clock_record.actor = Actor::System;
    let mut again = all.clone();
    again.push(clock_record);
    let r = push(addr, &admin.token, &again).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let statuses: Vec<&str> = r.body["accepted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["duplicate", "duplicate", "ignored"]);
    assert_eq!(r.body["cursor"].as_i64(), Some(cursor));
    let (after, _) = pull_all(addr, &admin.token, 0, 100).await;
    assert_eq!(after, all);
    assert_eq!(replay(&after), admin.state);
}

async fn refused_input_changes_nothing(b: Backend) {
    let s = serve(b).await;
    let addr = s.addr();
    let mut admin = AdminClient::new(addr).await;
    let instance = start_review(
        &mut admin,
        tenant(2, 3),
        definition("q1", Utc::now(), false),
    )
    .await;
    let (before, _) = pull_all(addr, &admin.token, 0, 100).await;
    let now = Utc::now();
    let stop = |id: &str, instance: &str| Record {
        v: RECORD_VERSION,
        id: id.into(),
        at: now,
        actor: admin_actor(),
        reason: None,
        events: vec![Event::StageEnded {
            instance: instance.into(),
            stage: 0,
            at: now,
            reason: StageEndReason::Stopped,
        }],
    };
    let check = |r: &Reply, code: &str| {
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(r.body["rejected"][0]["code"], code, "{}", r.text);
        assert!(!r.body["rejected"][0]["reason"].as_str().unwrap().is_empty());
    };
    // Events for a review that does not exist.
    check(
        &push(addr, &admin.token, &[stop("x1", "no-such-review")]).await,
        "notFound",
    );
    // Events that are not what the engine decides for their command.
    let mut forged = admin.record(
        Command::StopCurrentStage {
            instance: instance.clone(),
        },
        now,
    );
    if let Event::StageEnded { stage, .. } = &mut forged.events[0] {
        *stage = 5;
    }
    check(&push(addr, &admin.token, &[forged]).await, "diverged");
    // Dated in the future.
    let mut ahead = admin.record(
        Command::StopCurrentStage {
            instance: instance.clone(),
        },
        now + Duration::hours(2),
    );
    ahead.id = "x3".into();
    check(&push(addr, &admin.token, &[ahead]).await, "clockAhead");
    // A reviewer's decision sent with an administrator's session.
    let decision = decision_record(
        "x4",
        "manager000",
        &instance,
        0,
        &[(0, Decision::Approve)],
        now,
    );
    assert_eq!(push(addr, &admin.token, &[decision]).await.status, 403);

    let token = admin.token.clone();
    let raw = |body: &'static str| {
        let token = token.clone();
        async move {
            http(
                addr,
                "POST",
                "/api/v1/records",
                Some(&token),
                Some(body.as_bytes()),
            )
            .await
        }
    };
    let r = raw("{\"records\": [").await;
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (400, Some("malformedJson"))
    );
    let r = raw("{\"records\": [], \"force\": true}").await;
    assert_eq!(r.status, 400);
    assert!(r.text.contains("unknown field `force`"), "{}", r.text);
    let mut record = serde_json::to_value(stop("x5", &instance)).unwrap();
    record["signature"] = json!("trust me");
    let r = post(
        addr,
        "/api/v1/records",
        Some(&admin.token),
        &json!({"records": [record]}),
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(r.text.contains("unknown field `signature`"), "{}", r.text);
    let mut old = serde_json::to_value(stop("x6", &instance)).unwrap();
    old["v"] = json!(99);
    let r = post(
        addr,
        "/api/v1/records",
        Some(&admin.token),
        &json!({"records": [old]}),
    )
    .await;
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (400, Some("unsupportedVersion"))
    );
    for q in ["limit=0", "limit=5000", "after=-1", "since=3"] {
        let r = get(addr, &format!("/api/v1/records?{q}"), Some(&admin.token)).await;
        assert_eq!(r.status, 400, "{q}: {}", r.text);
    }
    let r = get(addr, "/api/v1/nothing-here", Some(&admin.token)).await;
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (404, Some("notFound"))
    );

    let (after, _) = pull_all(addr, &admin.token, 0, 100).await;
    assert_eq!(after, before, "refused input left the log as it was");

    // Oversized bodies are refused before they are read in full.
    drop(s);
    let small = serve_with(b, |c| c.max_body_bytes = 64 * 1024).await;
    let token = sign_in(small.addr()).await;
    let big = format!(
        "{{\"records\": [], \"pad\": \"{}\"}}",
        "x".repeat(200 * 1024)
    );
    let r = http(
        small.addr(),
        "POST",
        "/api/v1/records",
        Some(&token),
        Some(big.as_bytes()),
    )
    .await;
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (413, Some("bodyTooLarge")),
        "{}",
        r.text
    );
}

fn admin_actor() -> Actor {
    support::admin()
}

async fn review_links_are_scoped_to_reviewer_instance_and_stage(b: Backend) {
    let s = serve(b).await;
    let addr = s.addr();
    let mut admin = AdminClient::new(addr).await;
    let instance = start_review(&mut admin, tenant(2, 3), definition("q1", Utc::now(), true)).await;
    let by = items_by_reviewer(&admin.state, &instance, 0);
    let (mine, theirs) = (by["manager000"].clone(), by["manager001"].clone());
    let a = link(addr, &admin.token, &instance, 0, "manager000").await;
    let b_token = link(addr, &admin.token, &instance, 0, "manager001").await;

    // The reviewer reads their own rows only, numbered in their own terms (0, 1, 2).
    let view = reviewer_page(addr, &a).await;
    assert_eq!(view.status, 200, "{}", view.text);
    let rows: Vec<u64> = view.body["view"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["item"].as_u64().unwrap())
        .collect();
    assert_eq!(rows, (0..mine.len() as u64).collect::<Vec<_>>());
    assert!(
        !view.text.contains("user001x"),
        "another reviewer's reviewees leaked: {}",
        view.text
    );
    let own = get(addr, "/api/v1/reviewer/records", Some(&a)).await;
    assert_eq!(own.status, 200, "{}", own.text);
    assert!(
        !own.text.contains("user001x") && !own.text.contains("manager001"),
        "another reviewer's part leaked: {}",
        own.text
    );
    let compact =
        replay(&serde_json::from_value::<Vec<Record>>(own.body["records"].clone()).unwrap());
    assert_eq!(compact.instances[&instance].items.len(), mine.len());
    // The reviewer bundle asks for the same page in the engine's layout: the same page,
    // marked as such, smaller than the JSON.
    use attest_engine::snapshot::{decode_reviewer_page, REVIEWER_PAGE_TYPE};
    let (status, head, bytes) = get_bytes(
        addr,
        "/api/v1/reviewer/records",
        &a,
        &format!("{REVIEWER_PAGE_TYPE}, application/json;q=0.5"),
    )
    .await;
    assert_eq!(status, 200, "{head}");
    assert!(
        head.contains(&format!("content-type: {REVIEWER_PAGE_TYPE}")),
        "{head}"
    );
    assert!(head.contains("vary: accept"), "{head}");
    assert!(
        include_str!("../../reviewer.html").contains(REVIEWER_PAGE_TYPE),
        "reviewer.html's first script asks for the page in this layout"
    );
    let json_page: attest_engine::wire::ReviewerPage =
        serde_json::from_value(own.body.clone()).unwrap();
    let mut in_bytes = decode_reviewer_page(&bytes).expect("the page reads");
    // The records are stamped with the server's time of each request.
    for (r, j) in in_bytes.records.iter_mut().zip(&json_page.records) {
        r.at = j.at;
    }
    assert_eq!(in_bytes, json_page);
    assert!(
        bytes.len() < own.text.len(),
        "{} < {}",
        bytes.len(),
        own.text.len()
    );
    let me = get(addr, "/api/v1/me", Some(&a)).await;
    assert_eq!(me.body["reviewer"], "manager000");

    // Nothing administrative, and not the whole log.
    assert_eq!(get(addr, "/api/v1/records", Some(&a)).await.status, 403);
    assert_eq!(get(addr, "/api/v1/outbox", Some(&a)).await.status, 403);
    let r = post(
        addr,
        "/api/v1/links",
        Some(&a),
        &json!({"instance": instance, "stage": 0, "reviewer": "manager001"}),
    )
    .await;
    assert_eq!(r.status, 403);

    let now = Utc::now();
    let decide = |id: &str, reviewer: &str, stage: usize, item: u32, d: Decision| {
        [decision_record(
            id,
            reviewer,
            &instance,
            stage,
            &[(item, d)],
            now,
        )]
    };
    let ok = push(addr, &a, &decide("a1", "manager000", 0, 0, Decision::Deny)).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.body["accepted"][0]["status"], "stored");
    // Not one of theirs, another reviewer's name, another stage: refused whole.
    for (id, reviewer, stage, item) in [
        ("a2", "manager000", 0, mine.len() as u32),
        ("a3", "manager001", 0, 0),
        ("a4", "manager000", 1, 1),
    ] {
        let r = push(
            addr,
            &a,
            &decide(id, reviewer, stage, item, Decision::Approve),
        )
        .await;
        assert_eq!(r.status, 403, "{id}: {}", r.text);
    }
    let admin_cmd = admin.record(
        Command::StopCurrentStage {
            instance: instance.clone(),
        },
        now,
    );
    assert_eq!(push(addr, &a, &[admin_cmd]).await.status, 403);
    admin.pull().await;
    let items = &admin.state.instances[&instance].items;
    assert_eq!(
        items[mine[0] as usize].decisions[0]
            .as_ref()
            .map(|d| d.decision),
        Some(Decision::Deny)
    );
    assert!(theirs
        .iter()
        .all(|&i| items[i as usize].decisions[0].is_none()));

    // Links are for reviewers of an open stage only.
    let r = post(
        addr,
        "/api/v1/links",
        Some(&admin.token),
        &json!({"instance": instance, "stage": 0, "reviewer": "olivia"}),
    )
    .await;
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (404, Some("notAReviewer"))
    );
    let r = post(
        addr,
        "/api/v1/links",
        Some(&admin.token),
        &json!({"instance": instance, "stage": 1, "reviewer": "olivia"}),
    )
    .await;
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (409, Some("stageNotOpen"))
    );

    let theirs_decided: Vec<(u32, Decision)> = (0..theirs.len() as u32)
        .map(|i| (i, Decision::Approve))
        .collect();
    let r = push(
        addr,
        &b_token,
        &[decision_record(
            "b1",
            "manager001",
            &instance,
            0,
            &theirs_decided,
            now,
        )],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = admin
        .run(
            Command::StopCurrentStage {
                instance: instance.clone(),
            },
            Utc::now(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    // Stage 1 is over: its links stop working.
    let late = reviewer_page(addr, &a).await;
    assert_eq!(
        (late.status, late.body["error"].as_str()),
        (401, Some("expired"))
    );
    let late = push(
        addr,
        &a,
        &decide("a5", "manager000", 0, 1, Decision::Approve),
    )
    .await;
    assert_eq!(late.status, 401);

    // The blind second stage shows the owner no first-stage decision.
    let c = link(addr, &admin.token, &instance, 1, "olivia").await;
    let view = reviewer_page(addr, &c).await;
    assert_eq!(view.status, 200, "{}", view.text);
    let rows = view.body["view"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 6);
    for row in rows {
        assert_eq!(row["earlier"], json!([]));
        assert_eq!(row["decision"], json!(null));
    }
    let own = get(addr, "/api/v1/reviewer/records", Some(&c)).await;
    assert_eq!(own.status, 200, "{}", own.text);
    for text in [&view.text, &own.text] {
        assert!(
            !text.contains("says") && !text.contains("manager00"),
            "earlier decisions leaked: {text}"
        );
    }

    // A link expires at its stage's deadline (7 days) even if nobody stops the stage.
    assert_eq!(get(addr, "/api/v1/me", Some(&c)).await.status, 200);
    s.clock.skip(Duration::days(8));
    let late = get(addr, "/api/v1/reviewer/records", Some(&c)).await;
    assert_eq!(
        (late.status, late.body["error"].as_str()),
        (401, Some("expired")),
        "{}",
        late.text
    );
}

async fn concurrent_decisions_both_survive_and_the_last_wins(b: Backend) {
    let s = serve(b).await;
    let addr = s.addr();
    let mut admin = AdminClient::new(addr).await;
    let mut def = definition("q1", Utc::now(), false);
    def.stages[0].reviewers = attest_engine::definition::Reviewers::ResourceOwners;
    let instance = start_review(&mut admin, tenant(1, 4), def).await;
    let olivia = link(addr, &admin.token, &instance, 0, "olivia").await;
    let oscar = link(addr, &admin.token, &instance, 0, "oscar").await;
    let now = Utc::now();
    for round in 0..5 {
        let ra = [decision_record(
            &format!("ol{round}"),
            "olivia",
            &instance,
            0,
            &[(0, Decision::Approve)],
            now,
        )];
        let rb = [decision_record(
            &format!("os{round}"),
            "oscar",
            &instance,
            0,
            &[(0, Decision::Deny)],
            now,
        )];
        let (a, b2) = tokio::join!(push(addr, &olivia, &ra), push(addr, &oscar, &rb));
        assert_eq!((a.status, b2.status), (200, 200), "{} {}", a.text, b2.text);
    }
    let (log, _) = pull_all(addr, &admin.token, 0, 100).await;
    let decisions: Vec<&Record> = log
        .iter()
        .filter(|r| matches!(r.events[0], Event::DecisionsRecorded { .. }))
        .collect();
    assert_eq!(decisions.len(), 10, "every decision is in the log once");
    let last = decisions.last().unwrap();
    let expected = if last.actor
        == (Actor::User {
            id: "olivia".into(),
        }) {
        Decision::Approve
    } else {
        Decision::Deny
    };
    let state = replay(&log);
    let recorded = state.instances[&instance].items[0].decisions[0]
        .clone()
        .unwrap();
    assert_eq!(
        recorded.decision, expected,
        "the decision the server took last stands"
    );
    // Replaying the log again, or applying it twice, changes nothing.
    let mut twice = state.clone();
    for r in &log {
        apply(&mut twice, r);
    }
    assert_eq!(twice, state);
}
