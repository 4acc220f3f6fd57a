//! The administrator's round: push this browser's new records in batches (a 409 narrowed to
//! its record), then pull the shared log after the cursor.

use std::collections::BTreeSet;

use attest_engine::wire::{Page, PushAnswer, PushRequest};
use attest_engine::{Actor, Record};
use gloo::net::http::Request;
use leptos::prelude::*;

use super::*;

impl Sync {
    /// Push `records`; every id the server answered becomes known. Returns why records
    /// were refused, if any were.
    pub(super) async fn push(&self, records: Vec<Record>) -> Result<Vec<String>, SyncError> {
        let mut refused = Vec::new();
        for batch in records.chunks(PUSH_BATCH) {
            if let Pushed::Conflict(_) = self.push_batch(batch, &mut refused).await? {
                // A record id the server holds with other content refuses the whole batch:
                // send the batch's records one by one to find which.
                for record in batch {
                    let one = std::slice::from_ref(record);
                    if let Pushed::Conflict(why) = self.push_batch(one, &mut refused).await? {
                        // That change can never be stored under its id: stop sending it
                        // (it would be refused forever) and say why.
                        self.settings.update(|s| {
                            s.known.insert(record.id.clone());
                        });
                        refused.push(why);
                    }
                }
            }
        }
        Ok(refused)
    }

    /// One push request: accepted and refused ids become known, and refusals' reasons go to
    /// `refused`; a 409 conflict is handed back for the caller to narrow down.
    pub(super) async fn push_batch(
        &self,
        batch: &[Record],
        refused: &mut Vec<String>,
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
        let answer: PushAnswer = resp
            .json()
            .await
            .map_err(|e| SyncError::Problem(e.to_string()))?;
        self.settings.update(|s| {
            s.known.extend(answer.accepted.into_iter().map(|a| a.id));
            for r in &answer.rejected {
                s.known.insert(r.id.clone());
            }
        });
        refused.extend(answer.rejected.into_iter().map(|r| r.reason));
        Ok(Pushed::Done)
    }

    pub(super) async fn admin_round(&self) -> Result<SyncStatus, SyncError> {
        let store = self.runtime.store().ok_or(SyncError::Unreachable)?;
        // Push: records folded in here that the server does not have yet.
        let pending: BTreeSet<String> = self.runtime.state.with_untracked(|st| {
            self.settings.with_untracked(|s| {
                st.applied_records
                    .iter()
                    .filter(|id| !s.known.contains(*id))
                    .cloned()
                    .collect()
            })
        });
        let mut refused = Vec::new();
        if !pending.is_empty() {
            let records = store
                .records()
                .await
                .map_err(|e| SyncError::Problem(e.to_string()))?;
            let (mine, kept): (Vec<Record>, Vec<Record>) = records
                .into_iter()
                .filter(|r| pending.contains(&r.id))
                .partition(|r| !matches!(r.actor, Actor::User { .. }));
            if !kept.is_empty() {
                // Decisions made here while acting as a reviewer: with a server, reviewers
                // decide from their own links.
                self.settings
                    .update(|s| s.known.extend(kept.iter().map(|r| r.id.clone())));
                refused.push(format!(
                    "{} decisions made here while acting as a reviewer stay in this browser; reviewers decide from their own links",
                    kept.len()
                ));
            }
            refused.extend(self.push(mine).await?);
        }
        // Pull: everything after the cursor, page by page.
        let (server, auth) = self.auth();
        loop {
            let cursor = self.settings.with_untracked(|s| s.cursor);
            let req = Request::get(&format!("{server}/api/v1/records?after={cursor}&limit=500"))
                .header("Authorization", &auth)
                .build();
            let resp = self.send(req).await?;
            if resp.status() != 200 {
                return Err(answer_error(&resp).await);
            }
            let page: Page = resp
                .json()
                .await
                .map_err(|e| SyncError::Problem(e.to_string()))?;
            self.settings.update(|s| {
                s.known.extend(page.records.iter().map(|r| r.id.clone()));
            });
            // Into the local log after whatever other tabs appended, and into memory through
            // the runtime's one fold, like every other record.
            self.runtime
                .receive(page.records)
                .await
                .map_err(|e| SyncError::Problem(e.to_string()))?;
            self.settings.update(|s| s.cursor = page.cursor);
            if !page.more {
                break;
            }
        }
        if let Some(first) = refused.first() {
            return Err(SyncError::Problem(format!(
                "the server refused {} change(s): {first}",
                refused.len()
            )));
        }
        Ok(self.pending_status())
    }

    pub(super) fn pending_status(&self) -> SyncStatus {
        let n = self.runtime.state.with_untracked(|st| {
            self.settings.with_untracked(|s| {
                st.applied_records
                    .iter()
                    .filter(|id| !s.known.contains(*id))
                    .count()
            })
        });
        if n == 0 {
            SyncStatus::Synced
        } else {
            SyncStatus::Pending(n)
        }
    }
}
