//! The sync server as the command line talks to it: sign in with the administrators'
//! secret, pull the whole shared log into a `State` (the engine's own fold), push records.
//! The protocol's messages are the engine's `wire` types, as the browser's sync client uses.

use std::time::Duration;

use attest_engine::event::Record;
use attest_engine::wire::{ErrorBody, Page, PushAnswer, PushRequest, Session, SignIn};
use attest_engine::{apply_owned, State};
use ureq::http::Response;
use ureq::{Agent, Body};

/// Larger than any page the server sends (a page may carry a whole directory import);
/// refuse rather than read without end.
const MAX_ANSWER_BYTES: u64 = 1 << 30;
/// The server's own cap on records per push.
const PUSH_BATCH: usize = 1000;
const PAGE: usize = 1000;

/// A signed-in administrator's connection to one server.
pub struct Server {
    agent: Agent,
    base: String,
    token: String,
}

/// The shared log folded: the state every plan is decided against.
pub struct Pulled {
    /// The server's state as the engine folds it.
    pub state: State,
    /// Records in the log.
    pub records: usize,
}

impl Server {
    /// Sign in to `base` (`https://attest.example.org`) as an administrator named `name`.
    pub fn sign_in(base: &str, secret: &str, name: &str) -> Result<Server, String> {
        let base = base.trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(format!(
                "--server {base}: give the server's address with http:// or https://"
            ));
        }
        let agent: Agent = Agent::config_builder()
            // Refusals carry a JSON body saying why: read it instead of an error.
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into();
        let body = to_json(&SignIn {
            secret: secret.to_string(),
            name: name.to_string(),
        })?;
        let answer = agent
            .post(format!("{base}/api/v1/session"))
            .content_type("application/json")
            .send(body)
            .map_err(|e| unreachable(&base, e))?;
        let session: Session = read(answer, "sign in")?;
        Ok(Server {
            agent,
            base,
            token: session.token,
        })
    }

    fn auth(&self) -> String {
        format!("Bearer {}", self.token)
    }

    /// Every record of the shared log, folded in log order.
    pub fn pull(&self) -> Result<Pulled, String> {
        let mut state = State::default();
        let (mut cursor, mut records) = (0i64, 0usize);
        loop {
            let answer = self
                .agent
                .get(format!(
                    "{}/api/v1/records?after={cursor}&limit={PAGE}",
                    self.base
                ))
                .header("Authorization", self.auth())
                .call()
                .map_err(|e| unreachable(&self.base, e))?;
            let page: Page = read(answer, "read the shared log")?;
            records += page.records.len();
            for record in page.records {
                apply_owned(&mut state, record);
            }
            cursor = page.cursor;
            if !page.more {
                break;
            }
        }
        Ok(Pulled { state, records })
    }

    /// Push `records`; Err names every record the server refused and why.
    pub fn push(&self, records: &[Record]) -> Result<usize, String> {
        let mut stored = 0;
        for batch in records.chunks(PUSH_BATCH) {
            let body = to_json(&PushRequest {
                records: batch.to_vec(),
            })?;
            let answer = self
                .agent
                .post(format!("{}/api/v1/records", self.base))
                .header("Authorization", self.auth())
                .content_type("application/json")
                .send(body)
                .map_err(|e| unreachable(&self.base, e))?;
            // 422: some records were refused, the answer says which and why.
            let answer: PushAnswer = if answer.status() == 422 {
                parse(answer, "push")?
            } else {
                read(answer, "push")?
            };
            if let Some(first) = answer.rejected.first() {
                let all: Vec<String> = answer
                    .rejected
                    .iter()
                    .map(|r| format!("record {}: {} ({})", r.id, r.reason, r.code))
                    .collect();
                return Err(format!(
                    "the server refused {} record(s), first {}:\n  {}",
                    answer.rejected.len(),
                    first.id,
                    all.join("\n  ")
                ));
            }
            stored += answer.accepted.len();
        }
        Ok(stored)
    }

    /// End the session (best effort: it expires on its own anyway).
    pub fn sign_out(self) {
        let _ = self
            .agent
            .delete(format!("{}/api/v1/session", self.base))
            .header("Authorization", self.auth())
            .call();
    }
}

fn to_json(value: &impl serde::Serialize) -> Result<String, String> {
    serde_json::to_string(value).map_err(|e| format!("cannot write the request: {e}"))
}

fn unreachable(base: &str, e: ureq::Error) -> String {
    format!("cannot reach the server at {base}: {e}")
}

/// A 2xx answer's JSON, or the server's refusal in words.
fn read<T: serde::de::DeserializeOwned>(answer: Response<Body>, what: &str) -> Result<T, String> {
    let status = answer.status();
    if status.is_success() {
        return parse(answer, what);
    }
    let text = body_text(answer).unwrap_or_default();
    Err(match serde_json::from_str::<ErrorBody>(&text) {
        Ok(e) => format!(
            "{what}: the server answered {status}: {} ({})",
            e.message, e.error
        ),
        Err(_) => format!("{what}: the server answered {status}"),
    })
}

fn parse<T: serde::de::DeserializeOwned>(answer: Response<Body>, what: &str) -> Result<T, String> {
    let text = body_text(answer).map_err(|e| format!("{what}: cannot read the answer: {e}"))?;
    serde_json::from_str(&text)
        .map_err(|e| format!("{what}: the server's answer is not what Attest expects: {e}"))
}

fn body_text(mut answer: Response<Body>) -> Result<String, ureq::Error> {
    answer
        .body_mut()
        .with_config()
        .limit(MAX_ANSWER_BYTES)
        .read_to_string()
}
