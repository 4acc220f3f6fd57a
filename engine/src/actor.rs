//! Who issues a command. The engine checks every command against the actor (SPEC section 6).

use crate::tagged::internally_tagged;

internally_tagged! { "kind", "Actor",
    /// The identity a command is issued under.
    #[derive(Clone, Debug, PartialEq, Eq, Hash)]
    #[serde(rename_all = "camelCase")]
    pub enum Actor {
        /// A review administrator: creates, stops and applies reviews. `name` is shown in history.
        /// A review administrator: creates, stops and applies reviews; `name` is shown in history.
        Administrator {
            /// Display name, shown in history.
            name: String,
        },
        /// A directory user acting as a reviewer (manager, owner, selected user, self-reviewer).
        /// A directory user acting as a reviewer.
        User {
            /// The user's id.
            id: String,
        },
        /// The engine itself: deadlines passing, recurrence, auto-apply, scheduled guest deletion.
        System,
        /// An auditor: reads reviews, results, history and evidence, decides nothing, and may
        /// sign off a finished review (`evidence::signoff`).
        Auditor {
            /// The auditor's name, as signed in.
            name: String,
        },
    }
}

impl Actor {
    /// Whether this is an administrator.
    pub fn is_administrator(&self) -> bool {
        matches!(self, Actor::Administrator { .. })
    }

    /// Whether this is an auditor.
    pub fn is_auditor(&self) -> bool {
        matches!(self, Actor::Auditor { .. })
    }

    /// The directory user behind the actor, if any.
    pub fn user_id(&self) -> Option<&str> {
        match self {
            Actor::User { id } => Some(id),
            _ => None,
        }
    }
}

/// The parts of Attest a person reads (SPEC section 4: without a server, a reviewer sees My
/// access reviews and their own items only; the rest is for administrators and auditors).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Area {
    /// Progress of every running review.
    Dashboard,
    /// The list of reviews and each review's overview, results and stage controls.
    Reviews,
    /// The new review wizard and drafts.
    NewReview,
    /// The reviews waiting on the person, and the reviewer page of each.
    MyReviews,
    /// Users, groups, applications, roles and access packages; import and export.
    Directory,
    /// The notification outbox.
    Notifications,
    /// The history / audit report and the evidence downloads.
    History,
    /// Sync, backup and restore, reset: the whole store.
    Settings,
}

impl Area {
    /// What the area is called where a refusal names it.
    pub fn title(self) -> &'static str {
        match self {
            Area::Dashboard => "the dashboard",
            Area::Reviews => "reviews and their results",
            Area::NewReview => "the new review wizard",
            Area::MyReviews => "My access reviews",
            Area::Directory => "the directory",
            Area::Notifications => "the notifications",
            Area::History => "the history",
            Area::Settings => "the settings",
        }
    }
}

impl Actor {
    /// Whether this identity may read `area`. Reviewers read only their own reviews; the
    /// reviewer view itself (`view::reviewer_view`) then limits them to their own items.
    pub fn may_read(&self, area: Area) -> bool {
        match area {
            Area::MyReviews => true,
            // Auditors read everything that is not a way to change it.
            Area::NewReview | Area::Settings => self.is_administrator(),
            _ => self.is_administrator() || self.is_auditor(),
        }
    }
}
