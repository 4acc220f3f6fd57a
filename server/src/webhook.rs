//! Webhook routes: every outbox message is also posted, as JSON, to each route configured
//! with `--webhook teams=URL` or `--webhook slack=URL` (Microsoft Teams takes an Adaptive
//! Card attachment, Slack `{"text": ...}`). A channel is shared, so the post carries the
//! app's link to the review (sign-in needed), never a reviewer's personal link token.
//! Each post is recorded per message and route with every attempt; a failure is retried
//! with the mail's backoff, so a route that is down delays posts and never loses them.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use attest_engine::outbox::reviewer_link;
use axum::body::Bytes;
use chrono::Duration;
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::CONTENT_TYPE;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};

use crate::api::ApiError;
use crate::delivery::{backoff, compose};
use crate::App;

/// Deliveries one server takes per round.
const BATCH: i64 = 20;
/// How long a claim lasts (see `delivery::LEASE`).
const LEASE: Duration = Duration::minutes(5);
/// A route must answer within this time.
const TIMEOUT: StdDuration = StdDuration::from_secs(20);
/// The most of a refusal's body kept as its reason.
const REASON_BYTES: usize = 300;

/// Which JSON a route takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebhookKind {
    /// A Microsoft Teams incoming webhook (Workflows or the older connector).
    Teams,
    /// A Slack incoming webhook.
    Slack,
}

/// A route: where to post, and in which shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookRoute {
    pub kind: WebhookKind,
    pub url: String,
}

impl WebhookRoute {
    /// `teams=URL` or `slack=URL`. The URL is https (plain http only to this machine, for
    /// a local relay or a test).
    pub fn parse(spec: &str) -> Result<WebhookRoute, String> {
        let (kind, url) = spec.split_once('=').ok_or_else(|| {
            format!(
                "--webhook \"{}\" is not KIND=URL (teams=https://... or slack=https://...)",
                redact(spec)
            )
        })?;
        let kind = match kind.trim().to_ascii_lowercase().as_str() {
            "teams" => WebhookKind::Teams,
            "slack" => WebhookKind::Slack,
            other => {
                return Err(format!(
                    "--webhook kind \"{other}\" is not known: use teams or slack"
                ))
            }
        };
        let url = url.trim().to_string();
        let uri: hyper::Uri = url
            .parse()
            .map_err(|_| format!("--webhook {}: not a URL", redact(&url)))?;
        let host = uri.host().unwrap_or_default();
        let loopback = matches!(host, "127.0.0.1" | "localhost" | "[::1]" | "::1");
        match uri.scheme_str() {
            Some("https") => {}
            Some("http") if loopback => {}
            _ => {
                return Err(format!(
                    "--webhook {}: must be an https:// address",
                    redact(&url)
                ))
            }
        }
        Ok(WebhookRoute { kind, url })
    }

    /// The route as records and logs name it: its kind and host, not its secret path.
    pub fn name(&self) -> String {
        let kind = match self.kind {
            WebhookKind::Teams => "teams",
            WebhookKind::Slack => "slack",
        };
        format!("{kind} {}", redact(&self.url))
    }
}

/// A webhook URL's scheme and host only: the path is the route's secret.
fn redact(url: &str) -> String {
    match url.parse::<hyper::Uri>() {
        Ok(u) if u.host().is_some() => format!(
            "{}://{}{}",
            u.scheme_str().unwrap_or("https"),
            u.host().unwrap_or_default(),
            u.port().map(|p| format!(":{p}")).unwrap_or_default()
        ),
        _ => "(the address given)".into(),
    }
}

/// Route names, made unique (a second route of the same kind and host gets " #2").
pub fn route_names(routes: &[WebhookRoute]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for r in routes {
        let base = r.name();
        let mut name = base.clone();
        let mut n = 1;
        while names.contains(&name) {
            n += 1;
            name = format!("{base} #{n}");
        }
        names.push(name);
    }
    names
}

/// Slack's text format needs only &, < and > escaped.
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The JSON `kind` takes for a message to `to`.
pub fn payload(kind: WebhookKind, to: &str, subject: &str, body: &str, link: &str) -> Value {
    match kind {
        WebhookKind::Slack => json!({
            "text": format!(
                "*{}*\nTo: {}\n\n{}\n\n<{}|Open the review>",
                slack_escape(subject),
                slack_escape(to),
                slack_escape(body),
                link
            ),
        }),
        WebhookKind::Teams => json!({
            "type": "message",
            "attachments": [{
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": null,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": [
                        {"type": "TextBlock", "text": subject, "weight": "Bolder", "size": "Medium", "wrap": true},
                        {"type": "TextBlock", "text": format!("To: {to}"), "isSubtle": true, "wrap": true},
                        {"type": "TextBlock", "text": body, "wrap": true}
                    ],
                    "actions": [{"type": "Action.OpenUrl", "title": "Open the review", "url": link}]
                }
            }]
        }),
    }
}

type HttpClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

/// One client for the server's life: pooled connections, the public roots (webpki-roots).
pub fn client() -> HttpClient {
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_webpki_roots()
        .https_or_http()
        .enable_http1()
        .build();
    Client::builder(TokioExecutor::new()).build(https)
}

/// Post `body` to `url`: Ok when the route answers 2xx, else why not (status and the start
/// of its answer, or the connection's error).
pub async fn post(client: &HttpClient, url: &str, body: &Value) -> Result<(), String> {
    let request = hyper::Request::post(url)
        .header(CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .map_err(|e| format!("the request cannot be made: {e}"))?;
    let exchange = async {
        let response = client
            .request(request)
            .await
            .map_err(|e| format!("cannot reach the webhook: {e}"))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let answer = Limited::new(response.into_body(), 64 * 1024)
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&answer[..answer.len().min(REASON_BYTES)])
            .trim()
            .to_string();
        Err(if text.is_empty() {
            format!("the webhook answered {status}")
        } else {
            format!("the webhook answered {status}: {text}")
        })
    };
    tokio::time::timeout(TIMEOUT, exchange)
        .await
        .unwrap_or_else(|_| {
            Err(format!(
                "the webhook did not answer within {} s",
                TIMEOUT.as_secs()
            ))
        })
}

pub async fn run(app: Arc<App>, routes: Vec<WebhookRoute>) {
    let client = client();
    // A route seen for the first time starts with the messages from now on.
    let since = app.clock.now().timestamp_millis();
    loop {
        if let Err(e) = deliver_due(&app, &routes, &client, since).await {
            eprintln!("attest-server: webhooks: {}", e.message);
        }
        tokio::time::sleep(app.config.delivery_interval).await;
    }
}

/// Queue each route's new messages, claim what is due, post it and record each attempt;
/// returns how many posts were accepted.
pub async fn deliver_due(
    app: &App,
    routes: &[WebhookRoute],
    client: &HttpClient,
    since: i64,
) -> Result<usize, ApiError> {
    let names = route_names(routes);
    let now = app.clock.now();
    let claimed = {
        let mut conn = app.db.lock().await?;
        for name in &names {
            conn.queue_webhooks(name, since).await?;
        }
        conn.claim_webhooks(
            &app.id,
            now.timestamp_millis(),
            (now + LEASE).timestamp_millis(),
            BATCH,
        )
        .await?
    };
    let mut sent = 0;
    for delivery in claimed {
        let route = names
            .iter()
            .position(|n| *n == delivery.route)
            .map(|i| &routes[i]);
        let prepared = match route {
            None => Err("the route is no longer configured on this server".to_string()),
            Some(route) => {
                let message = app
                    .db
                    .lock()
                    .await?
                    .outbox_message(&delivery.message_id)
                    .await?;
                match message {
                    None => Err("the message is no longer in the outbox".to_string()),
                    Some(row) => {
                        let link = format!(
                            "{}{}",
                            app.public_url,
                            reviewer_link(&row.instance, row.stage as usize, &row.reviewer)
                        );
                        let s = app.read().await?;
                        compose(&s.cache.state, &row, &link).map(|m| {
                            (
                                route,
                                payload(route.kind, &m.name, &m.subject, &m.body, &link),
                            )
                        })
                    }
                }
            }
        };
        let (result, retry) = match prepared {
            // Not sendable (no route, no reviewer any more): recorded, never retried.
            Err(why) => (Err(why), false),
            Ok((route, body)) => (post(client, &route.url, &body).await, true),
        };
        let at = app.clock.now();
        let next = if retry {
            (at + backoff(delivery.attempts)).timestamp_millis()
        } else {
            i64::MAX
        };
        if result.is_ok() {
            sent += 1;
        }
        app.db
            .lock()
            .await?
            .mark_webhook(
                &delivery.message_id,
                &delivery.route,
                &app.id,
                at.timestamp_millis(),
                result.as_ref().err().map(String::as_str),
                if result.is_ok() { i64::MAX } else { next },
            )
            .await?;
    }
    Ok(sent)
}
