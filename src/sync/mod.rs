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

use attest_engine::replica::Dropped;
use attest_engine::wire::{ErrorBody, Session, SignIn};
use attest_engine::Actor;
use gloo::net::http::{Request, Response};
use gloo::storage::{LocalStorage, Storage};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};

use crate::runtime::{AppConfig, Runtime};

pub(crate) mod admin;
mod reviewer;

pub use reviewer::link_config;

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
    /// The local log up to this position is the server's log, in the server's order;
    /// records after it are unsent (administrators; see `admin.rs`).
    #[serde(default)]
    pub confirmed: u64,
    /// A reviewer link's view has been stored in this browser at least once (until then a
    /// link's first view is shown before the store opens: `Runtime::preview`).
    #[serde(default)]
    pub link_pulled: bool,
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
pub(crate) enum SyncError {
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
/// Read from bytes like every other stored value (gloo's `LocalStorage::get` reads from
/// text, which links a second copy of serde_json's reader).
pub fn stored_settings(database: &str) -> SyncSettings {
    LocalStorage::raw()
        .get_item(&storage_key(database))
        .ok()
        .flatten()
        .and_then(|text| attest_engine::json::from_bytes(text.as_bytes()).ok())
        .unwrap_or_default()
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

/// An answer's JSON body, read from its bytes with `attest_engine::json::from_bytes`, as
/// every stored value is, so each type's reader is built once; gloo's `json()` reads from
/// text, which linked a second copy of every record reader into the bundles.
pub(crate) async fn json_of<T: serde::de::DeserializeOwned>(resp: &Response) -> Result<T, String> {
    let bytes = resp.binary().await.map_err(|e| e.to_string())?;
    attest_engine::json::from_bytes(&bytes).map_err(|e| e.to_string())
}

async fn answer_error(resp: &Response) -> SyncError {
    let message = json_of::<ErrorBody>(resp)
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
    /// Changes made here that the server refused, or that the server's records made
    /// invalid, with the reason: dropped from this browser's log, listed until dismissed.
    pub refused: RwSignal<Vec<Dropped>>,
    runtime: Runtime,
    /// A link's first answers, asked for when the page starts (`reviewer::prefetch`).
    prefetched: StoredValue<Option<reviewer::Prefetched>, leptos::prelude::LocalStorage>,
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
            refused: RwSignal::new(Vec::new()),
            runtime,
            prefetched: StoredValue::new_local(None),
            database: StoredValue::new(config.database.clone()),
            busy: StoredValue::new(false),
            failures: StoredValue::new(0),
            next_attempt: StoredValue::new(0.0),
        };
        sync.save();
        sync.prefetch();
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
        let session: Session = json_of(&resp).await?;
        self.settings.update(|s| {
            if s.server != server {
                s.cursor = 0;
                s.confirmed = 0;
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

    /// While refusals are listed the status says so (never "Synced"): the first reason.
    fn refusal_status(&self) -> Option<SyncStatus> {
        self.refused.with_untracked(|r| {
            r.first().map(|first| {
                SyncStatus::Error(format!(
                    "the server refused {} change(s), removed from this browser: {}",
                    r.len(),
                    first.reason
                ))
            })
        })
    }

    /// The person has read the refusals (Settings → Sync server → Dismiss).
    pub fn dismiss_refusals(&self) {
        self.refused.set(Vec::new());
        if let SyncStatus::Error(_) = self.status.get_untracked() {
            self.next_attempt.set_value(0.0);
            spawn_local({
                let sync = *self;
                async move { sync.tick().await }
            });
        }
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
