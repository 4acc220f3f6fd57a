//! Webhook routes (issue 24): every notification is also posted to the configured Teams and
//! Slack incoming webhooks, in the JSON each accepts and in the administrator's wording; a
//! route that fails is retried, and the outbox records each attempt (failed with the
//! reason, then sent). On SQLite and on PostgreSQL.

mod support;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use attest_engine::notify::Template;
use attest_engine::outbox::MessageKind;
use attest_engine::Command;
use attest_server::webhook::WebhookRoute;
use chrono::Utc;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use support::*;

on_both!(a_failed_post_is_retried_and_recorded_failed_then_sent);

/// What the receiver got: (path, JSON body, the status it answered).
type Received = Arc<Mutex<Vec<(String, Value, u16)>>>;

/// A loopback webhook receiver: the first post to each path gets a 500, every later one 200.
async fn receiver() -> (SocketAddr, Received) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let got: Received = Arc::default();
    let seen = got.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let seen = seen.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                    let seen = seen.clone();
                    async move {
                        let path = req.uri().path().to_string();
                        let body = req.into_body().collect().await?.to_bytes();
                        let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                        let mut seen = seen.lock().unwrap();
                        let first = !seen.iter().any(|(p, _, _)| *p == path);
                        let status = if first { 500 } else { 200 };
                        seen.push((path, json, status));
                        Ok::<_, hyper::Error>(
                            Response::builder()
                                .status(StatusCode::from_u16(status).unwrap())
                                .body(Full::new(Bytes::from(if first {
                                    "try again later"
                                } else {
                                    "ok"
                                })))
                                .unwrap(),
                        )
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (addr, got)
}

async fn a_failed_post_is_retried_and_recorded_failed_then_sent(b: Backend) {
    let (hook, received) = receiver().await;
    let s = serve_with(b, |c| {
        c.webhooks = vec![
            WebhookRoute::parse(&format!("slack=http://{hook}/slack")).unwrap(),
            WebhookRoute::parse(&format!("teams=http://{hook}/teams")).unwrap(),
        ];
        c.delivery_interval = Duration::from_millis(200);
        c.public_url = Some("https://attest.contoso.com".into());
    })
    .await;
    let addr = s.addr();
    let mut admin = AdminClient::new(addr).await;
    // The administrator's wording is what the channel reads.
    let r = admin
        .run(
            Command::SetNotificationTemplate {
                kind: MessageKind::ReviewStarted,
                template: Some(Template {
                    subject: "Webhook wording: {review} for {reviewer}".into(),
                    body: "{count} to decide by {due}: {link}".into(),
                }),
            },
            Utc::now(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    start_review(
        &mut admin,
        tenant(2, 3),
        definition("q1", Utc::now(), false),
    )
    .await;

    // Two reviewers' messages, each to two routes; every first post to a route fails.
    let deadline = Instant::now() + Duration::from_secs(60);
    let deliveries = loop {
        let r = get(addr, "/api/v1/outbox", Some(&admin.token)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let rows = r.body["webhooks"].as_array().cloned().unwrap_or_default();
        if rows.len() == 4 && rows.iter().all(|d| d["status"] == "sent") {
            break rows;
        }
        if rows.iter().any(|d| d["status"] == "failed") {
            // Past the first retry's backoff without waiting for it.
            s.clock.skip(chrono::Duration::seconds(3));
        }
        assert!(
            Instant::now() < deadline,
            "the posts did not all go out: {rows:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };

    let mut failed_first = 0;
    for d in &deliveries {
        let route = d["route"].as_str().unwrap();
        assert!(
            route == format!("slack http://{hook}") || route == format!("teams http://{hook}"),
            "the route is named by kind and host, not its secret path: {route}"
        );
        let history = d["history"].as_array().unwrap();
        assert_eq!(history.len() as i64, d["attempts"].as_i64().unwrap(), "{d}");
        assert!(history.last().unwrap()["error"].is_null(), "{d}");
        assert!(d["sentAt"].is_i64(), "{d}");
        if history.len() == 2 {
            failed_first += 1;
            let error = history[0]["error"].as_str().unwrap();
            assert!(
                error.contains("500") && error.contains("try again later"),
                "{error}"
            );
        } else {
            assert_eq!(history.len(), 1, "{d}");
        }
    }
    assert_eq!(
        failed_first, 2,
        "one failure per route, then sent: {deliveries:#?}"
    );

    // What the routes accepted: each in its own JSON shape, in the administrator's wording,
    // with the app's link and no reviewer token.
    let got = received.lock().unwrap().clone();
    let accepted: Vec<&(String, Value, u16)> = got.iter().filter(|(_, _, s)| *s == 200).collect();
    assert_eq!(accepted.len(), 4, "{got:#?}");
    for (path, json, _) in accepted {
        let text = match path.as_str() {
            "/slack" => json["text"].as_str().unwrap().to_string(),
            "/teams" => {
                let card = &json["attachments"][0];
                assert_eq!(
                    card["contentType"],
                    "application/vnd.microsoft.card.adaptive"
                );
                assert_eq!(card["content"]["type"], "AdaptiveCard");
                let blocks = card["content"]["body"].as_array().unwrap();
                assert!(blocks[0]["text"]
                    .as_str()
                    .unwrap()
                    .starts_with("Webhook wording: Review q1 for "));
                assert!(card["content"]["actions"][0]["url"]
                    .as_str()
                    .unwrap()
                    .starts_with(
                        "https://attest.contoso.com/my-reviews/q1~0~g-sales/1?reviewer=manager00"
                    ));
                blocks
                    .iter()
                    .map(|b| b["text"].as_str().unwrap())
                    .collect::<Vec<_>>()
                    .join("\n")
            }
            other => panic!("a post to {other}"),
        };
        assert!(text.contains("Webhook wording: Review q1 for "), "{text}");
        assert!(text.contains("3 to decide by "), "{text}");
        assert!(
            text.contains(
                "https://attest.contoso.com/my-reviews/q1~0~g-sales/1?reviewer=manager00"
            ),
            "{text}"
        );
        assert!(
            !text.contains("token"),
            "a channel never gets a personal link: {text}"
        );
    }
}

#[test]
fn routes_are_checked_when_the_server_starts() {
    // (spec, accepted, or the words of the refusal)
    let table: [(&str, Result<&str, &str>); 6] = [
        (
            "slack=https://hooks.slack.com/services/T0/B0/secret",
            Ok("slack https://hooks.slack.com"),
        ),
        (
            "Teams=https://contoso.webhook.office.com/webhookb2/secret",
            Ok("teams https://contoso.webhook.office.com"),
        ),
        (
            "teams=http://127.0.0.1:9/hook",
            Ok("teams http://127.0.0.1:9"),
        ),
        (
            "slack=http://hooks.slack.com/services/secret",
            Err("must be an https:// address"),
        ),
        (
            "discord=https://example.com/x",
            Err("\"discord\" is not known: use teams or slack"),
        ),
        (
            "https://hooks.slack.com/services/secret",
            Err("is not KIND=URL"),
        ),
    ];
    for (spec, want) in table {
        match (WebhookRoute::parse(spec), want) {
            (Ok(route), Ok(name)) => assert_eq!(route.name(), name, "{spec}"),
            (Err(e), Err(words)) => {
                assert!(e.contains(words), "{spec}: {e}");
                assert!(
                    !e.contains("secret"),
                    "a refusal never shows the secret path: {e}"
                );
            }
            (got, want) => panic!("{spec}: got {got:?}, wanted {want:?}"),
        }
    }
}
