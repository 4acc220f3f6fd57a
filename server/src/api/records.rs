//! The shared log: administrators and reviewers push records (each decided again by the
//! engine), administrators pull pages of it.

use std::sync::Arc;

use attest_engine::event::{Event, Record, RECORD_VERSION};
use attest_engine::limits::MAX_RECORD_ID;
use attest_engine::replay_check::{command_of, recheck_exact, RecheckError};
use attest_engine::wire::{Accepted, AcceptedStatus, Page, PushAnswer, PushRequest, Rejected};
use attest_engine::{decide, Actor, Command, EngineError, State};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Duration;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::auth::{check_link_open, require_admin, Principal};
use super::{finish, parse_body, parse_query, ApiError, ApiResult};
use crate::db::DbError;
use crate::log::{self, Session};
use crate::reviewer::{my_items, to_instance_items};
use crate::App;

/// How far a pushed record's time may be from the server's clock, either way, when the
/// record's outcome depends on the time (stopping, applying, creating a review).
pub const CLOCK_SKEW: Duration = Duration::minutes(5);
const MAX_BATCH: usize = 1000;
const MAX_PAGE: i64 = 1000;

/// A pushed record's version and id, checked before anything else reads it.
fn check_record(w: &Record, index: usize) -> ApiResult<()> {
    if w.v != RECORD_VERSION {
        return Err(ApiError::bad_request(
            "unsupportedVersion",
            format!("records[{index}]: record version {} is not supported (this server reads {RECORD_VERSION})", w.v),
        ));
    }
    if w.id.is_empty() || w.id.len() > MAX_RECORD_ID || w.id.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "badRecordId",
            format!("records[{index}]: a record id is 1 to {MAX_RECORD_ID} printable characters"),
        ));
    }
    Ok(())
}

/// A reviewer may push only their own decisions (or resets) on their own items in the
/// stage and instance of their link. Anything else refuses the whole batch.
fn check_reviewer_record(state: &State, who: &Principal, record: &Record) -> ApiResult<()> {
    let Principal::Reviewer {
        reviewer,
        instance,
        stage,
        ..
    } = who
    else {
        return Ok(());
    };
    if record.actor == Actor::System {
        return Ok(());
    }
    let refuse = || {
        ApiError::forbidden(format!(
            "record \"{}\": a review link can only record your own decisions in the review and stage it was sent for",
            record.id
        ))
    };
    if record.actor.user_id() != Some(reviewer.as_str()) || record.events.is_empty() {
        return Err(refuse());
    }
    let inst = state.instances.get(instance).ok_or_else(refuse)?;
    let mine = |item: u32| {
        inst.items
            .get(item as usize)
            .is_some_and(|it| state.reviews_item(inst, it, *stage, reviewer))
    };
    for event in &record.events {
        let ok = match event {
            Event::DecisionsRecorded {
                instance: i,
                stage: s,
                reviewer: r,
                decisions,
                ..
            } => {
                i == instance
                    && s == stage
                    && r == reviewer
                    && decisions.iter().all(|d| mine(d.item))
            }
            Event::DecisionsReset {
                instance: i,
                stage: s,
                reviewer: r,
                items,
            } => i == instance && s == stage && r == reviewer && items.iter().all(|&it| mine(it)),
            // Issue 25: a confirmed bulk approval and an approval until a date ride with the
            // decisions they qualify.
            Event::BulkApprovalConfirmed {
                instance: i,
                stage: s,
                reviewer: r,
                items,
                ..
            } => i == instance && s == stage && r == reviewer && items.iter().all(|&it| mine(it)),
            Event::ApprovalTimeBound {
                instance: i,
                stage: s,
                items,
                ..
            } => i == instance && s == stage && items.iter().all(|&it| mine(it)),
            _ => false,
        };
        if !ok {
            return Err(refuse());
        }
    }
    Ok(())
}

/// An administrator's records carry the session's own name, whatever the browser wrote:
/// the history shows who signed in, not what they typed into a record.
fn check_admin_record(record: &mut Record, name: &str) -> ApiResult<()> {
    match &record.actor {
        Actor::Administrator { .. } => {
            record.actor = Actor::Administrator {
                name: name.to_string(),
            };
            Ok(())
        }
        Actor::System => Ok(()),
        Actor::User { .. } => Err(ApiError::forbidden(format!(
            "record \"{}\": reviewers' decisions come from their own review links, not an administrator session",
            record.id
        ))),
        Actor::Auditor { .. } => Err(ApiError::forbidden(format!(
            "record \"{}\": an auditor's sign-off needs an auditor's own credential, which this server does not issue yet",
            record.id
        ))),
    }
}

fn rejection_code(e: &RecheckError) -> &'static str {
    match e {
        RecheckError::NotACommand => "notACommand",
        RecheckError::Diverged => "diverged",
        RecheckError::Refused(EngineError::NotFound { .. }) => "notFound",
        RecheckError::Refused(EngineError::TooLong { .. }) => "tooLong",
        RecheckError::Refused(_) => "refused",
    }
}

/// Whether a command's outcome depends on when it is decided. Those that do are refused
/// when dated further than `CLOCK_SKEW` from the server's clock; the others (decisions,
/// imports, drafts) carry no time and are taken as made when they arrive.
fn time_bound(cmd: &Command) -> bool {
    matches!(
        cmd,
        Command::CreateReview { .. }
            | Command::StopCurrentStage { .. }
            | Command::StopReview { .. }
            | Command::ApplyResults { .. }
            | Command::EndSeries { .. }
            | Command::RunNow { .. }
    )
}

/// What a record asks for, for telling an identical re-send from a different change under
/// the same id: its command, its reason, and whose it is (administrators by kind, since
/// the server names them).
fn content(record: &Record) -> (Option<Command>, Option<String>, Option<String>) {
    (
        command_of(record),
        record.reason.clone(),
        record.actor.user_id().map(str::to_string),
    )
}

pub(super) async fn push(
    axum::extract::State(app): axum::extract::State<Arc<App>>,
    who: Principal,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let req: PushRequest = parse_body(body)?;
    if req.records.len() > MAX_BATCH {
        return Err(ApiError::bad_request(
            "tooManyRecords",
            format!("send at most {MAX_BATCH} records at a time"),
        ));
    }
    for (i, r) in req.records.iter().enumerate() {
        check_record(r, i)?;
    }
    let records = req.records;
    let mut s = app.session().await?;
    let out = push_in(&mut s, &who, records).await;
    let out = finish(s, out).await;
    if matches!(&out, Ok(r) if r.status().is_success() || r.status() == StatusCode::UNPROCESSABLE_ENTITY)
    {
        app.outbox_changed.notify_one();
    }
    out
}

async fn push_in(
    s: &mut Session<'_>,
    who: &Principal,
    mut records: Vec<Record>,
) -> ApiResult<Response> {
    check_link_open(&s.cache.state, who)?;
    if let Principal::Reviewer {
        reviewer,
        instance,
        stage,
        ..
    } = who
    {
        // Reviewers number their items 0, 1, 2… (see reviewer.rs): map them back first.
        let mine = my_items(
            &s.cache.state,
            &s.cache.state.instances[instance],
            *stage,
            reviewer,
        );
        for r in records.iter_mut().filter(|r| r.actor != Actor::System) {
            if !to_instance_items(r, &mine) {
                return Err(ApiError::forbidden(format!(
                    "record \"{}\": a review link can only record your own decisions in the review and stage it was sent for",
                    r.id
                )));
            }
        }
    }
    for r in &mut records {
        match who {
            Principal::Administrator { name, .. } => check_admin_record(r, name)?,
            Principal::Reviewer { .. } => check_reviewer_record(&s.cache.state, who, r)?,
        }
    }
    // A known id must come with the content it was stored with; a different change under
    // it is refused whole, before anything is stored.
    let mut seen = std::collections::HashMap::new();
    for r in records.iter().filter(|r| r.actor != Actor::System) {
        let mine = content(r);
        let earlier = match seen.get(&r.id) {
            Some(c) => Some(Clone::clone(c)),
            None if s.cache.state.applied_records.contains(&r.id) => {
                match s.conn.record_body(&r.id).await? {
                    Some(body) => serde_json::from_str::<Record>(&body)
                        .ok()
                        .map(|r| content(&r)),
                    None => None,
                }
            }
            None => None,
        };
        if earlier.is_some_and(|c| c != mine) {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                format!(
                    "record \"{}\" is already on the server with different content; this change was not stored",
                    r.id
                ),
            ));
        }
        seen.insert(r.id.clone(), mine);
    }
    let mut accepted = Vec::new();
    let mut rejected = Vec::new();
    for mut record in records {
        if record.actor == Actor::System {
            // The server keeps the time; its own clock records are what everyone pulls.
            accepted.push(Accepted {
                id: record.id,
                status: AcceptedStatus::Ignored,
                seq: None,
            });
            continue;
        }
        if s.cache.state.applied_records.contains(&record.id) {
            accepted.push(Accepted {
                id: record.id,
                status: AcceptedStatus::Duplicate,
                seq: None,
            });
            continue;
        }
        let Some(cmd) = command_of(&record) else {
            rejected.push(Rejected {
                id: record.id,
                code: rejection_code(&RecheckError::NotACommand).into(),
                reason: RecheckError::NotACommand.to_string(),
            });
            continue;
        };
        if time_bound(&cmd) && (record.at - s.now).abs() > CLOCK_SKEW {
            let (code, side) = if record.at > s.now {
                ("clockAhead", "ahead of")
            } else {
                ("clockBehind", "behind")
            };
            rejected.push(Rejected {
                id: record.id,
                code: code.into(),
                reason: format!(
                    "the record is dated {}, more than {} minutes {side} the server's clock ({}); check this device's clock, or do it again now",
                    record.at, CLOCK_SKEW.num_minutes(), s.now
                ),
            });
            continue;
        }
        let timed = time_bound(&cmd);
        if !timed {
            // Nothing in it depends on the time: it is made when it arrives.
            record.at = s.now;
        }
        // The record must be what the engine decides for its command at its time (so no
        // event is made up), and what is stored is the engine's decision at the server's now
        // (the same events, for a record that does not depend on the time).
        let decided = recheck_exact(&s.cache.state, &record).and_then(|()| {
            if timed {
                decide(&s.cache.state, &cmd, &record.actor, s.now)
                    .map(Some)
                    .map_err(RecheckError::from)
            } else {
                Ok(None)
            }
        });
        match decided {
            Ok(events) => {
                record.at = s.now;
                if let Some(events) = events {
                    record.events = events;
                }
                let seq = log::store(&mut s.cache, &mut s.conn, &record, s.now).await?;
                accepted.push(Accepted {
                    id: record.id,
                    status: AcceptedStatus::Stored,
                    seq: Some(seq),
                });
            }
            Err(e) => rejected.push(Rejected {
                id: record.id,
                code: rejection_code(&e).into(),
                reason: e.to_string(),
            }),
        }
    }
    // A review created for now starts at once rather than on the next request.
    log::advance(&mut s.cache, &mut s.conn, s.now).await?;
    let status = if rejected.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        Json(PushAnswer {
            accepted,
            rejected,
            cursor: s.cache.cursor,
        }),
    )
        .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PullQuery {
    after: Option<i64>,
    limit: Option<i64>,
}

pub(super) async fn pull(
    axum::extract::State(app): axum::extract::State<Arc<App>>,
    who: Principal,
    query: Result<Query<PullQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = parse_query(query)?;
    let after = q.after.unwrap_or(0);
    let limit = q.limit.unwrap_or(500);
    if after < 0 || !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::bad_request(
            "badQuery",
            format!("after is a cursor from an earlier answer (0 to start) and limit is 1 to {MAX_PAGE}"),
        ));
    }
    require_admin(&who)?;
    let mut s = app.read().await?;
    let out = async {
        let mut page = s.conn().await?.records_after(after, limit + 1).await?;
        let more = page.len() as i64 > limit;
        page.truncate(limit as usize);
        let cursor = page.last().map_or(after, |(seq, _, _)| *seq);
        let records = page
            .into_iter()
            .map(|(_, _, body)| RawValue::from_string(body))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| DbError::Other(e.to_string()))?;
        Ok(Json(Page {
            records,
            cursor,
            more,
        })
        .into_response())
    }
    .await;
    finish(s, out).await
}
