//! Sends the notification outbox through the configured SMTP relay. Each message gets a
//! fresh link token when it is sent (only its hash is stored), is worded by the engine's
//! templates in force then (`compose`), and the outbox records who was contacted and when,
//! or why not.

use std::sync::Arc;

use std::collections::BTreeMap;

use attest_engine::notify::{self, Values};
use attest_engine::outbox::MessageKind;
use attest_engine::view::reviewer_view;
use attest_engine::State;
use chrono::Duration;

use crate::api::{issue_link, ApiError};
use crate::db::OutboxRow;
use crate::smtp::{self, Message};
use crate::{App, SmtpConfig};

/// Messages one server takes per round.
const BATCH: i64 = 10;
/// How long a claim lasts: longer than preparing and sending a round takes. A server that
/// dies holding a claim delays those messages by this much; it never drops them.
const LEASE: Duration = Duration::minutes(5);
/// Retries back off 2, 4, 8... seconds, then every 10 minutes until the relay takes the
/// message: a failing relay delays mail, it never loses it.
pub fn backoff(attempts: i64) -> Duration {
    Duration::seconds(2i64 << attempts.clamp(0, 8)).min(Duration::minutes(10))
}

pub async fn run(app: Arc<App>, smtp: SmtpConfig) {
    loop {
        if let Err(e) = deliver_due(&app, &smtp).await {
            eprintln!("attest-server: delivery: {}", e.message);
        }
        tokio::select! {
            _ = app.outbox_changed.notified() => {}
            _ = tokio::time::sleep(app.config.delivery_interval) => {}
        }
    }
}

enum Plan {
    Send { row: OutboxRow, message: Message },
    Skip { row: OutboxRow, why: String },
}

/// Claim what is due now, prepare it, send it and settle each claim; returns how many
/// messages went out.
pub async fn deliver_due(app: &App, smtp: &SmtpConfig) -> Result<usize, ApiError> {
    let now = app.clock.now();
    let claimed = app
        .db
        .lock()
        .await?
        .claim_messages(
            &app.id,
            now.timestamp_millis(),
            (now + LEASE).timestamp_millis(),
            BATCH,
        )
        .await?;
    if claimed.is_empty() {
        return Ok(0);
    }
    let ids: Vec<String> = claimed.iter().map(|r| r.id.clone()).collect();
    let prepared = match smtp::transport(smtp) {
        Ok(t) => prepare(app, smtp, claimed).await.map(|p| (t, p)),
        Err(e) => Err(ApiError::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "smtpConfig",
            e.to_string(),
        )),
    };
    let (transport, plans) = match prepared {
        Ok(p) => p,
        Err(e) => {
            // Hand the messages back at once rather than when the claim lapses.
            if let Ok(mut conn) = app.db.lock().await {
                let _ = conn
                    .release_messages(&ids, &app.id, now.timestamp_millis())
                    .await;
            }
            return Err(e);
        }
    };
    let mut sent = 0;
    for plan in plans {
        match plan {
            Plan::Skip { row, why } => {
                app.db
                    .lock()
                    .await?
                    .mark_message(&row.id, &app.id, None, None, Some(&why), i64::MAX)
                    .await?;
            }
            Plan::Send { row, message } => {
                let result = smtp::send(
                    &transport,
                    &message,
                    // Unique per attempt, and names the server that sent it.
                    &format!(
                        "{}.{}.{}",
                        crate::token::hash(&row.id),
                        row.attempts,
                        app.id
                    ),
                )
                .await;
                let now = app.clock.now();
                let mut conn = app.db.lock().await?;
                match result {
                    Ok(()) => {
                        sent += 1;
                        conn.mark_message(
                            &row.id,
                            &app.id,
                            Some(&message.to),
                            Some(now.timestamp_millis()),
                            None,
                            i64::MAX,
                        )
                        .await?;
                    }
                    Err(e) => {
                        let next = (now + backoff(row.attempts)).timestamp_millis();
                        conn.mark_message(&row.id, &app.id, None, None, Some(&e.to_string()), next)
                            .await?;
                    }
                }
            }
        }
    }
    Ok(sent)
}

/// Each claimed message's mail (with a fresh link), or why it is not sent.
async fn prepare(app: &App, smtp: &SmtpConfig, due: Vec<OutboxRow>) -> Result<Vec<Plan>, ApiError> {
    let mut s = app.read().await?;
    let mut plans = Vec::new();
    for row in due {
        let stage = row.stage as usize;
        // Checked before a link is issued for it.
        if let Err(why) = compose(&s.cache.state, &row, "") {
            plans.push(Plan::Skip { row, why });
            continue;
        }
        s.conn().await?;
        let (_, link, _) = issue_link(
            s.conn.as_mut().expect("taken just above"),
            &s.cache.state,
            &app.public_url,
            &row.instance,
            stage,
            &row.reviewer,
            s.now,
        )
        .await?;
        let mail = match compose(&s.cache.state, &row, &link) {
            Ok(m) => m,
            Err(why) => {
                plans.push(Plan::Skip { row, why });
                continue;
            }
        };
        plans.push(Plan::Send {
            row,
            message: Message {
                from: smtp.from.clone(),
                to: mail.address,
                subject: mail.subject,
                body: format!(
                    "{}\n\nThis link is for you only and works until the stage ends.\n",
                    mail.body
                ),
            },
        });
    }
    Ok(plans)
}

/// A queued message as words: to whom, and its subject and body with `link` in it.
pub struct Composed {
    pub name: String,
    pub address: String,
    pub subject: String,
    pub body: String,
}

/// The message of an outbox row as the engine's templates word it (the administrator's
/// wording, else the default), filled with the reviewer's view now; or why it is not sent.
/// Mail and webhooks both say this, so what goes out is what the Notifications screen shows.
pub fn compose(state: &State, row: &OutboxRow, link: &str) -> Result<Composed, String> {
    let stage = row.stage as usize;
    let Some(user) = state.directory.users.get(&row.reviewer) else {
        return Err("the reviewer is no longer in the directory".into());
    };
    let view = reviewer_view(state, &row.instance, stage, &row.reviewer)
        .map_err(|e| format!("not sent: {e}"))?;
    let undecided = view.rows.iter().filter(|r| r.decision.is_none()).count();
    let due = view.deadline.map_or_else(
        || "the time an administrator ends the stage".to_string(),
        |d| {
            d.format("%e %B %Y %H:%M UTC")
                .to_string()
                .trim()
                .to_string()
        },
    );
    let kind = match row.kind.as_str() {
        "reminder" => MessageKind::Reminder,
        "handedOver" => MessageKind::Reassigned,
        _ if stage == 0 => MessageKind::ReviewStarted,
        _ => MessageKind::StageStarted,
    };
    let values: Values = BTreeMap::from([
        ("reviewer", user.display_name.clone()),
        ("review", view.review_name.clone()),
        ("resource", view.resource.name.clone()),
        (
            "stage",
            format!("{} of {}", view.stage + 1, view.stage_count),
        ),
        ("due", due),
        ("count", attest_engine::words::thousands(undecided)),
        ("link", link.to_string()),
        (
            "description",
            view.description_for_reviewers.trim().to_string(),
        ),
    ]);
    let (subject, body) = if kind == MessageKind::Reassigned {
        // The row does not say who handed the reviewees over nor why (a reassignment or an
        // escalation): the server's own words, not the template that needs them.
        (
            format!("Reviewees handed to you: {}", view.resource.name),
            format!(
                "Hello {},\n\nReviewees of the access review of {} were reassigned or \
                 escalated to you; {undecided} still need a decision.\n\nOpen your review:\n{link}",
                user.display_name, view.resource.name
            ),
        )
    } else {
        notify::render(&state.notification_templates, kind, &values)
    };
    Ok(Composed {
        name: user.display_name.clone(),
        address: user.user_principal_name.clone(),
        subject,
        body,
    })
}
