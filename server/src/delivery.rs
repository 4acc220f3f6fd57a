//! Sends the notification outbox through the configured SMTP relay. Each message gets a
//! fresh link token when it is sent (only its hash is stored), and the outbox records who
//! was contacted and when, or why not.

use std::sync::Arc;

use attest_engine::view::reviewer_view;
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
fn backoff(attempts: i64) -> Duration {
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
        let state = &s.cache.state;
        let Some(user) = state.directory.users.get(&row.reviewer) else {
            plans.push(Plan::Skip {
                row,
                why: "the reviewer is no longer in the directory".into(),
            });
            continue;
        };
        let view = match reviewer_view(state, &row.instance, stage, &row.reviewer) {
            Ok(v) => v,
            Err(e) => {
                plans.push(Plan::Skip {
                    row,
                    why: format!("not sent: {e}"),
                });
                continue;
            }
        };
        let (name, address) = (user.display_name.clone(), user.user_principal_name.clone());
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
        let undecided = view.rows.iter().filter(|r| r.decision.is_none()).count();
        let deadline = view
            .deadline
            .map(|d| d.format("%e %B %Y %H:%M UTC").to_string())
            .unwrap_or_default();
        let (subject, opening) = if row.kind == "reminder" {
            (
                format!("Reminder: review access to {}", view.resource.name),
                format!("{undecided} of the reviewees assigned to you still need a decision."),
            )
        } else if row.kind == "handedOver" {
            (
                format!("Reviewees handed to you: {}", view.resource.name),
                format!(
                    "Reviewees of the access review of {} were reassigned or escalated to you; {undecided} still need a decision.",
                    view.resource.name
                ),
            )
        } else {
            (
                format!("Review access to {}", view.resource.name),
                format!(
                    "You are asked to review who has access to {}.",
                    view.resource.name
                ),
            )
        };
        let body = format!(
                "Hello {name},\n\n{opening}\n\nReview: {}\nStage {} of {}, ends {deadline}\n\n{}\n\nOpen your review:\n{link}\n\nThis link is for you only and works until the stage ends.\n",
                view.review_name,
                view.stage + 1,
                view.stage_count,
                view.description_for_reviewers,
            );
        plans.push(Plan::Send {
            row,
            message: Message {
                from: smtp.from.clone(),
                to: address,
                subject,
                body,
            },
        });
    }
    Ok(plans)
}
