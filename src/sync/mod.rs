//! Client side of the sync protocol (docs/openapi.yaml): this browser's records go to the
//! server, everyone else's come back, and the same record never applies twice.
//!
//! Two ways to be connected:
//! - **Administrator**: signed in with the server's secret (Settings → Sync server). New
//!   local records are pushed, the shared log is pulled after a cursor and folded in
//!   through the store, like local records.
//! - **Reviewer link**: the app was opened from a notification link (`#token=…`) and runs on
//!   a database of that link's own (`link_config`). The server answers with a compact view
//!   of the reviewer's own items only, as records; when it changed, the link's log becomes
//!   that view plus the reviewer's unsent decisions, and the state is its fold.
//!
//! Work done offline stays in the store and goes out when the server answers again; failed
//! rounds retry with exponential backoff (1 s doubling to 30 s).

use std::collections::BTreeSet;

use attest_engine::wire::{
    ErrorBody, Me, Page, PushAnswer, PushRequest, ReviewerPage, Session, SignIn,
};
use attest_engine::{Actor, Record};
use gloo::net::http::{Request, Response};
use gloo::storage::{LocalStorage, Storage};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};

use crate::runtime::{AppConfig, Runtime};

/// How often a connected page syncs.
const TICK_MS: u64 = 1000;
const MAX_BACKOFF_MS: f64 = 30_000.0;
const PUSH_BATCH: usize = 200;

/// What this browser remembers about its server, per database.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncSettings {
    /// Base address of the server; empty when not connected.
    pub server: String,
    pub admin_token: Option<String>,
    pub admin_name: Option<String>,
    /// A reviewer link's token (reviewer mode).
    pub link_token: Option<String>,
    /// Position in the server's log after the last pull (administrators).
    pub cursor: i64,
    /// Ids of records the server already has (pulled from it, or answered by it).
    pub known: BTreeSet<String>,
}

/// The sync status indicator's states.
#[derive(Clone, Debug, PartialEq)]
pub enum SyncStatus {
    /// No server configured: the app works on its own.
    Off,
    Synced,
    /// Local changes not yet on the server.
    Pending(usize),
    /// The server did not answer; retrying.
    Offline,
    /// The server answered with a problem the person has to act on.
    Error(String),
}

impl SyncStatus {
    pub fn label(&self) -> String {
        match self {
            SyncStatus::Off => "Not connected".into(),
            SyncStatus::Synced => "Synced".into(),
            SyncStatus::Pending(n) => format!("Pending {n}"),
            SyncStatus::Offline => "Offline, retrying".into(),
            SyncStatus::Error(e) => format!("Error: {e}"),
        }
    }
}

/// The reviewer behind a link.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkScope {
    pub reviewer: String,
    pub instance: String,
    pub stage: usize,
}

#[derive(Debug)]
enum SyncError {
    /// No answer: offline or the server is down.
    Unreachable,
    /// An answer that needs the person (sign in again, link expired, refused).
    Problem(String),
}

/// How one push request ended.
enum Pushed {
    /// Every record was accepted or refused one by one (see `PushAnswer`).
    Done,
    /// The server holds one of the batch's record ids with other content (409).
    Conflict(String),
}

fn storage_key(database: &str) -> String {
    format!("attest.sync.{database}")
}

/// The remembered settings of `database`'s browser (default: not connected).
pub fn stored_settings(database: &str) -> SyncSettings {
    LocalStorage::get(storage_key(database)).unwrap_or_default()
}

/// Remember `server` as `database`'s server, e.g. before opening a reviewer link in a
/// page that is not served by the server itself.
pub fn remember_server(database: &str, server: &str) {
    let mut s = stored_settings(database);
    s.server = server.trim_end_matches('/').to_string();
    let _ = LocalStorage::set(storage_key(database), &s);
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

async fn answer_error(resp: &Response) -> SyncError {
    let message = resp
        .json::<ErrorBody>()
        .await
        .map(|b| b.message)
        .unwrap_or_else(|_| format!("the server answered {}", resp.status()));
    SyncError::Problem(message)
}

/// The sync handle, provided through context by `App`.
#[derive(Clone, Copy)]
pub struct Sync {
    pub status: RwSignal<SyncStatus>,
    pub settings: RwSignal<SyncSettings>,
    /// Set in reviewer mode once the server has said whose link it is.
    pub link: RwSignal<Option<LinkScope>>,
    runtime: Runtime,
    database: StoredValue<String>,
    busy: StoredValue<bool>,
    failures: StoredValue<u32>,
    next_attempt: StoredValue<f64>,
}

impl Sync {
    /// Create the handle, pick up a reviewer link's token from the address, and start
    /// syncing when a server is configured.
    pub fn provide(runtime: Runtime, config: &AppConfig) -> Sync {
        let settings = stored_settings(&config.database);
        let sync = Sync {
            status: RwSignal::new(SyncStatus::Off),
            settings: RwSignal::new(settings),
            link: RwSignal::new(None),
            runtime,
            database: StoredValue::new(config.database.clone()),
            busy: StoredValue::new(false),
            failures: StoredValue::new(0),
            next_attempt: StoredValue::new(0.0),
        };
        sync.save();
        provide_context(sync);
        CURRENT.with(|c| *c.borrow_mut() = Some(sync));
        // The first round as soon as the stored data is loaded, not a tick later: a reviewer
        // opening a mail link waits for it (about a second of the first row's time).
        Effect::new(move |started: Option<bool>| {
            if started == Some(true) || !runtime.ready.get() {
                return started.unwrap_or(false);
            }
            spawn_local(async move { sync.tick().await });
            true
        });
        if let Ok(handle) = set_interval_with_handle(
            move || spawn_local(async move { sync.tick().await }),
            std::time::Duration::from_millis(TICK_MS),
        ) {
            on_cleanup(move || handle.clear());
        }
        sync
    }

    fn save(&self) {
        let _ = LocalStorage::set(
            storage_key(&self.database.get_value()),
            self.settings.get_untracked(),
        );
    }

    fn connected(&self) -> bool {
        self.settings.with_untracked(|s| {
            !s.server.is_empty() && (s.admin_token.is_some() || s.link_token.is_some())
        })
    }

    /// Sign in as an administrator and start syncing with `server`.
    pub async fn connect(&self, server: &str, name: &str, secret: &str) -> Result<(), String> {
        let server = server.trim().trim_end_matches('/').to_string();
        if !(server.starts_with("http://") || server.starts_with("https://")) {
            return Err("Enter the server's address, starting with http:// or https://".into());
        }
        let body = SignIn {
            secret: secret.to_string(),
            name: name.trim().to_string(),
        };
        let req = Request::post(&format!("{server}/api/v1/session"))
            .json(&body)
            .map_err(|e| e.to_string())?;
        let resp = req.send().await.map_err(|_| {
            format!("No answer from {server}: check the address and that the server runs")
        })?;
        if resp.status() != 201 {
            return Err(match answer_error(&resp).await {
                SyncError::Problem(m) => m,
                SyncError::Unreachable => "no answer".into(),
            });
        }
        let session: Session = resp.json().await.map_err(|e| e.to_string())?;
        self.settings.update(|s| {
            if s.server != server {
                s.cursor = 0;
                s.known.clear();
            }
            s.server = server;
            s.admin_token = Some(session.token);
            s.admin_name = Some(session.name);
            s.link_token = None;
        });
        self.save();
        self.runtime.acting_as.set(Actor::Administrator {
            name: self
                .settings
                .with_untracked(|s| s.admin_name.clone().unwrap_or_default()),
        });
        self.failures.set_value(0);
        self.next_attempt.set_value(0.0);
        self.tick().await;
        Ok(())
    }

    /// Stop syncing and forget the session (the local data stays).
    pub async fn disconnect(&self) {
        let (server, token) = self
            .settings
            .with_untracked(|s| (s.server.clone(), s.admin_token.clone()));
        if let Some(t) = token {
            let _ = Request::delete(&format!("{server}/api/v1/session"))
                .header("Authorization", &format!("Bearer {t}"))
                .send()
                .await;
        }
        self.settings.update(|s| {
            s.admin_token = None;
            s.admin_name = None;
            s.link_token = None;
        });
        self.link.set(None);
        self.save();
        self.status.set(SyncStatus::Off);
    }

    /// One round: push what is new here, pull what is new there. Skipped while a round
    /// runs, before the data is loaded, and until the backoff delay has passed.
    pub async fn tick(&self) {
        if !self.connected() {
            self.status.set(SyncStatus::Off);
            return;
        }
        if self.busy.get_value()
            || !self.runtime.ready.get_untracked()
            || now_ms() < self.next_attempt.get_value()
        {
            return;
        }
        self.busy.set_value(true);
        let reviewer = self.settings.with_untracked(|s| s.link_token.is_some());
        let result = if reviewer {
            self.reviewer_round().await
        } else {
            self.admin_round().await
        };
        self.save();
        match result {
            Ok(status) => {
                self.failures.set_value(0);
                self.status.set(status);
            }
            Err(e) => {
                let failures = self.failures.get_value() + 1;
                self.failures.set_value(failures);
                let delay = (1000.0 * 2f64.powi(failures as i32 - 1)).min(MAX_BACKOFF_MS);
                self.next_attempt.set_value(now_ms() + delay);
                if let (true, SyncError::Problem(m)) = (reviewer, &e) {
                    // A reviewer has no Settings to look at: say it where the app says problems.
                    self.runtime
                        .problem
                        .set(Some(format!("Your review link: {m}")));
                }
                self.status.set(match e {
                    SyncError::Unreachable => SyncStatus::Offline,
                    SyncError::Problem(m) => SyncStatus::Error(m),
                });
            }
        }
        self.busy.set_value(false);
    }

    async fn send(&self, req: Result<Request, gloo::net::Error>) -> Result<Response, SyncError> {
        let req = req.map_err(|e| SyncError::Problem(e.to_string()))?;
        req.send().await.map_err(|_| SyncError::Unreachable)
    }

    fn auth(&self) -> (String, String) {
        self.settings.with_untracked(|s| {
            (
                s.server.clone(),
                format!(
                    "Bearer {}",
                    s.link_token
                        .clone()
                        .or(s.admin_token.clone())
                        .unwrap_or_default()
                ),
            )
        })
    }

    /// Push `records`; every id the server answered becomes known. Returns why records
    /// were refused, if any were.
    async fn push(&self, records: Vec<Record>) -> Result<Vec<String>, SyncError> {
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
    async fn push_batch(
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

    async fn admin_round(&self) -> Result<SyncStatus, SyncError> {
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

    fn pending_status(&self) -> SyncStatus {
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

    async fn reviewer_round(&self) -> Result<SyncStatus, SyncError> {
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
                "the server refused {} decision(s): {first}",
                refused.len()
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
fn name_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A reviewer link carries its token in the address fragment (`#token=…`), which browsers
/// never send to servers. Take it, and remove it from the address bar.
fn take_link_token() -> Option<String> {
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

thread_local! {
    static CURRENT: std::cell::RefCell<Option<Sync>> = const { std::cell::RefCell::new(None) };
}

/// The sync handle of the app mounted last (browser tests drive two apps in one page).
pub fn current_sync() -> Option<Sync> {
    CURRENT.with(|c| *c.borrow())
}

/// The sync handle provided by `App`.
pub fn use_sync() -> Sync {
    expect_context::<Sync>()
}
