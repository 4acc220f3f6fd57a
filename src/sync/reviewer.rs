//! A reviewer link: its round (the server's view of the reviewer's own items, plus unsent
//! decisions) and the link's own database (`link_config`), named without its token.

use attest_engine::snapshot::{decode_reviewer_page, same_events, REVIEWER_PAGE_TYPE};
use attest_engine::wire::{Me, ReviewerPage};
use attest_engine::{Actor, Record};
use gloo::net::http::{Request, Response};
use gloo::storage::{LocalStorage, Storage};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::runtime::AppConfig;

use super::*;

/// A link's first two answers (who the link is for, the reviewer's items), on their way.
pub(super) type Prefetched = futures::channel::oneshot::Receiver<(MeAnswer, PageAnswer)>;
type Answer = Result<Response, SyncError>;
type MeAnswer = Result<Me, SyncError>;
type PageAnswer = Result<ReviewerPage, SyncError>;

impl Sync {
    /// A page opened from a link asks the server who the link is for and for the reviewer's
    /// items at once, and reads both answers, while the stored data is still loading: the
    /// first round then finds them here instead of asking one after the other once the
    /// store is ready.
    pub(super) fn prefetch(&self) {
        if self.settings.with_untracked(|s| s.link_token.is_none()) {
            return;
        }
        let (answered, answers) = futures::channel::oneshot::channel();
        self.prefetched.set_value(Some(answers));
        let sync = *self;
        let (server, auth) = self.auth();
        let asked = asked_by_the_page(&server, &auth);
        let first_open = self.settings.with_untracked(|s| !s.link_pulled);
        spawn_local(async move {
            let (me, page) = match asked {
                Some((me, page)) => (answer_to(me).await, answer_to(page).await),
                None => futures::join!(sync.get(ME), sync.get(PAGE)),
            };
            let (me, page) = futures::join!(me_of(me), page_of(page));
            if let (true, Ok(me), Ok(page)) = (first_open, &me, &page) {
                if sync.act_as_linked(me.clone()).is_ok() {
                    sync.runtime.preview(&page.records);
                }
            }
            let _ = answered.send((me, page));
        });
    }

    /// The reviewer the server says the link is for becomes who this page acts as.
    fn act_as_linked(&self, me: Me) -> Result<(), SyncError> {
        let scope = match me {
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
        Ok(())
    }

    /// `path` on the link's server; the reviewer's page (`PAGE`) in the engine's page layout.
    async fn get(&self, path: &str) -> Answer {
        let (server, auth) = self.auth();
        let mut request = Request::get(&format!("{server}{path}")).header("Authorization", &auth);
        if path == PAGE {
            request = request.header("Accept", REVIEWER_PAGE_TYPE);
        }
        self.send(request.build()).await
    }

    pub(super) async fn reviewer_round(&self) -> Result<SyncStatus, SyncError> {
        let prefetched = self.prefetched.try_update_value(Option::take).flatten();
        let (mut me_answer, mut page_answer) = match prefetched {
            Some(answers) => match answers.await {
                Ok((me, page)) => (Some(me), Some(page)),
                Err(_) => (None, None),
            },
            None => (None, None),
        };
        if self.link.get_untracked().is_none() {
            let me = match me_answer.take() {
                Some(answer) => answer?,
                None => me_of(self.get(ME).await).await?,
            };
            self.act_as_linked(me)?;
        }
        let scope = self.link.get_untracked().ok_or(SyncError::Unreachable)?;
        let store = self.runtime.store().ok_or(SyncError::Unreachable)?;
        let mine = |r: &Record| {
            r.actor
                == Actor::User {
                    id: scope.reviewer.clone(),
                }
        };
        let unsent = |all: &[Record]| -> Vec<Record> {
            self.settings.with_untracked(|s| {
                all.iter()
                    .filter(|r| mine(r) && !s.known.contains(&r.id))
                    .cloned()
                    .collect()
            })
        };
        let mut local = store
            .records()
            .await
            .map_err(|e| SyncError::Problem(e.to_string()))?;
        let outgoing = unsent(&local);
        let pushing = !outgoing.is_empty();
        // An answer asked for before this push would miss what it sends.
        if pushing {
            page_answer = None;
        }
        let refused = self.push(outgoing).await?;
        let page = match page_answer {
            Some(answer) => answer?,
            None => page_of(self.get(PAGE).await).await?,
        };
        // The link's own database holds the server's view and the reviewer's unsent
        // decisions, nothing else. When the view changed, the log becomes the new view plus
        // what is still unsent (one transaction), and the state is rebuilt from that log.
        if pushing {
            local = store
                .records()
                .await
                .map_err(|e| SyncError::Problem(e.to_string()))?;
        }
        let same = |a: &Record, b: &Record| a.id == b.id && same_events(&a.events, &b.events);
        let stored_view: Vec<&Record> = local.iter().filter(|r| !mine(r)).collect();
        let changed = stored_view.len() != page.records.len()
            || stored_view
                .iter()
                .zip(&page.records)
                .any(|(a, b)| !same(a, b));
        let pending = unsent(&local);
        let n = pending.len();
        if changed {
            let log: Vec<Record> = page.records.into_iter().chain(pending).collect();
            self.runtime
                .replace_log(&log)
                .await
                .map_err(|e| SyncError::Problem(e.to_string()))?;
        }
        if !self.settings.with_untracked(|s| s.link_pulled) {
            self.settings.update(|s| s.link_pulled = true);
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

const ME: &str = "/api/v1/me";
const PAGE: &str = "/api/v1/reviewer/records";

fn not_a_link() -> SyncError {
    SyncError::Problem("this link is not a reviewer's link".into())
}

/// Who the link is for, from the server's answer to `/me`.
async fn me_of(answer: Answer) -> MeAnswer {
    let resp = answer?;
    if resp.status() != 200 {
        return Err(answer_error(&resp).await);
    }
    json_of::<Me>(&resp).await.map_err(|_| not_a_link())
}

/// The reviewer's items, from the server's answer to `/reviewer/records` in the engine's
/// page layout (asked for with `Accept`): read without serde's JSON reader of the records'
/// events, which the reviewer bundle leaves out.
async fn page_of(answer: Answer) -> PageAnswer {
    let resp = answer?;
    if resp.status() != 200 {
        return Err(answer_error(&resp).await);
    }
    let kind = resp.headers().get("content-type").unwrap_or_default();
    if kind.split(';').next().map(str::trim) != Some(REVIEWER_PAGE_TYPE) {
        return Err(SyncError::Problem(format!(
            "the server sent the reviewer's page as {kind:?}, not as {REVIEWER_PAGE_TYPE}"
        )));
    }
    let bytes = resp
        .binary()
        .await
        .map_err(|e| SyncError::Problem(format!("the reviewer's page did not arrive: {e}")))?;
    decode_reviewer_page(&bytes)
        .map_err(|e| SyncError::Problem(format!("the server's reviewer page: {e}")))
}

/// The two requests reviewer.html's first script sent for a mail link while the app was
/// still downloading (`window.__attestLink`: server, token and two `fetch` promises), if
/// they went to this link's server with this link's token; taken once either way.
fn asked_by_the_page(server: &str, auth: &str) -> Option<(js_sys::Promise, js_sys::Promise)> {
    use js_sys::Reflect;
    use wasm_bindgen::{JsCast, JsValue};
    let window = web_sys::window()?;
    let key = JsValue::from_str("__attestLink");
    let asked = Reflect::get(&window, &key).ok().filter(|v| v.is_object())?;
    let _ = Reflect::delete_property(window.unchecked_ref::<js_sys::Object>(), &key);
    let field = |name: &str| Reflect::get(&asked, &JsValue::from_str(name)).ok();
    let token = field("token")?.as_string()?;
    let asked_server = field("server")?.as_string()?;
    if server.trim_end_matches('/') != asked_server || auth != format!("Bearer {token}") {
        return None;
    }
    Some((
        field("me")?.dyn_into().ok()?,
        field("records")?.dyn_into().ok()?,
    ))
}

/// The answer a `fetch` promise of the page settles with.
async fn answer_to(promise: js_sys::Promise) -> Answer {
    use wasm_bindgen::JsCast;
    let value = wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(|_| SyncError::Unreachable)?;
    let response: web_sys::Response = value.dyn_into().map_err(|_| SyncError::Unreachable)?;
    Ok(Response::from(response))
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
