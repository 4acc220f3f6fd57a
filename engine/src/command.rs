//! Commands: what a person (or the clock) asks the engine to do. One closed enum; the
//! engine checks each against the state and the actor and answers with events or an error.

use serde::{Deserialize, Serialize};

use crate::definition::ReviewDefinition;
use crate::directory::Directory;
use crate::event::ItemDecision;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Command {
    /// Replace the directory (an import, or the sample tenant). Administrators only.
    ImportDirectory {
        directory: Box<Directory>,
        source: String,
    },
    /// Create or update a draft; drafts are not validated until created.
    SaveDraft {
        definition: Box<ReviewDefinition>,
    },
    DeleteDraft {
        definition: String,
    },
    /// Validate and schedule a review; it starts at its start date.
    CreateReview {
        definition: Box<ReviewDefinition>,
    },
    /// A reviewer records Approve / Deny / Don't know on their items in the current stage.
    RecordDecisions {
        instance: String,
        decisions: Vec<ItemDecision>,
    },
    /// Accept the recommendation on the caller's not-reviewed items (all of them when
    /// `items` is None). `justification`, when given, is recorded with each decision; a
    /// review that requires one to approve refuses approvals without it.
    AcceptRecommendations {
        instance: String,
        items: Option<Vec<u32>>,
        /// Records made before this field existed carry none.
        #[serde(default)]
        justification: String,
    },
    /// Take back the caller's decisions on these items in the current stage.
    ResetDecisions {
        instance: String,
        items: Vec<u32>,
    },
    /// "Stop current stage": the next stage starts at once.
    StopCurrentStage {
        instance: String,
    },
    /// "Stop review": irreversible; the review completes now.
    StopReview {
        instance: String,
    },
    /// "Apply results": only once the review is finished.
    ApplyResults {
        instance: String,
    },
    /// Stop a recurring review from starting further occurrences.
    EndSeries {
        definition: String,
    },
    /// Let the clock run to `now`: stage deadlines, recurrence, auto-apply, deletions.
    AdvanceTime,
    /// An auditor's sign-off on a finished review (`evidence::signoff`).
    SignOff {
        instance: String,
        verdict: crate::evidence::signoff::Verdict,
        comment: String,
    },
}
