//! The review programme, not single reviews: which resources are covered and certified
//! (`coverage`), what is overdue, the built-in checks, whether a review is ready to launch
//! (`readiness`), and the occurrences outside the schedule: Run now (`run_now`) and mover
//! reviews started from an import's diff (`movers`).

use crate::tagged::internally_tagged;

mod coverage;
mod movers;
mod readiness;
mod run_now;

pub use coverage::{
    programme, Check, OverdueReview, OverdueReviewer, Programme, ProgrammeConfig, ResourceRow, Why,
};
pub use movers::{mover_reviews, moves, Move};
pub use readiness::{readiness, Finding, READINESS_IMPORT_DAYS};
pub use run_now::run_now;

internally_tagged! { "type", "ExtraCause",
    /// Why an occurrence outside the schedule started.
    #[derive(Clone, Debug, PartialEq, Eq)]
    #[serde(rename_all = "camelCase")]
    pub enum ExtraCause {
        /// An administrator selected "Run now".
        RunNow,
        /// A directory import showed these users' managers or departments changed.
        Moved {
            /// The user ids whose access the occurrence reviews.
            users: Vec<String>,
        },
    }
}

/// The id of an extra run's instance: not the schedule's id for any occurrence, so folding
/// it leaves the schedule's next occurrence where it is.
pub fn extra_instance_id(
    definition: &str,
    occurrence: u32,
    cause: &ExtraCause,
    run: u32,
    resource: &str,
) -> String {
    let tag = match cause {
        ExtraCause::RunNow => "now",
        ExtraCause::Moved { .. } => "move",
    };
    format!("{definition}~{occurrence}~{tag}{run}~{resource}")
}

/// The history's action for an extra run.
pub fn extra_action(cause: &ExtraCause) -> &'static str {
    match cause {
        ExtraCause::RunNow => "Review run now",
        ExtraCause::Moved { .. } => "Mover review started",
    }
}

/// The history's details of an extra run: whose access a mover review looks at.
pub fn extra_details(state: &crate::State, cause: &ExtraCause) -> String {
    match cause {
        ExtraCause::RunNow => "an extra occurrence, outside the schedule".into(),
        ExtraCause::Moved { users } => format!(
            "manager or department changed: {}",
            users
                .iter()
                .map(|u| state.directory.display_name(u))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
