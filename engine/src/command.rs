//! Commands: what a person (or the clock) asks the engine to do. One closed enum; the
//! engine checks each against the state and the actor and answers with events or an error.

use crate::tagged::internally_tagged;
use chrono::{DateTime, Utc};

use crate::definition::ReviewDefinition;
use crate::directory::Directory;
use crate::event::ItemDecision;
use crate::remediation::{FileDigest, ItemRef};

internally_tagged! { "type", "Command",
    #[derive(Clone, Debug, PartialEq)]
    #[serde(rename_all = "camelCase")]
    /// What a person or the clock asks the engine to do.
    pub enum Command {
        /// Replace the directory (an import, or the sample tenant). Administrators only.
        ImportDirectory {
            /// The whole directory; it replaces the current one.
            directory: Box<Directory>,
            /// Where the directory came from (file names, "sample").
            source: String,
        },
        /// Create or update a draft; drafts are not validated until created.
        SaveDraft {
            /// The review definition.
            definition: Box<ReviewDefinition>,
        },
        /// Delete a draft by id.
        DeleteDraft {
            /// Id of the review definition.
            definition: String,
        },
        /// Validate and schedule a review; it starts at its start date.
        CreateReview {
            /// The review definition.
            definition: Box<ReviewDefinition>,
        },
        /// A reviewer records Approve / Deny / Don't know on their items in the current stage.
        RecordDecisions {
            /// Id of the review instance.
            instance: String,
            /// The decisions, one per item.
            decisions: Vec<ItemDecision>,
        },
        /// Accept the recommendation on the caller's not-reviewed items (all of them when
        /// `items` is None). `justification`, when given, is recorded with each decision; a
        /// review that requires one to approve refuses approvals without it.
        AcceptRecommendations {
            /// Id of the review instance.
            instance: String,
            /// Item indices within the instance.
            items: Option<Vec<u32>>,
            /// Records made before this field existed carry none.
            #[serde(default)]
            justification: String,
        },
        /// Take back the caller's decisions on these items in the current stage.
        ResetDecisions {
            /// Id of the review instance.
            instance: String,
            /// Item indices within the instance.
            items: Vec<u32>,
        },
        /// "Stop current stage": the next stage starts at once.
        StopCurrentStage {
            /// Id of the review instance.
            instance: String,
        },
        /// "Stop review": irreversible; the review completes now.
        StopReview {
            /// Id of the review instance.
            instance: String,
        },
        /// "Apply results": only once the review is finished.
        ApplyResults {
            /// Id of the review instance.
            instance: String,
        },
        /// Stop a recurring review from starting further occurrences.
        EndSeries {
            /// Id of the review definition.
            definition: String,
        },
        /// Hand items of the open stage to another person. A reviewer hands their own
        /// (`from` None or themselves); an administrator names whose. `items` None: all of
        /// `from`'s items in the stage. Refused in a self-review stage and for a person whose own
        /// access is among the items.
        ReassignItems {
            /// Id of the review instance.
            instance: String,
            /// The reviewer giving the items up; None is the caller.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            from: Option<String>,
            /// Item indices within the instance; None is all of `from`'s.
            items: Option<Vec<u32>>,
            /// The user id of the new reviewer.
            to: String,
            /// Why (required, capped like every reason).
            reason: String,
        },
        /// Name a delegate for a date range: during it the reviewer's items (existing and new)
        /// are the delegate's; after it they come back. One level only.
        DelegateReviews {
            /// The reviewer who is away; None is the caller.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            reviewer: Option<String>,
            /// The user id of the delegate.
            delegate: String,
            /// When the delegation starts.
            from: DateTime<Utc>,
            /// When it ends.
            until: DateTime<Utc>,
            /// Why (required).
            reason: String,
        },
        /// Let the clock run to `now`: stage deadlines, recurrence, auto-apply, deletions.
        AdvanceTime,
        /// Give denied items an owner and a due date (see `remediation`).
        AssignRemediation {
            /// The denied items.
            items: Vec<ItemRef>,
            /// The owner: a directory user id.
            owner: String,
            /// When the work is due.
            due: DateTime<Utc>,
        },
        /// A comment, and optionally a file's digest, on what was done about a denied item.
        RecordRemediationEvidence {
            /// The denied item.
            item: ItemRef,
            /// What was done, in words.
            comment: String,
            /// A file kept as evidence: its name and digest.
            file: Option<FileDigest>,
        },
        /// The removal was done outside Attest; the next directory import verifies it.
        MarkRemediationDone {
            /// The denied items.
            items: Vec<ItemRef>,
            /// What was done, in words.
            comment: String,
        },
        /// An auditor's sign-off on a finished review (`evidence::signoff`).
        SignOff {
            /// The review instance.
            instance: String,
            /// Signed off or rejected.
            verdict: crate::evidence::signoff::Verdict,
            /// The auditor's comment.
            comment: String,
        },
        /// Word a message kind (`notify`): its subject and body with placeholders; None goes
        /// back to the default wording. Administrators only.
        SetNotificationTemplate {
            /// Which messages.
            kind: crate::outbox::MessageKind,
            /// The new wording, or None for the default.
            template: Option<crate::notify::Template>,
        },
        /// A bulk approval the guardrails flag (privileged role, or against a Deny
        /// recommendation), confirmed with a justification (`guardrails`). `command` is the
        /// `RecordDecisions`, `AcceptRecommendations` or `ApproveUntil` it confirms.
        ConfirmBulkApproval {
            /// Why these approvals are right despite the warning (required).
            justification: String,
            /// The decision command being confirmed.
            command: Box<Command>,
        },
        /// Approve until a date (when the review allows it): at `until` the access is removed
        /// unless a newer review certified it (`expiry`).
        ApproveUntil {
            /// Id of the review instance.
            instance: String,
            /// Item indices within the instance.
            items: Vec<u32>,
            /// When the approval ends.
            until: DateTime<Utc>,
            /// The reviewer's justification (may be empty unless the review requires one).
            justification: String,
        },
        /// "Run now": start an extra occurrence of a recurring review today, inside the same
        /// series (its scheduled occurrences keep their dates). Administrators only; refused
        /// while an occurrence of the review is still open (`programme::run_now`).
        RunNow {
            /// Id of the review definition.
            definition: String,
        },
    }
}
