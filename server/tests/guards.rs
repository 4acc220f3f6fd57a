//! What a refusal table cannot hold: the server's clock deciding, identity from the
//! credential, throttled sign-ins, withdrawn credentials, what a reviewer's pull carries,
//! slow clients and the content security policy.

mod support;

use attest_engine::definition::{NoResponse, Reviewers};
use attest_engine::event::{Event, Record};
use attest_engine::{replay, Actor, Command};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

on_both!(
    the_server_clock_decides_a_backdated_stop,
    identity_comes_from_the_credential,
    credentials_can_be_withdrawn,
    a_reviewer_pull_carries_only_the_engine_view,
);

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
    let mut d = reviewer_decision("old-decision", "olivia", &instance, 0, "gone".into());
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
    let r = reviewer_page(addr, &a).await;
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
    let view = reviewer_page(addr, &a).await;
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

/// The policy allows the loader script the build writes into index.html by its hash, and no
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
