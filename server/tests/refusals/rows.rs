//! How the refusal table's rows are made: the records and bodies they send, and the row
//! itself (who sends what, and the answer expected).

use attest_engine::event::{Event, Record, RECORD_VERSION};
use attest_engine::instance::StageEndReason;
use attest_server::db::Fault;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::support::*;

pub fn stop(id: &str, instance: &str, at: DateTime<Utc>, reason: Option<String>) -> Record {
    Record {
        v: RECORD_VERSION,
        id: id.into(),
        at,
        actor: admin(),
        reason,
        events: vec![Event::StageEnded {
            instance: instance.into(),
            stage: 0,
            at,
            reason: StageEndReason::Stopped,
        }],
    }
}

/// A record of `manager000`'s review link holding one event.
pub fn link_record(id: &str, event: Event) -> Record {
    Record {
        v: attest_engine::event::RECORD_VERSION,
        id: id.into(),
        at: Utc::now(),
        actor: attest_engine::Actor::User {
            id: "manager000".into(),
        },
        reason: None,
        events: vec![event],
    }
}

pub fn push_body(records: &[Record]) -> Value {
    json!({ "records": records })
}

/// Who sends a row.
#[derive(Clone, Copy, Debug)]
pub enum As {
    Nobody,
    Admin,
    Reviewer,
}

pub struct Row {
    pub what: &'static str,
    pub method: &'static str,
    pub path: &'static str,
    pub who: As,
    pub body: Vec<u8>,
    pub status: u16,
    /// The `error` of the answer, or for 422 the first rejected record's `code`.
    pub code: Option<&'static str>,
    /// A storage fault in force while the row is sent (a stopped database, a full disk).
    pub fault: Option<Fault>,
}

pub fn deep_decision_path(instance: &str) -> Value {
    let mut v = serde_json::to_value(reviewer_decision(
        "u9",
        "manager000",
        instance,
        0,
        "x".into(),
    ))
    .unwrap();
    v["actor"] = serde_json::to_value(admin()).unwrap();
    v["events"][0]["decisions"][0]["weight"] = json!(10);
    v
}
