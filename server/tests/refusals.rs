//! What a hostile or broken client sends, as a table: each row a request, the status and
//! error code the server answers with, and the stored log unchanged afterwards. Then the
//! cases a table cannot hold: the server's clock deciding, identity from the credential,
//! throttled sign-ins, withdrawn credentials and what a reviewer's pull carries.

mod support;

use attest_engine::definition::{NoResponse, Reviewers};
use attest_engine::event::{Event, ItemDecision, Record, RECORD_VERSION};
use attest_engine::instance::{Decision, DecisionSource, StageEndReason};
use attest_engine::{replay, Actor, Command};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

on_both!(
    every_refusal_leaves_the_log_as_it_was,
    the_server_clock_decides_a_backdated_stop,
    identity_comes_from_the_credential,
    credentials_can_be_withdrawn,
    a_reviewer_pull_carries_only_the_engine_view,
);

/// A raw HTTP/1.1 exchange: status, head (lower-cased) and body.
async fn raw(addr: std::net::SocketAddr, request: &str, body: &[u8]) -> (u16, String, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let _ = stream.write_all(body).await;
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out).await;
    let text = String::from_utf8_lossy(&out).to_string();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_ascii_lowercase(), rest.to_string())
}

fn request(method: &str, path: &str, auth: Option<&str>, extra: &str, body: &[u8]) -> String {
    let mut r = format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n{extra}");
    if let Some(a) = auth {
        r.push_str(&format!("Authorization: {a}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        r.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    r.push_str("\r\n");
    r
}

fn stop(id: &str, instance: &str, at: DateTime<Utc>, reason: Option<String>) -> Record {
    Record {
        v: RECORD_VERSION,
        id: id.into(),
        at,
        actor: admin(),
        reason,
        events: vec![Event::StageEnded {
            instance: instance.into(),
            stage: 0,
            at,
            reason: StageEndReason::Stopped,
        }],
    }
}

fn decision(id: &str, reviewer: &str, instance: &str, item: u32, justification: String) -> Record {
    Record {
        v: RECORD_VERSION,
        id: id.into(),
        at: Utc::now(),
        actor: Actor::User {
            id: reviewer.into(),
        },
        reason: None,
        events: vec![Event::DecisionsRecorded {
            instance: instance.into(),
            stage: 0,
            reviewer: reviewer.into(),
            source: DecisionSource::Reviewer,
            decisions: vec![ItemDecision {
                item,
                decision: Decision::Deny,
                justification,
            }],
        }],
    }
}

fn push_body(records: &[Record]) -> Value {
    json!({ "records": records })
}

/// Who sends a row.
#[derive(Clone, Copy, Debug)]
enum As {
    Nobody,
    Admin,
    Reviewer,
}

struct Row {
    what: &'static str,
    method: &'static str,
    path: &'static str,
    who: As,
    body: Vec<u8>,
    status: u16,
    /// The `error` of the answer, or for 422 the first rejected record's `code`.
    code: Option<&'static str>,
}

async fn every_refusal_leaves_the_log_as_it_was(b: Backend) {
    let s = serve_with(b, |c| c.max_body_bytes = 64 * 1024).await;
    let addr = s.addr();
    let mut admin = AdminClient::new(addr).await;
    let instance = start_review(&mut admin, tenant(2, 3), definition("q1", Utc::now(), true)).await;
    let link = link(addr, &admin.token, &instance, 0, "manager000").await;
    // A decision already stored, to re-send with other content.
    let stored = decision("d1", "manager000", &instance, 0, "left".into());
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
    let mut deep_decision =
        serde_json::to_value(decision("u2", "manager000", &instance, 0, "x".into())).unwrap();
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
        },
        Row {
            what: "an administrator's stop dated 10 minutes ago",
            method: "POST",
            path: "/api/v1/records",
            who: As::Admin,
            body: json(push_body(&[stop("t2", &instance, now - Duration::minutes(10), None)])),
            status: 422,
            code: Some("clockBehind"),
        },
        Row {
            what: "an administrator's stop dated 2 hours ahead",
            method: "POST",
            path: "/api/v1/records",
            who: As::Admin,
            body: json(push_body(&[stop("t3", &instance, now + Duration::hours(2), None)])),
            status: 422,
            code: Some("clockAhead"),
        },
        // Caps, enforced by the engine.
        Row {
            what: "a justification over 2,000 characters",
            method: "POST",
            path: "/api/v1/records",
            who: As::Reviewer,
            body: json(push_body(&[decision(
                "c1",
                "manager000",
                &instance,
                1,
                "j".repeat(2_001),
            )])),
            status: 422,
            code: Some("tooLong"),
        },
        Row {
            what: "a stop reason over 1,000 characters",
            method: "POST",
            path: "/api/v1/records",
            who: As::Admin,
            body: json(push_body(&[stop("c2", &instance, now, Some("r".repeat(1_001)))])),
            status: 422,
            code: Some("tooLong"),
        },
        Row {
            what: "an administrator name over 100 characters at sign-in",
            method: "POST",
            path: "/api/v1/session",
            who: As::Nobody,
            body: json(json!({"secret": SECRET, "name": "n".repeat(101)})),
            status: 400,
            code: Some("badName"),
        },
        Row {
            what: "a 200,000-character name at sign-in",
            method: "POST",
            path: "/api/v1/session",
            who: As::Nobody,
            body: json(json!({"secret": SECRET, "name": "n".repeat(200_000)})),
            status: 413,
            code: Some("bodyTooLarge"),
        },
        Row {
            what: "a record id over 128 characters",
            method: "POST",
            path: "/api/v1/records",
            who: As::Admin,
            body: json(push_body(&[stop(&"i".repeat(129), &instance, now, None)])),
            status: 400,
            code: Some("badRecordId"),
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
        },
        Row {
            what: "a stored decision's id used by the administrator for a stop",
            method: "POST",
            path: "/api/v1/records",
            who: As::Admin,
            body: json(push_body(&[stop("d1", &instance, now, None)])),
            status: 409,
            code: Some("conflict"),
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
        },
        Row {
            what: "an unknown field inside a decision",
            method: "POST",
            path: "/api/v1/records",
            who: As::Reviewer,
            body: json(json!({ "records": [deep_decision] })),
            status: 400,
            code: Some("unknownField"),
        },
        Row {
            what: "an unknown field inside the actor",
            method: "POST",
            path: "/api/v1/records",
            who: As::Admin,
            body: json(json!({ "records": [deep_actor] })),
            status: 400,
            code: Some("unknownField"),
        },
        Row {
            what: "a value of the wrong type deep inside",
            method: "POST",
            path: "/api/v1/records",
            who: As::Admin,
            body: br#"{"records":[{"v":1,"id":"w1","at":"2026-01-01T00:00:00Z","actor":{"kind":"system"},"events":[{"type":"draftDeleted","definition":5}]}]}"#.to_vec(),
            status: 400,
            code: Some("malformedJson"),
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
        },
        Row {
            what: "an oversized push with a forged token",
            method: "POST",
            path: "/api/v1/records",
            who: As::Nobody,
            body: oversized,
            status: 401,
            code: Some("signInRequired"),
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
        },
        Row {
            what: "a reviewer issuing links",
            method: "POST",
            path: "/api/v1/links",
            who: As::Reviewer,
            body: json(json!({"instance": instance, "stage": 0, "reviewer": "manager001"})),
            status: 403,
            code: Some("forbidden"),
        },
        Row {
            what: "a reviewer deciding another reviewer's item",
            method: "POST",
            path: "/api/v1/records",
            who: As::Reviewer,
            body: json(push_body(&[decision("r1", "manager001", &instance, 0, "x".into())])),
            status: 403,
            code: Some("forbidden"),
        },
        Row {
            what: "a reviewer's decision sent with an administrator's session",
            method: "POST",
            path: "/api/v1/records",
            who: As::Admin,
            body: json(push_body(&[decision("r2", "manager000", &instance, 0, "x".into())])),
            status: 403,
            code: Some("forbidden"),
        },
        Row {
            what: "a review link withdrawing links",
            method: "DELETE",
            path: "/api/v1/links",
            who: As::Reviewer,
            body: json(json!({"instance": instance, "stage": 0, "reviewer": "manager000"})),
            status: 403,
            code: Some("forbidden"),
        },
        Row {
            what: "a review link ending all sessions",
            method: "DELETE",
            path: "/api/v1/sessions",
            who: As::Reviewer,
            body: vec![],
            status: 403,
            code: Some("forbidden"),
        },
        Row {
            what: "truncated JSON",
            method: "POST",
            path: "/api/v1/records",
            who: As::Admin,
            body: b"{\"records\": [".to_vec(),
            status: 400,
            code: Some("malformedJson"),
        },
        Row {
            what: "an unknown top-level field",
            method: "POST",
            path: "/api/v1/records",
            who: As::Admin,
            body: b"{\"records\": [], \"force\": true}".to_vec(),
            status: 400,
            code: Some("malformedJson"),
        },
        Row {
            what: "a path that climbs out of the app's folder",
            method: "GET",
            path: "/../../etc/passwd",
            who: As::Nobody,
            body: vec![],
            status: 404,
            code: None,
        },
        Row {
            what: "PUT on the log",
            method: "PUT",
            path: "/api/v1/records",
            who: As::Admin,
            body: vec![],
            status: 405,
            code: None,
        },
        Row {
            what: "OPTIONS on an API path that does not exist",
            method: "OPTIONS",
            path: "/api/v1/nothing-here",
            who: As::Nobody,
            body: vec![],
            status: 404,
            code: Some("notFound"),
        },
        Row {
            what: "OPTIONS on a page",
            method: "OPTIONS",
            path: "/anything",
            who: As::Nobody,
            body: vec![],
            status: 405,
            code: None,
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
        let (status, head, body) = raw(
            addr,
            &request(row.method, row.path, auth.as_deref(), "", &row.body),
            &row.body,
        )
        .await;
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

fn deep_decision_path(instance: &str) -> Value {
    let mut v =
        serde_json::to_value(decision("u9", "manager000", instance, 0, "x".into())).unwrap();
    v["actor"] = serde_json::to_value(admin()).unwrap();
    v["events"][0]["decisions"][0]["weight"] = json!(10);
    v
}

/// A two-stage review whose stage 1 ends in 7 days and that applies its results by itself.
async fn two_stage_auto_apply(admin: &mut AdminClient) -> String {
    let mut def = definition("q1", Utc::now(), true);
    def.settings.auto_apply = true;
    start_review(admin, tenant(2, 3), def).await
}

async fn the_server_clock_decides_a_backdated_stop(b: Backend) {
    let s = serve(b).await;
    let addr = s.addr();
    let mut admin = AdminClient::new(addr).await;
    let instance = two_stage_auto_apply(&mut admin).await;
    let (before, _) = pull_all(addr, &admin.token, 0, 100).await;

    // Eight days back, stage 2 would start and end at once and the results would apply.
    let old = admin.record(
        Command::StopCurrentStage {
            instance: instance.clone(),
        },
        Utc::now() - Duration::days(8),
    );
    let r = push(addr, &admin.token, &[old]).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.body["rejected"][0]["code"], "clockBehind");
    let (after, _) = pull_all(addr, &admin.token, 0, 100).await;
    assert_eq!(after, before, "a stop dated 8 days back changed nothing");
    assert_eq!(replay(&after).instances[&instance].current_stage, 0);

    // Within the skew it is taken, but decided at the server's now, as the same stop sent
    // now would be: stage 2 starts now and runs its full 7 days; nothing is applied.
    let sent_at = Utc::now() - Duration::minutes(4);
    let t0 = Utc::now();
    let recent = admin.record(
        Command::StopCurrentStage {
            instance: instance.clone(),
        },
        sent_at,
    );
    let r = push(addr, &admin.token, std::slice::from_ref(&recent)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let (log, _) = pull_all(addr, &admin.token, 0, 100).await;
    let stored = log.iter().find(|r| r.id == recent.id).unwrap();
    assert!(
        stored.at >= t0,
        "stored at {} (sent at {sent_at})",
        stored.at
    );
    for e in &stored.events {
        match e {
            Event::StageEnded { at, .. } => assert!(*at >= t0),
            Event::StageStarted { at, deadline, .. } => {
                assert!(*at >= t0);
                assert_eq!(*deadline - *at, Duration::days(7));
            }
            Event::ResultsApplied { .. } | Event::InstanceCompleted { .. } => {
                panic!("a stop within the skew applied results: {e:?}")
            }
            _ => {}
        }
    }
    let state = replay(&log);
    let inst = &state.instances[&instance];
    assert_eq!(inst.current_stage, 1);
    assert!(inst.applied.is_none());

    // A reviewer's decision dated 1970 is a decision made when it arrives.
    let owner = link(addr, &admin.token, &instance, 1, "olivia").await;
    let mut d = decision("old-decision", "olivia", &instance, 0, "gone".into());
    d.at = DateTime::<Utc>::from_timestamp(0, 0).unwrap();
    if let Event::DecisionsRecorded { stage, .. } = &mut d.events[0] {
        *stage = 1;
    }
    let t1 = Utc::now();
    let r = push(addr, &owner, &[d]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let (log, _) = pull_all(addr, &admin.token, 0, 100).await;
    let stored = log.iter().find(|r| r.id == "old-decision").unwrap();
    assert!(stored.at >= t1, "stored at {}", stored.at);
}

async fn identity_comes_from_the_credential(b: Backend) {
    let s = serve(b).await;
    let addr = s.addr();
    let mut admin = AdminClient::new(addr).await;
    let instance = start_review(&mut admin, tenant(2, 3), definition("q1", Utc::now(), true)).await;
    // The record claims another, very long name; the history shows the session's.
    let mut r = admin.record(
        Command::StopCurrentStage {
            instance: instance.clone(),
        },
        Utc::now(),
    );
    r.actor = Actor::Administrator {
        name: "Mallory".repeat(1000),
    };
    let reply = push(addr, &admin.token, &[r.clone()]).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let (log, _) = pull_all(addr, &admin.token, 0, 100).await;
    assert!(log.iter().all(|rec| !matches!(
        &rec.actor,
        Actor::Administrator { name } if name != "Ada Admin"
    )));
    assert_eq!(
        log.iter().find(|x| x.id == r.id).unwrap().actor,
        admin_named("Ada Admin")
    );
}

fn admin_named(name: &str) -> Actor {
    Actor::Administrator { name: name.into() }
}

async fn credentials_can_be_withdrawn(b: Backend) {
    let s = serve_with(b, |c| c.sign_in_failures = 3).await;
    let addr = s.addr();
    let mut admin = AdminClient::new(addr).await;
    let instance = start_review(
        &mut admin,
        tenant(2, 3),
        definition("q1", Utc::now(), false),
    )
    .await;

    // Failed sign-ins are throttled per client; a right secret is refused too while it lasts.
    for _ in 0..3 {
        let r = post(
            addr,
            "/api/v1/session",
            None,
            &json!({"secret": "guess guess guess", "name": "Eve"}),
        )
        .await;
        assert_eq!(r.status, 401, "{}", r.text);
    }
    let body = json!({"secret": SECRET, "name": "Ada"}).to_string();
    let (status, head, text) = raw(
        addr,
        &request("POST", "/api/v1/session", None, "", body.as_bytes()),
        body.as_bytes(),
    )
    .await;
    assert_eq!(status, 429, "{text}");
    assert!(text.contains("tooManyAttempts"), "{text}");
    let retry: u64 = head
        .lines()
        .find_map(|l| l.strip_prefix("retry-after: "))
        .expect("a Retry-After header")
        .trim()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    s.clock.skip(Duration::seconds(61));
    assert_eq!(
        post(
            addr,
            "/api/v1/session",
            None,
            &json!({"secret": SECRET, "name": "Ada"})
        )
        .await
        .status,
        201
    );

    // A reviewer link can be withdrawn.
    let a = link(addr, &admin.token, &instance, 0, "manager000").await;
    assert_eq!(get(addr, "/api/v1/me", Some(&a)).await.status, 200);
    let r = http(
        addr,
        "DELETE",
        "/api/v1/links",
        Some(&admin.token),
        Some(
            json!({"instance": instance, "stage": 0, "reviewer": "manager000"})
                .to_string()
                .as_bytes(),
        ),
    )
    .await;
    assert_eq!(
        (r.status, r.body["revoked"].as_u64()),
        (200, Some(1)),
        "{}",
        r.text
    );
    let r = get(addr, "/api/v1/reviewer", Some(&a)).await;
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (401, Some("invalidToken"))
    );

    // Every administrator session can be ended at once.
    let other = sign_in(addr).await;
    let r = http(addr, "DELETE", "/api/v1/sessions", Some(&other), None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    for t in [&other, &admin.token] {
        assert_eq!(get(addr, "/api/v1/me", Some(t)).await.status, 401);
    }

    // Expired links and sessions are deleted (at the next sign-in).
    let admin2 = sign_in(addr).await;
    let c = link(addr, &admin2, &instance, 0, "manager001").await;
    let stored = |t: String| {
        let app = s.server.app.clone();
        async move {
            app.db
                .lock()
                .await
                .unwrap()
                .token(&t)
                .await
                .unwrap()
                .is_some()
        }
    };
    assert!(stored(attest_server::token::hash(&c)).await);
    s.clock.skip(Duration::days(8));
    let token = sign_in(addr).await;
    assert!(
        !stored(attest_server::token::hash(&c)).await,
        "an expired link is still stored"
    );
    assert!(
        !stored(attest_server::token::session_hash(&admin2, SECRET)).await,
        "an expired session is still stored"
    );
    assert!(stored(attest_server::token::session_hash(&token, SECRET)).await);

    // A server started with a new secret ends the sessions of the old one.
    let storage = s.server.app.config.storage.clone();
    drop(s);
    let again = serve_with(b, |c| {
        c.storage = storage;
        c.admin_secret = "a brand new secret, longer".into();
    })
    .await;
    let r = get(again.addr(), "/api/v1/me", Some(&token)).await;
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (401, Some("invalidToken"))
    );
}

async fn a_reviewer_pull_carries_only_the_engine_view(b: Backend) {
    let s = serve(b).await;
    let addr = s.addr();
    let mut admin = AdminClient::new(addr).await;
    let mut dir = tenant(2, 3);
    // Never signed in: the engine recommends Deny for this one.
    dir.users.get_mut("user000x0000").unwrap().last_sign_in = None;
    let mut def = definition("q1", Utc::now(), false);
    def.stages[0].reviewers = Reviewers::Managers;
    def.stages[0].recommendations = false;
    // Recommendations are worked out (for stages that take them when nobody answers)…
    def.settings.if_no_response = NoResponse::TakeRecommendations;
    let instance = start_review(&mut admin, dir, def).await;
    assert!(
        admin.state.instances[&instance]
            .items
            .iter()
            .any(|i| i.recommendation.is_some()),
        "the test needs recommendations on the items"
    );
    // …but this stage does not show them, and its fallback reviewer is nobody's business.
    let a = link(addr, &admin.token, &instance, 0, "manager000").await;
    let own = get(addr, "/api/v1/reviewer/records", Some(&a)).await;
    assert_eq!(own.status, 200, "{}", own.text);
    let compact =
        replay(&serde_json::from_value::<Vec<Record>>(own.body["records"].clone()).unwrap());
    let inst = &compact.instances[&instance];
    assert!(
        inst.items.iter().all(|i| i.recommendation.is_none()),
        "{}",
        own.text
    );
    assert!(
        !own.text.contains("olivia"),
        "the fallback reviewer leaked: {}",
        own.text
    );
    let view = get(addr, "/api/v1/reviewer", Some(&a)).await;
    assert_eq!(view.status, 200, "{}", view.text);
    for row in view.body["view"]["rows"].as_array().unwrap() {
        assert_eq!(row["recommendation"], Value::Null);
    }
}

/// Slow clients: a request head or body that does not arrive in time is dropped, and a
/// server whose connections are all taken by such clients serves others once they are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_cut_off_and_do_not_starve_others() {
    let s = serve_with(Backend::Sqlite, |c| {
        c.header_read_timeout = std::time::Duration::from_millis(300);
        c.body_timeout = std::time::Duration::from_millis(300);
        c.max_connections = 2;
    })
    .await;
    let addr = s.addr();
    // Guards against a hang only; nothing here measures speed.
    const LIMIT: std::time::Duration = std::time::Duration::from_secs(30);
    let mut slow = Vec::new();
    for _ in 0..2 {
        let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
        c.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        slow.push(c);
    }
    // Both slots are taken; this request is served once the slow heads are cut off.
    let h = tokio::time::timeout(LIMIT, get(addr, "/api/v1/health", None))
        .await
        .expect("a request behind slow clients was never served");
    assert_eq!(h.status, 200);
    for mut c in slow {
        let mut buf = Vec::new();
        let _ = tokio::time::timeout(LIMIT, c.read_to_end(&mut buf))
            .await
            .expect("a slow client's connection stayed open");
        assert!(
            !String::from_utf8_lossy(&buf).contains("200 OK"),
            "a request head that never ended was served"
        );
    }

    // A body that stops half-way is refused and stores nothing.
    let token = sign_in(addr).await;
    let head = format!(
        "POST /api/v1/records HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"records\": ["
    );
    let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
    c.write_all(head.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(LIMIT, c.read_to_end(&mut out))
        .await
        .expect("a half-sent body held the request open")
        .unwrap();
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("bodyTimeout"), "{text}");
    let (log, _) = pull_all(addr, &token, 0, 100).await;
    assert!(log.is_empty());
}

/// The policy allows the loader script Trunk writes into index.html by its hash, and no
/// other inline script; scripts with a `src` need no hash.
#[test]
fn the_content_security_policy_allows_the_app_loader_only() {
    let dist = temp_dir("dist");
    std::fs::write(
        dist.join("index.html"),
        "<html><head><script src=\"/x.js\"></script>\
         <script type=\"module\">\nimport init from '/attest.js';\nawait init();\n</script>\
         </head></html>",
    )
    .unwrap();
    let csp = attest_server::api::content_security_policy(Some(&dist));
    assert!(
        csp.contains(
            "script-src 'self' 'wasm-unsafe-eval' 'sha256-6EITq5o6i9PQzLYu/D7xYUsabS4DOS/pxqR38YEkfEE=';"
        ),
        "{csp}"
    );
    assert_eq!(csp.matches("'sha256-").count(), 1, "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    let without = attest_server::api::content_security_policy(None);
    assert!(
        without.contains("script-src 'self' 'wasm-unsafe-eval';"),
        "{without}"
    );
}
