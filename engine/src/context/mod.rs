//! Context for a decision (issue 25): why a person has the access under review (the access
//! path, with the date it was granted where the directory knows it), what the previous
//! occurrence of a recurring review decided, and the delta mode that starts an occurrence
//! with only what changed since the last completed one.
//!
//! Paths and "since last review" are worked out when a reviewer's page is built
//! (`view::reviewer_view`), for that reviewer's rows only; the delta selection is decided once,
//! when an occurrence starts, and kept on the instance (`Instance::since_last`).

mod delta;
mod path;
mod since;

pub use delta::{carried_rows, narrow, Attributes, Carried, SinceLast};
pub use path::{access_context, path_links, AccessContext, PathFinder, Route};
pub use since::{last_completed, LastReview, SinceLastReview};

use serde::{Deserialize, Serialize};

/// What a reviewer's row says about an item beyond who and what: its access path and,
/// for recurring reviews, the previous occurrence's outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemContext {
    /// How the person holds the access, and since when.
    pub path: AccessContext,
    /// The previous occurrence's outcome, or that the access is new since it; None when the
    /// review has no earlier completed occurrence.
    pub since: Option<SinceLastReview>,
}
