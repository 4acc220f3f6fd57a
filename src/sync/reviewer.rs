//! A reviewer link: its round (the server's view of the reviewer's own items, plus unsent
//! decisions) and the link's own database (`link_config`), named without its token.

use attest_engine::wire::{Me, ReviewerPage};
use attest_engine::{Actor, Record};
use gloo::net::http::Request;
use gloo::storage::{LocalStorage, Storage};
use leptos::prelude::*;

use crate::runtime::AppConfig;

use super::*;

impl Sync {
    pub(super) async fn reviewer_round(&self) -> Result<SyncStatus, SyncError> {
        let (server, auth) = self.auth();
        if self.link.get_untracked().is_none() {
            let resp = self
                .send(
                    Request::get(&format!("{server}/api/v1/me"))
                        .header("Authorization", &auth)
                        .build(),
                )
                .await?;
            if resp.status() != 200 {
                return Err(answer_error(&resp).await);
            }
            let not_a_link = || SyncError::Problem("this link is not a reviewer's link".into());
            let scope = match resp.json::<Me>().await.map_err(|_| not_a_link())? {
                Me::Reviewer {
                    reviewer,
                    instance,
                    stage,
                    ..
                } => LinkScope {
                    reviewer,
                    instance,
                    stage,
                },
                Me::Administrator { .. } => return Err(not_a_link()),
            };
            self.runtime.acting_as.set(Actor::User {
                id: scope.reviewer.clone(),
            });
            self.link.set(Some(scope));
        }
        let scope = self.link.get_untracked().ok_or(SyncError::Unreachable)?;
        let store = self.runtime.store().ok_or(SyncError::Unreachable)?;
        let mine = |r: &Record| {
            r.actor
                == Actor::User {
                    id: scope.reviewer.clone(),
                }
        };
        let unsent = |all: Vec<Record>| -> Vec<Record> {
            self.settings.with_untracked(|s| {
                all.into_iter()
                    .filter(|r| mine(r) && !s.known.contains(&r.id))
                    .collect()
            })
        };
        let local = store
            .records()
            .await
            .map_err(|e| SyncError::Problem(e.to_string()))?;
        let refused = self.push(unsent(local)).await?;
        let resp = self
            .send(
                Request::get(&format!("{server}/api/v1/reviewer/records"))
                    .header("Authorization", &auth)
                    .build(),
            )
            .await?;
        if resp.status() != 200 {
            return Err(answer_error(&resp).await);
        }
        let page: ReviewerPage = resp
            .json()
            .await
            .map_err(|e| SyncError::Problem(e.to_string()))?;
        // The link's own database holds the server's view and the reviewer's unsent
        // decisions, nothing else. When the view changed, the log becomes the new view plus
        // what is still unsent (one transaction), and the state is rebuilt from that log.
        let local = store
            .records()
            .await
            .map_err(|e| SyncError::Problem(e.to_string()))?;
        let same = |a: &Record, b: &Record| a.id == b.id && a.events == b.events;
        let stored_view: Vec<&Record> = local.iter().filter(|r| !mine(r)).collect();
        let changed = stored_view.len() != page.records.len()
            || stored_view
                .iter()
                .zip(&page.records)
                .any(|(a, b)| !same(a, b));
        let pending = unsent(local);
        let n = pending.len();
        if changed {
            let log: Vec<Record> = page.records.into_iter().chain(pending).collect();
            store
                .replace_records(&log)
                .await
                .map_err(|e| SyncError::Problem(e.to_string()))?;
            self.runtime
                .reload()
                .await
                .map_err(|e| SyncError::Problem(e.to_string()))?;
        }
        if let Some(first) = refused.first() {
            return Err(SyncError::Problem(format!(
                "the server refused {} decision(s): {}",
                refused.len(),
                first.reason
            )));
        }
        Ok(if n == 0 {
            SyncStatus::Synced
        } else {
            SyncStatus::Pending(n)
        })
    }
}

/// The configuration to start the app with: `config`, or, when the page was opened from a
/// reviewer link (now, or earlier in this tab), a database of that link's own — per server
/// and link, without a sample tenant — so the reviewer's replica is the fold of its own log
/// and never mixes with this browser's other data.
pub fn link_config(config: AppConfig) -> AppConfig {
    let remembered = format!("attest.link.{}", config.database);
    let session = web_sys::window().and_then(|w| w.session_storage().ok().flatten());
    let database = match take_link_token() {
        Some(token) => {
            let mut server = stored_settings(&config.database).server;
            if server.is_empty() {
                server = web_sys::window()
                    .and_then(|w| w.location().origin().ok())
                    .unwrap_or_default();
            }
            let database = format!(
                "{}-link-{:016x}",
                config.database,
                name_hash(&format!("{server} {token}"))
            );
            let mut settings = stored_settings(&database);
            settings.server = server;
            settings.link_token = Some(token);
            settings.admin_token = None;
            settings.admin_name = None;
            let _ = LocalStorage::set(storage_key(&database), &settings);
            // A reload of this tab has no token in its address any more: remember the link.
            if let Some(session) = &session {
                let _ = session.set_item(&remembered, &database);
            }
            database
        }
        None => match session.and_then(|s| s.get_item(&remembered).ok().flatten()) {
            Some(database) => database,
            None => return config,
        },
    };
    AppConfig {
        database,
        sample_users: 0,
    }
}

/// 64-bit FNV-1a: a link's database name that does not spell out its token.
pub(super) fn name_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A reviewer link carries its token in the address fragment (`#token=…`), which browsers
/// never send to servers. Take it, and remove it from the address bar.
pub(super) fn take_link_token() -> Option<String> {
    let window = web_sys::window()?;
    let hash = window.location().hash().ok()?;
    let token = hash.strip_prefix("#token=")?.to_string();
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let loc = window.location();
    let clean = format!(
        "{}{}",
        loc.pathname().unwrap_or_default(),
        loc.search().unwrap_or_default()
    );
    let _ = window
        .history()
        .and_then(|h| h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&clean)));
    Some(token)
}
