//! Who issues a command. The engine checks every command against the actor (SPEC section 6).

use serde::{Deserialize, Serialize};

/// The identity a command is issued under.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Actor {
    /// A review administrator: creates, stops and applies reviews. `name` is shown in history.
    Administrator { name: String },
    /// A directory user acting as a reviewer (manager, owner, selected user, self-reviewer).
    User { id: String },
    /// The engine itself: deadlines passing, recurrence, auto-apply, scheduled guest deletion.
    System,
}

impl Actor {
    pub fn is_administrator(&self) -> bool {
        matches!(self, Actor::Administrator { .. })
    }

    /// The directory user behind the actor, if any.
    pub fn user_id(&self) -> Option<&str> {
        match self {
            Actor::User { id } => Some(id),
            _ => None,
        }
    }
}
