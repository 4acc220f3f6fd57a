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

/// Attempts before a message is given up on; retries back off 2, 4, 8... seconds.
const MAX_ATTEMPTS: i64 = 8;

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

/// Send what is due now; returns how many messages went out.
pub async fn deliver_due(app: &App, smtp: &SmtpConfig) -> Result<usize, ApiError> {
    // Prepare under the lock (links need the state), send without it.
    let mut s = app.session().await?;
    let planned = async {
        let due = s.conn.outbox(Some(s.now.timestamp_millis())).await?;
        let mut plans = Vec::new();
        for row in due {
            let stage = row.stage as usize;
            let state = &s.cache.state;
            let Some(user) = state.directory.users.get(&row.reviewer) else {
                plans.push(Plan::Skip { row, why: "the reviewer is no longer in the directory".into() });
                continue;
            };
            let view = match reviewer_view(state, &row.instance, stage, &row.reviewer) {
                Ok(v) => v,
                Err(e) => {
                    plans.push(Plan::Skip { row, why: format!("not sent: {e}") });
                    continue;
                }
            };
            let (name, address) = (user.display_name.clone(), user.user_principal_name.clone());
            let (_, link, _) = issue_link(
                &mut s.conn,
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
            } else {
                (
                    format!("Review access to {}", view.resource.name),
                    format!("You are asked to review who has access to {}.", view.resource.name),
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
                message: Message { from: smtp.from.clone(), to: address, subject, body },
            });
        }
        Ok::<_, ApiError>(plans)
    }
    .await;
    let plans = match planned {
        Ok(p) => {
            s.commit().await?;
            p
        }
        Err(e) => {
            s.abort().await;
            return Err(e);
        }
    };
    let mut sent = 0;
    for plan in plans {
        let now = app.clock.now();
        let mut conn = app.db.lock().await;
        match plan {
            Plan::Skip { row, why } => {
                conn.mark_message(&row.id, None, None, Some(&why), i64::MAX)
                    .await?;
            }
            Plan::Send { row, message } => {
                drop(conn);
                let result = smtp::send(
                    &smtp.relay,
                    &message,
                    &format!("{}-{}", row.attempts, crate::token::hash(&row.id)),
                )
                .await;
                let mut conn = app.db.lock().await;
                match result {
                    Ok(()) => {
                        sent += 1;
                        conn.mark_message(
                            &row.id,
                            Some(&message.to),
                            Some(now.timestamp_millis()),
                            None,
                            i64::MAX,
                        )
                        .await?;
                    }
                    Err(e) => {
                        let next = if row.attempts + 1 >= MAX_ATTEMPTS {
                            i64::MAX
                        } else {
                            (now + Duration::seconds(2i64 << row.attempts)).timestamp_millis()
                        };
                        conn.mark_message(&row.id, None, None, Some(&e.to_string()), next)
                            .await?;
                    }
                }
            }
        }
    }
    Ok(sent)
}
