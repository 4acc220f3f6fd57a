//! The administrator's round. Server order wins: this browser's log is a confirmed part
//! (records the server holds, in the server's order, up to `SyncSettings::confirmed`) and
//! an unsent part after it. A round pulls what is new on the server and puts it after the
//! confirmed part, the unsent records decided again on top (`attest_engine::replica::
//! rebase`); then it pushes the unsent records and pulls them back, which confirms them.
//! A record the server refused, or that is no longer valid behind the server's records, is
//! dropped from the log and the person is told why. On the first connect to a server that
//! already has records, the browser adopts the server's log instead of mixing its own in.

use std::collections::BTreeSet;

use attest_engine::replica::{already_in_order, rebase, Dropped, Logged};
use attest_engine::wire::{Page, PushAnswer, PushRequest};
use attest_engine::{Actor, Record};
use futures::future::LocalBoxFuture;
use gloo::net::http::Request;
use leptos::prelude::*;

use super::*;

fn stored(e: impl std::fmt::Display) -> SyncError {
    SyncError::Problem(e.to_string())
}

/// The administrator's round as the full app registers it (`crate::handover`).
pub(crate) type AdminRound =
    for<'a> fn(&'a Sync) -> LocalBoxFuture<'a, Result<SyncStatus, SyncError>>;

/// What the full app registers as its [`AdminRound`].
pub(crate) fn full_admin_round(sync: &Sync) -> LocalBoxFuture<'_, Result<SyncStatus, SyncError>> {
    Box::pin(sync.full_round())
}

impl Sync {
    /// Push `records`; every id the server answered becomes known. Returns the records it
    /// refused, with its reasons.
    pub(super) async fn push(&self, records: Vec<Record>) -> Result<Vec<Dropped>, SyncError> {
        let mut refused = Vec::new();
        for batch in records.chunks(PUSH_BATCH) {
            if let Pushed::Conflict(_) = self.push_batch(batch, &mut refused).await? {
                // A record id the server holds with other content refuses the whole batch:
                // send the batch's records one by one to find which.
                for record in batch {
                    let one = std::slice::from_ref(record);
                    if let Pushed::Conflict(why) = self.push_batch(one, &mut refused).await? {
                        // That change can never be stored under its id: stop sending it.
                        self.settings.update(|s| {
                            s.known.insert(record.id.clone());
                        });
                        refused.push(Dropped {
                            id: record.id.clone(),
                            reason: why,
                        });
                    }
                }
            }
        }
        Ok(refused)
    }

    /// One push request: accepted and refused ids become known, and refusals go to
    /// `refused`; a 409 conflict is handed back for the caller to narrow down.
    pub(super) async fn push_batch(
        &self,
        batch: &[Record],
        refused: &mut Vec<Dropped>,
    ) -> Result<Pushed, SyncError> {
        let (server, auth) = self.auth();
        let req = Request::post(&format!("{server}/api/v1/records"))
            .header("Authorization", &auth)
            .json(&PushRequest {
                records: batch.to_vec(),
            });
        let resp = self.send(req).await?;
        if resp.status() == 409 {
            return match answer_error(&resp).await {
                SyncError::Problem(why) => Ok(Pushed::Conflict(why)),
                other => Err(other),
            };
        }
        if resp.status() != 200 && resp.status() != 422 {
            return Err(answer_error(&resp).await);
        }
        let answer: PushAnswer = json_of(&resp).await.map_err(stored)?;
        self.settings.update(|s| {
            s.known.extend(answer.accepted.into_iter().map(|a| a.id));
            for r in &answer.rejected {
                s.known.insert(r.id.clone());
            }
        });
        refused.extend(answer.rejected.into_iter().map(|r| Dropped {
            id: r.id,
            reason: r.reason,
        }));
        Ok(Pushed::Done)
    }

    /// Every record on the server after the cursor, in its order, and the cursor after them.
    async fn pull(&self) -> Result<(Vec<Record>, i64), SyncError> {
        let (server, auth) = self.auth();
        let mut cursor = self.settings.with_untracked(|s| s.cursor);
        let mut records = Vec::new();
        loop {
            let req = Request::get(&format!("{server}/api/v1/records?after={cursor}&limit=500"))
                .header("Authorization", &auth)
                .build();
            let resp = self.send(req).await?;
            if resp.status() != 200 {
                return Err(answer_error(&resp).await);
            }
            let page: Page = json_of(&resp).await.map_err(stored)?;
            cursor = page.cursor;
            records.extend(page.records);
            if !page.more {
                return Ok((records, cursor));
            }
        }
    }

    /// The administrator's round when this app's full part is registered for its database
    /// (`crate::handover`); the reviewer bundle, which leaves it out, hands the page over.
    pub(super) async fn admin_round(&self) -> Result<SyncStatus, SyncError> {
        match crate::handover::admin_round(&self.database.get_value()) {
            Some(round) => round(self).await,
            None => {
                crate::handover::to_full_app();
                Err(SyncError::Problem(
                    "this browser is connected as an administrator; opening the full app".into(),
                ))
            }
        }
    }

    async fn full_round(&self) -> Result<SyncStatus, SyncError> {
        self.upgrade_confirmed().await?;
        let first_contact = self
            .settings
            .with_untracked(|s| s.cursor == 0 && s.confirmed == 0);
        let (pulled, cursor) = self.pull().await?;
        if first_contact && !pulled.is_empty() {
            self.adopt(pulled, cursor).await?;
        } else {
            self.integrate(pulled, cursor).await?;
        }
        let unsent = self.unsent().await?;
        // Decisions made here while acting as a reviewer: with a server, reviewers decide
        // from their own links.
        let (mine, kept): (Vec<Record>, Vec<Record>) = unsent
            .into_iter()
            .map(|l| l.record)
            .filter(|r| {
                r.actor != Actor::System
                    && self.settings.with_untracked(|s| !s.known.contains(&r.id))
            })
            .partition(|r| !matches!(r.actor, Actor::User { .. }));
        if !kept.is_empty() {
            self.settings
                .update(|s| s.known.extend(kept.iter().map(|r| r.id.clone())));
            self.runtime.problem.set(Some(format!(
                "{} decisions made here while acting as a reviewer stay in this browser; reviewers decide from their own links",
                kept.len()
            )));
        }
        if !mine.is_empty() {
            let refused = self.push(mine).await?;
            self.refused.update(|r| r.extend(refused));
            let (pulled, cursor) = self.pull().await?;
            self.integrate(pulled, cursor).await?;
        }
        self.pending_status().await
    }

    /// Settings written before the log had a confirmed part (a cursor, no `confirmed`): the
    /// start of the log the server already knows is taken as confirmed, once, instead of
    /// being decided again behind the server's next records.
    async fn upgrade_confirmed(&self) -> Result<(), SyncError> {
        if self
            .settings
            .with_untracked(|s| s.cursor == 0 || s.confirmed > 0)
        {
            return Ok(());
        }
        let store = self.runtime.store().ok_or(SyncError::Unreachable)?;
        let log = store.read_after(0).await.map_err(stored)?;
        let known = self.settings.with_untracked(|s| {
            log.iter()
                .take_while(|l| l.record.actor == Actor::System || s.known.contains(&l.record.id))
                .last()
                .map(|l| l.position)
        });
        if let Some(position) = known {
            self.settings.update(|s| s.confirmed = position);
            self.save();
        }
        Ok(())
    }

    /// The first connect to a server that already has records: this browser's log becomes
    /// the server's (its first-run sample and anything else made here stay out of it).
    async fn adopt(&self, pulled: Vec<Record>, cursor: i64) -> Result<(), SyncError> {
        let store = self.runtime.store().ok_or(SyncError::Unreachable)?;
        store.replace_records(&pulled).await.map_err(stored)?;
        self.runtime.reload().await.map_err(stored)?;
        self.settings.update(|s| {
            s.known.extend(pulled.iter().map(|r| r.id.clone()));
            s.confirmed = store.position();
            s.cursor = cursor;
        });
        self.save();
        Ok(())
    }

    /// The records after the confirmed part of the local log.
    async fn unsent(&self) -> Result<Vec<Logged>, SyncError> {
        let store = self.runtime.store().ok_or(SyncError::Unreachable)?;
        let confirmed = self.settings.with_untracked(|s| s.confirmed);
        store.read_after(confirmed).await.map_err(stored)
    }

    /// Puts `pulled` (the server's records after the cursor) right after the confirmed part
    /// of the log and the unsent records behind them, decided again; drops the unsent ones
    /// the server refused or that are no longer valid, and says why.
    async fn integrate(&self, pulled: Vec<Record>, cursor: i64) -> Result<(), SyncError> {
        let store = self.runtime.store().ok_or(SyncError::Unreachable)?;
        self.settings
            .update(|s| s.known.extend(pulled.iter().map(|r| r.id.clone())));
        let confirmed = self.settings.with_untracked(|s| s.confirmed);
        let tail = self.unsent().await?;
        let refused = self.refused.get_untracked();
        let unsent: BTreeSet<&str> = tail.iter().map(|l| l.record.id.as_str()).collect();
        // Records already in the confirmed part (pulled again after an interrupted round).
        let pulled: Vec<Record> = self.runtime.state.with_untracked(|s| {
            pulled
                .into_iter()
                .filter(|r| unsent.contains(r.id.as_str()) || !s.applied_records.contains(&r.id))
                .collect()
        });
        let refusing = tail
            .iter()
            .any(|l| refused.iter().any(|d| d.id == l.record.id));
        let done = |confirmed: u64| {
            self.settings.update(|s| {
                s.confirmed = confirmed;
                s.cursor = cursor;
            });
            self.save();
        };
        if !refusing {
            if pulled.is_empty() {
                done(confirmed);
                return Ok(());
            }
            let mine: Vec<Record> = tail.iter().map(|l| l.record.clone()).collect();
            if let Some(n) = already_in_order(&mine, &pulled) {
                // The server put them where they already are here.
                done(tail[n - 1].position);
                return Ok(());
            }
            if tail.is_empty() {
                let positions = self.runtime.receive_at(pulled).await.map_err(stored)?;
                done(positions.last().copied().unwrap_or(confirmed));
                return Ok(());
            }
        }
        let expected_end = tail.last().map_or(confirmed, |l| l.position);
        let state = store.state_at(confirmed).await.map_err(stored)?;
        let mine: Vec<Record> = tail.into_iter().map(|l| l.record).collect();
        let rebased = rebase(state, pulled, mine, &refused);
        let Some(positions) = store
            .rewrite_after(confirmed, expected_end, &rebased.records)
            .await
            .map_err(stored)?
        else {
            // Another tab wrote meanwhile: the next round starts again from the log.
            return Err(SyncError::Unreachable);
        };
        self.runtime.reload().await.map_err(stored)?;
        done(match rebased.confirmed {
            0 => confirmed,
            n => positions[n - 1],
        });
        if !rebased.dropped.is_empty() {
            self.settings
                .update(|s| s.known.extend(rebased.dropped.iter().map(|d| d.id.clone())));
            self.refused.update(|r| {
                for d in rebased.dropped {
                    if !r.iter().any(|known| known.id == d.id) {
                        r.push(d);
                    }
                }
            });
        }
        Ok(())
    }

    /// Synced only when every change made here is on the server and none was refused
    /// since the person last dismissed the refusals.
    pub(super) async fn pending_status(&self) -> Result<SyncStatus, SyncError> {
        if let Some(status) = self.refusal_status() {
            return Ok(status);
        }
        let n = self
            .unsent()
            .await?
            .iter()
            .filter(|l| {
                l.record.actor != Actor::System
                    && self
                        .settings
                        .with_untracked(|s| !s.known.contains(&l.record.id))
            })
            .count();
        Ok(if n == 0 {
            SyncStatus::Synced
        } else {
            SyncStatus::Pending(n)
        })
    }
}
