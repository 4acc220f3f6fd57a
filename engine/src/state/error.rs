//! Why the engine refuses a command: one error type for every rule, in words a person can
//! read (the browser shows them; the server sends them with its refusals).

use super::*;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
/// Why the engine refused a command.
pub enum EngineError {
    #[error("only a review administrator can {action}")]
    /// Only administrators may do this.
    AdministratorOnly {
        /// What was attempted.
        action: &'static str,
    },
    /// Only auditors may do this.
    #[error("only an auditor can {action}")]
    AuditorOnly {
        /// What was attempted.
        action: &'static str,
    },
    /// A rejected sign-off needs a comment.
    #[error("a rejected sign-off needs a comment saying why")]
    CommentRequired,
    #[error("choose who you are acting as: only directory users review access")]
    /// The actor reviews nothing here.
    NotAReviewer,
    #[error("{what} \"{id}\" does not exist")]
    /// Something named does not exist.
    NotFound {
        /// What kind of thing.
        what: &'static str,
        /// The id that was not found.
        id: String,
    },
    #[error("the review is not valid: {}", list(.errors))]
    /// The definition breaks rules.
    InvalidDefinition {
        /// Every broken rule.
        errors: Vec<FieldError>,
    },
    #[error("a review with id \"{id}\" already exists")]
    /// The id is taken.
    AlreadyExists {
        /// The id that is taken.
        id: String,
    },
    #[error("the directory has references to objects that do not exist: {}", .missing.join("; "))]
    /// The directory names objects it does not hold.
    DanglingReferences {
        /// Each reference that does not resolve.
        missing: Vec<String>,
    },
    #[error("this review is {status}: {action} is not possible")]
    /// Not in a status that allows this.
    WrongStatus {
        /// Where it stands.
        status: &'static str,
        /// What was attempted.
        action: &'static str,
    },
    #[error("reviewee {item} is not assigned to you in stage {}", .stage + 1)]
    /// Not the actor's item in this stage.
    NotYourItem {
        /// Index of the item.
        item: u32,
        /// Stage index (0 is the first).
        stage: usize,
    },
    #[error("a justification is required to approve access ({user})")]
    /// A justification is required.
    JustificationRequired {
        /// The reviewee's display name.
        user: String,
    },
    /// A text over its cap (see `limits`).
    #[error("{what} is longer than {max} characters")]
    /// A text is longer than allowed.
    TooLong {
        /// Which text.
        what: String,
        /// The most allowed, in characters.
        max: usize,
    },
    /// A remediation command that makes no sense for its items (`remediation::decide`).
    #[error("{problem}")]
    InvalidRemediation {
        /// What is wrong, naming the item.
        problem: String,
    },
    #[error("{user} cannot be handed a decision about their own access")]
    /// Independence: nobody reviews their own access on someone else's behalf.
    NotIndependent {
        /// The person's display name.
        user: String,
    },
    #[error("stage {} is a self-review: its items cannot be handed to someone else", .stage + 1)]
    /// A self-review stage is neither reassigned nor delegated.
    SelfReviewStage {
        /// Stage index (0 is the first).
        stage: usize,
    },
    #[error("{0}")]
    /// A reassignment or delegation that cannot be made, and why.
    CannotHandOver(String),
    #[error("{0}")]
    /// A notification template that would not render, and why (naming unknown placeholders).
    InvalidTemplate(String),
    #[error("{0}")]
    /// What the review's settings do not allow, and why (`guardrails`, `expiry`).
    NotAllowed(String),
    #[error("confirm this bulk approval with a justification: {why} ({count} flagged)")]
    /// A bulk approval the guardrails flag, sent without a confirmation.
    BulkApprovalUnconfirmed {
        /// How many approvals need it.
        count: usize,
        /// Why, in words.
        why: String,
    },
    #[error("{0}")]
    /// "Run now" cannot start an occurrence, and why.
    CannotRunNow(String),
}

fn list(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

pub(super) fn status_word(status: InstanceStatus) -> &'static str {
    match status {
        InstanceStatus::NotStarted => "not started",
        InstanceStatus::InProgress => "in progress",
        InstanceStatus::Completed => "completed",
        InstanceStatus::Applied => "applied",
    }
}
