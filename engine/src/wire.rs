//! The sync protocol's messages (`/api/v1/...`, described in docs/openapi.yaml), declared
//! once: the server writes and reads them, the app's sync client reads and writes them.
//!
//! Field names are camelCase on the wire. Requests refuse unknown fields, since the server
//! treats every byte from a client as hostile; answers may gain fields in later versions,
//! so readers of answers ignore fields they do not know.

use crate::tagged::internally_tagged;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::event::Record;

/// Every refusal: a stable code for programs and a sentence for people.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// A camelCase code such as `invalidToken` or `storageUnavailable`.
    pub error: String,
    /// What was wrong and what to do, for the person.
    pub message: String,
}

/// `POST /api/v1/session`: an administrator signs in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    /// The administrators' secret.
    pub secret: String,
    /// Shown in the history as who acted.
    pub name: String,
}

/// The answer to a sign-in: the bearer token for later requests.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    /// Sent as `Authorization: Bearer <token>`.
    pub token: String,
    /// The name the session acts under (trimmed).
    pub name: String,
    /// When the session ends.
    pub expires_at: DateTime<Utc>,
}

internally_tagged! { "kind", "Me",
    /// `GET /api/v1/me`: whose credential this is.
    #[derive(Clone, Debug, PartialEq)]
    #[serde(rename_all = "camelCase")]
    pub enum Me {
        /// A signed-in administrator.
        #[serde(rename_all = "camelCase")]
        Administrator {
            /// The name given at sign-in.
            name: String,
        },
        /// A review link: one reviewer, one instance, one stage (0-based).
        #[serde(rename_all = "camelCase")]
        Reviewer {
            /// The reviewer's user id.
            reviewer: String,
            /// The review instance's id.
            instance: String,
            /// The stage, 0-based.
            stage: usize,
            /// When the link stops working (the stage's deadline).
            expires_at: Option<DateTime<Utc>>,
        },
    }
}

/// `POST /api/v1/records`: records to add to the shared log, each decided again by the
/// server's engine.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    /// At most 1,000 records, in the order they were made.
    pub records: Vec<Record>,
}

/// The answer to a push: every record is either accepted or rejected.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PushAnswer {
    /// Records the server holds now (stored, or held already).
    pub accepted: Vec<Accepted>,
    /// Records the engine refused, with its reason.
    pub rejected: Vec<Rejected>,
    /// The log's position after this push.
    pub cursor: i64,
}

/// What became of one accepted record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Accepted {
    /// The record's id.
    pub id: String,
    /// Stored now, held already, or ignored (the server keeps the time itself).
    pub status: AcceptedStatus,
    /// The log position it was stored at (for `stored` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<i64>,
}

/// See [`Accepted::status`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AcceptedStatus {
    /// Stored now.
    Stored,
    /// The same record was stored earlier.
    Duplicate,
    /// A clock record from a client: the server's own clock decides.
    Ignored,
}

/// One refused record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rejected {
    /// The record's id.
    pub id: String,
    /// A camelCase code such as `refused`, `clockBehind` or `diverged`.
    pub code: String,
    /// The engine's reason, for the person.
    pub reason: String,
}

/// `GET /api/v1/records?after=&limit=`: one page of the shared log. `R` is how a record
/// travels: the server sends stored JSON text as it is, the app reads [`Record`]s.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Page<R = Record> {
    /// Records after the asked cursor, in log order.
    pub records: Vec<R>,
    /// The position of the last record in the page (or the asked one when empty).
    pub cursor: i64,
    /// Whether more records follow.
    pub more: bool,
}

/// `GET /api/v1/reviewer/records`: a reviewer's compact state as records, which the app
/// folds into a state of its own.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewerPage {
    /// The directory, definition and instance the reviewer may see.
    pub records: Vec<Record>,
    /// The shared log's position the page was built at.
    pub cursor: i64,
    /// The reviewer's user id.
    pub reviewer: String,
    /// The review instance's id.
    pub instance: String,
    /// The stage, 0-based.
    pub stage: usize,
    /// When the link stops working.
    pub expires_at: Option<DateTime<Utc>>,
}

/// `POST /api/v1/links` and `DELETE /api/v1/links`: a reviewer's link for one stage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    /// The review instance's id.
    pub instance: String,
    /// The stage, 0-based.
    pub stage: usize,
    /// The reviewer's user id.
    pub reviewer: String,
}

/// A link just issued.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Link {
    /// The link's bearer token.
    pub token: String,
    /// The app's reviewer page with the token in its fragment.
    pub link: String,
    /// The stage's deadline.
    pub expires_at: DateTime<Utc>,
}
