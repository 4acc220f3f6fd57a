//! Who the person at this browser is acting as (SPEC section 6: without a server the user
//! picks an identity and the engine still checks every command against it).
//!
//! The choice is kept in `localStorage` so a reload acts as the same identity.

use attest_engine::Actor;
use leptos::prelude::*;

/// `localStorage` key holding the chosen [`Actor`] as JSON.
pub const ACTING_AS_KEY: &str = "attest.acting_as";

/// Display name of the single administrator identity of the local (server-less) mode.
pub const ADMINISTRATOR_NAME: &str = "Administrator";

/// Display name of the auditor identity of the local mode.
pub const AUDITOR_NAME: &str = "Auditor";

/// Shared handles for the current identity, provided once by `App` through context.
#[derive(Clone, Copy)]
pub struct Session {
    /// The identity every command is issued under.
    pub acting_as: RwSignal<Actor>,
    /// Directory users one may act as: `(user id, display name)`. Filled from the directory.
    pub identities: RwSignal<Vec<(String, String)>>,
}

impl Session {
    /// Creates the session from `localStorage`, persists later changes, and provides it as
    /// context for every component below the caller.
    pub fn provide() -> Self {
        let session = Session {
            acting_as: RwSignal::new(load_acting_as().unwrap_or_else(administrator)),
            identities: RwSignal::new(Vec::new()),
        };
        let acting_as = session.acting_as;
        Effect::new(move |_| acting_as.with(store_acting_as));
        provide_context(session);
        session
    }
}

/// The session provided by `App`. Panics outside of it: that is a wiring bug, not a state.
pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// The local administrator identity.
pub fn administrator() -> Actor {
    Actor::Administrator {
        name: ADMINISTRATOR_NAME.to_owned(),
    }
}

/// The `<option>` value that stands for `actor` in the "Acting as" picker.
pub fn option_value(actor: &Actor) -> String {
    match actor {
        Actor::Administrator { .. } => "admin".to_owned(),
        Actor::User { id } => format!("user:{id}"),
        Actor::System => "system".to_owned(),
        Actor::Auditor { .. } => "auditor".to_owned(),
    }
}

/// The inverse of [`option_value`]; `System` is never offered, so it is not parsed back.
pub fn actor_from_option(value: &str) -> Option<Actor> {
    match value {
        "admin" => Some(administrator()),
        "auditor" => Some(Actor::Auditor {
            name: AUDITOR_NAME.to_owned(),
        }),
        other => other
            .strip_prefix("user:")
            .map(|id| Actor::User { id: id.to_owned() }),
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn load_acting_as() -> Option<Actor> {
    let json = local_storage()?.get_item(ACTING_AS_KEY).ok().flatten()?;
    attest_engine::json::from_bytes(json.as_bytes()).ok()
}

fn store_acting_as(actor: &Actor) {
    // Storage can be unavailable (private mode, quota); the choice then lasts for this page only.
    if let (Some(storage), Ok(json)) = (local_storage(), serde_json::to_string(actor)) {
        let _ = storage.set_item(ACTING_AS_KEY, &json);
    }
}
