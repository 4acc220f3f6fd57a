//! What a hostile or broken client sends, as a table: each row a request, the status and
//! error code the server answers with, and the stored log unchanged afterwards. The cases a
//! table cannot hold are in guards.rs.

mod support;

use attest_engine::event::Event;
use attest_engine::instance::Decision;
use attest_server::db::Fault;
use chrono::{Duration, Utc};
use serde_json::{json, Value};
use support::*;

on_both!(every_refusal_leaves_the_log_as_it_was,);

#[path = "refusals/rows.rs"]
mod rows;
use rows::*;

async fn every_refusal_leaves_the_log_as_it_was(b: Backend) {
    let s = serve_with(b, |c| c.max_body_bytes = 64 * 1024).await;
    let addr = s.addr();
    let mut admin = AdminClient::new(addr).await;
    let instance = start_review(&mut admin, tenant(2, 3), definition("q1", Utc::now(), true)).await;
    let link = link(addr, &admin.token, &instance, 0, "manager000").await;
    // A decision already stored, to re-send with other content.
    let stored = reviewer_decision("d1", "manager000", &instance, 0, "left".into());
    let r = push(addr, &link, std::slice::from_ref(&stored)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let (before, _) = pull_all(addr, &admin.token, 0, 100).await;

    let now = Utc::now();
    let json = |v: Value| v.to_string().into_bytes();
    let mut changed = stored.clone();
    if let Event::DecisionsRecorded { decisions, .. } = &mut changed.events[0] {
        decisions[0].decision = Decision::Approve;
    }
    let mut deep_event = serde_json::to_value(stop("u1", &instance, now, None)).unwrap();
    deep_event["events"][0]["force"] = json!(true);
    let mut deep_decision = serde_json::to_value(reviewer_decision(
        "u2",
        "manager000",
        &instance,
        0,
        "x".into(),
    ))
    .unwrap();
    deep_decision["events"][0]["decisions"][0]["weight"] = json!(10);
    let mut deep_actor = serde_json::to_value(stop("u3", &instance, now, None)).unwrap();
    deep_actor["actor"]["role"] = json!("root");
    let oversized = vec![b'x'; 100 * 1024];

    let rows = vec![
        // The server keeps the time.
        Row {
            what: "an administrator's stop dated 8 days ago",
            method: "POST",
            path: "/api/v1/records",
            who: As::Admin,
            body: json(push_body(&[stop("t1", &instance, now - Duration::days(8), None)])),
            status: 422,
            code: Some("clockBehind"),
            fault: None,
        },
        Row {
            what: "an administrator's stop dated 10 minutes ago",
            method: "POST",
            path: "/api/v1/records",
            who: As::Admin,
            body: json(push_body(&[stop("t2", &instance, now - Duration::minutes(10), None)])),
            status: 422,
            code: Some("clockBehind"),
            fault: None,
        },
        Row {
            what: "an administrator's stop dated 2 hours ahead",
            method: "POST",
            path: "/api/v1/records",
            who: As::Admin,
            body: json(push_body(&[stop("t3", &instance, now + Duration::hours(2), None)])),
            status: 422,
            code: Some("clockAhead"),
            fault: None,
        },
        // Caps, enforced by the engine.
        Row {
            what: "a justification over 2,000 characters",
            method: "POST",
            path: "/api/v1/records",
            who: As::Reviewer,
            body: json(push_body(&[reviewer_decision(
                "c1",
                "manager000",
                &instance,
                1,
                "j".repeat(2_001),
            )])),
            status: 422,
            code: Some("tooLong"),
            fault: None,
        },
        Row {
            what: "a stop reason over 1,000 characters",
            method: "POST",
            path: "/api/v1/records",
            who: As::Admin,
            body: json(push_body(&[stop("c2", &instance, now, Some("r".repeat(1_001)))])),
            status: 422,
            code: Some("tooLong"),
            fault: None,
        },
        Row {
            what: "an administrator name over 100 characters at sign-in",
            method: "POST",
            path: "/api/v1/session",
            who: As::Nobody,
            body: json(json!({"secret": SECRET, "name": "n".repeat(101)})),
            status: 400,
            code: Some("badName"),
            fault: None,
        },
        Row {
            what: "a 200,000-character name at sign-in",
            method: "POST",
            path: "/api/v1/session",
            who: As::Nobody,
            body: json(json!({"secret": SECRET, "name": "n".repeat(200_000)})),
            status: 413,
            code: Some("bodyTooLarge"),
            fault: None,
        },
        Row {
            what: "a record id over 128 characters",
            method: "POST",
            path: "/api/v1/records",
            who: As::Admin,
            body: json(push_body(&[stop(&"i".repeat(129), &instance, now, None)])),
            status: 400,
            code: Some("badRecordId"),
            fault: None,
        },
        // A known id with other content.
        Row {
            what: "a stored decision's id with another decision",
            method: "POST",
            path: "/api/v1/records",
            who: As::Reviewer,
            body: json(push_body(&[changed.clone()])),
            status: 409,
            code: Some("conflict"),
            fault: None,
        },
        Row {
            what: "a stored decision's id used by the administrator for a stop",
            method: "POST",
            path: "/api/v1/records",
            who: As::Admin,
            body: json(push_body(&[stop("d1", &instance, now, None)])),
            status: 409,
            code: Some("conflict"),
            fault: None,
        },
        // Strict at every level.
        Row {
            what: "an unknown field inside an event",
            method: "POST",
            path: "/api/v1/records",
            who: As::Admin,
            body: json(json!({ "records": [deep_event] })),
            status: 400,
            code: Some("unknownField"),
            fault: None,
        },
        Row {
            what: "an unknown field inside a decision",
            method: "POST",
            path: "/api/v1/records",
            who: As::Reviewer,
            body: json(json!({ "records": [deep_decision] })),
            status: 400,
            code: Some("unknownField"),
            fault: None,
        },
        Row {
            what: "an unknown field inside the actor",
            method: "POST",
            path: "/api/v1/records",
            who: As::Admin,
            body: json(json!({ "records": [deep_actor] })),
            status: 400,
            code: Some("unknownField"),
            fault: None,
        },
        Row {
            what: "a value of the wrong type deep inside",
            method: "POST",
            path: "/api/v1/records",
            who: As::Admin,
            body: br#"{"records":[{"v":1,"id":"w1","at":"2026-01-01T00:00:00Z","actor":{"kind":"system"},"events":[{"type":"draftDeleted","definition":5}]}]}"#.to_vec(),
            status: 400,
            code: Some("malformedJson"),
            fault: None,
        },
        // Authenticate first.
        Row {
            what: "an anonymous oversized push (refused before its body is read)",
            method: "POST",
            path: "/api/v1/records",
            who: As::Nobody,
            body: oversized.clone(),
            status: 401,
            code: Some("signInRequired"),
            fault: None,
        },
        Row {
            what: "an oversized push with a forged token",
            method: "POST",
            path: "/api/v1/records",
            who: As::Nobody,
            body: oversized,
            status: 401,
            code: Some("signInRequired"),
            fault: None,
        },
        // Regression: what held before.
        Row {
            what: "a reviewer pulling the whole log",
            method: "GET",
            path: "/api/v1/records",
            who: As::Reviewer,
            body: vec![],
            status: 403,
            code: Some("forbidden"),
            fault: None,
        },
        Row {
            what: "a reviewer issuing links",
            method: "POST",
            path: "/api/v1/links",
            who: As::Reviewer,
            body: json(json!({"instance": instance, "stage": 0, "reviewer": "manager001"})),
            status: 403,
            code: Some("forbidden"),
            fault: None,
        },
        Row {
            what: "a reviewer deciding another reviewer's item",
            method: "POST",
            path: "/api/v1/records",
            who: As::Reviewer,
            body: json(push_body(&[reviewer_decision("r1", "manager001", &instance, 0, "x".into())])),
            status: 403,
            code: Some("forbidden"),
            fault: None,
        },
        // Issue 25's events through a review link name items in the link's own numbering;
        // one outside it is refused like a decision on someone else's item.
        Row {
            what: "a review link ending an approval of an item outside the link",
            method: "POST",
            path: "/api/v1/records",
            who: As::Reviewer,
            body: json(push_body(&[link_record(
                "g1",
                Event::ApprovalTimeBound {
                    instance: instance.clone(),
                    stage: 0,
                    items: vec![9_999],
                    until: now + Duration::days(30),
                },
            )])),
            status: 403,
            code: Some("forbidden"),
            fault: None,
        },
        Row {
            what: "a review link confirming a bulk approval of an item outside the link",
            method: "POST",
            path: "/api/v1/records",
            who: As::Reviewer,
            body: json(push_body(&[link_record(
                "g2",
                Event::BulkApprovalConfirmed {
                    instance: instance.clone(),
                    stage: 0,
                    reviewer: "manager000".into(),
                    items: vec![9_999],
                    justification: "on call".into(),
                },
            )])),
            status: 403,
            code: Some("forbidden"),
            fault: None,
        },
        Row {
            what: "a reviewer's decision sent with an administrator's session",
            method: "POST",
            path: "/api/v1/records",
            who: As::Admin,
            body: json(push_body(&[reviewer_decision("r2", "manager000", &instance, 0, "x".into())])),
            status: 403,
            code: Some("forbidden"),
            fault: None,
        },
        Row {
            what: "a review link withdrawing links",
            method: "DELETE",
            path: "/api/v1/links",
            who: As::Reviewer,
            body: json(json!({"instance": instance, "stage": 0, "reviewer": "manager000"})),
            status: 403,
            code: Some("forbidden"),
            fault: None,
        },
        Row {
            what: "a review link ending all sessions",
            method: "DELETE",
            path: "/api/v1/sessions",
            who: As::Reviewer,
            body: vec![],
            status: 403,
            code: Some("forbidden"),
            fault: None,
        },
        Row {
            what: "truncated JSON",
            method: "POST",
            path: "/api/v1/records",
            who: As::Admin,
            body: b"{\"records\": [".to_vec(),
            status: 400,
            code: Some("malformedJson"),
            fault: None,
        },
        Row {
            what: "an unknown top-level field",
            method: "POST",
            path: "/api/v1/records",
            who: As::Admin,
            body: b"{\"records\": [], \"force\": true}".to_vec(),
            status: 400,
            code: Some("malformedJson"),
            fault: None,
        },
        Row {
            what: "a path that climbs out of the app's folder",
            method: "GET",
            path: "/../../etc/passwd",
            who: As::Nobody,
            body: vec![],
            status: 404,
            code: None,
            fault: None,
        },
        Row {
            what: "PUT on the log",
            method: "PUT",
            path: "/api/v1/records",
            who: As::Admin,
            body: vec![],
            status: 405,
            code: None,
            fault: None,
        },
        Row {
            what: "OPTIONS on an API path that does not exist",
            method: "OPTIONS",
            path: "/api/v1/nothing-here",
            who: As::Nobody,
            body: vec![],
            status: 404,
            code: Some("notFound"),
            fault: None,
        },
        Row {
            what: "OPTIONS on a page",
            method: "OPTIONS",
            path: "/anything",
            who: As::Nobody,
            body: vec![],
            status: 405,
            code: None,
            fault: None,
        },
        // Storage faults: refused whole, nothing stored, the client told to try again.
        Row {
            what: "a push while the database cannot be reached",
            method: "POST",
            path: "/api/v1/records",
            who: As::Reviewer,
            body: json(push_body(&[reviewer_decision("f1", "manager000", &instance, 1, "x".into())])),
            status: 503,
            code: Some("storageUnavailable"),
            fault: Some(Fault::Unreachable),
        },
        Row {
            what: "a pull while the database cannot be reached",
            method: "GET",
            path: "/api/v1/records",
            who: As::Admin,
            body: vec![],
            status: 503,
            code: Some("storageUnavailable"),
            fault: Some(Fault::Unreachable),
        },
        Row {
            what: "two decisions when the disk fills up after the first",
            method: "POST",
            path: "/api/v1/records",
            who: As::Reviewer,
            body: json(push_body(&[
                reviewer_decision("f2", "manager000", &instance, 1, "x".into()),
                reviewer_decision("f3", "manager000", &instance, 2, "x".into()),
            ])),
            status: 507,
            code: Some("storageFull"),
            fault: Some(Fault::DiskFullAfter(1)),
        },
        Row {
            what: "a decision when the disk is full",
            method: "POST",
            path: "/api/v1/records",
            who: As::Reviewer,
            body: json(push_body(&[reviewer_decision("f4", "manager000", &instance, 1, "x".into())])),
            status: 507,
            code: Some("storageFull"),
            fault: Some(Fault::DiskFullAfter(0)),
        },
        Row {
            what: "a sign-in when the disk is full",
            method: "POST",
            path: "/api/v1/session",
            who: As::Nobody,
            body: json(json!({"secret": SECRET, "name": "Ada"})),
            status: 507,
            code: Some("storageFull"),
            fault: Some(Fault::DiskFullAfter(0)),
        },
    ];

    for row in &rows {
        let auth = match row.who {
            As::Nobody if row.what.contains("forged") => {
                Some(format!("Bearer {}", "ab".repeat(32)))
            }
            As::Nobody => None,
            As::Admin => Some(format!("Bearer {}", admin.token)),
            As::Reviewer => Some(format!("Bearer {link}")),
        };
        // The forged token is refused as invalid, not as missing.
        s.server.app.db.inject(row.fault);
        let (status, head, body) = raw(
            addr,
            &request(row.method, row.path, auth.as_deref(), "", &row.body),
            &row.body,
        )
        .await;
        s.server.app.db.inject(None);
        let answer: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        let code = if status == 422 {
            answer["rejected"][0]["code"].as_str()
        } else {
            answer["error"].as_str()
        };
        let expected_code = match (row.code, row.what.contains("forged")) {
            (Some(_), true) => Some("invalidToken"),
            (c, _) => c,
        };
        assert_eq!(
            (status, code),
            (row.status, expected_code),
            "{}: {body}",
            row.what
        );
        // Every answer, refusals included, carries the security headers.
        for h in [
            "content-security-policy:",
            "x-content-type-options: nosniff",
            "x-frame-options: deny",
            "referrer-policy: no-referrer",
        ] {
            assert!(head.contains(h), "{}: no {h} in {head}", row.what);
        }
        let (after, _) = pull_all(addr, &admin.token, 0, 100).await;
        assert_eq!(after, before, "{}: the log changed", row.what);
    }

    // Unknown fields are named with their path.
    let (_, _, body) = raw(
        addr,
        &request(
            "POST",
            "/api/v1/records",
            Some(&format!("Bearer {}", admin.token)),
            "",
            &json(json!({ "records": [deep_decision_path(&instance)] })),
        ),
        &json(json!({ "records": [deep_decision_path(&instance)] })),
    )
    .await;
    assert!(
        body.contains("records[0].events[0].decisions[0].weight"),
        "{body}"
    );

    // An identical re-send stays an idempotent success.
    let r = push(addr, &link, &[stored]).await;
    assert_eq!(
        (r.status, r.body["accepted"][0]["status"].as_str()),
        (200, Some("duplicate")),
        "{}",
        r.text
    );

    // The scheme is matched in any case; a CORS preflight on the API is answered.
    let (status, _, _) = raw(
        addr,
        &request(
            "GET",
            "/api/v1/me",
            Some(&format!("bEaReR {}", admin.token)),
            "",
            b"",
        ),
        b"",
    )
    .await;
    assert_eq!(status, 200);
    let (status, head, _) = raw(
        addr,
        &request(
            "OPTIONS",
            "/api/v1/records",
            None,
            "Origin: https://app.example\r\nAccess-Control-Request-Method: POST\r\n",
            b"",
        ),
        b"",
    )
    .await;
    assert_eq!(status, 200, "{head}");
    assert!(head.contains("access-control-allow-origin: *"), "{head}");
    let (_, head, _) = raw(
        addr,
        &request("GET", "/", None, "Origin: https://app.example\r\n", b""),
        b"",
    )
    .await;
    assert!(
        !head.contains("access-control-allow-origin"),
        "pages need no CORS: {head}"
    );
}
