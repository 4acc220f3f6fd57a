//! Form pieces the wizard steps share: a labelled checkbox, the errors of a field, a user
//! picker with search, and date conversion for `<input type="date">`.

use attest_engine::Directory;
use chrono::{DateTime, Utc};
use leptos::prelude::*;

use super::use_wizard;
use crate::runtime::use_runtime;

/// Most search results a picker lists; a narrower search finds the rest.
pub const MAX_RESULTS: usize = 8;

/// The engine's messages for the fields `pattern` names (see [`super::Wizard::errors_at`]),
/// shown right under the control.
#[component]
pub fn FieldErrors(#[prop(into)] pattern: String) -> impl IntoView {
    let wizard = use_wizard();
    move || {
        wizard
            .errors_at(&pattern)
            .into_iter()
            .map(|e| view! { <p class="error">{e}</p> })
            .collect_view()
    }
}

/// A checkbox whose label wraps it, with an optional hint under it.
#[component]
pub fn Check(
    #[prop(into)] label: String,
    #[prop(into)] checked: Signal<bool>,
    on_set: Callback<bool>,
    #[prop(optional, into)] hint: Option<String>,
) -> impl IntoView {
    view! {
        <div class="check">
            <label>
                <input
                    type="checkbox"
                    prop:checked=move || checked.get()
                    on:change:target=move |ev| on_set.run(ev.target().checked())
                />
                {label}
            </label>
            {hint.map(|h| view! { <p class="hint">{h}</p> })}
        </div>
    }
}

/// One radio button of a group named `name`.
#[component]
pub fn Radio(
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    #[prop(into)] checked: Signal<bool>,
    on_pick: Callback<()>,
) -> impl IntoView {
    view! {
        <label class="radio">
            <input
                type="radio"
                name=name
                prop:checked=move || checked.get()
                on:change=move |_| on_pick.run(())
            />
            {label}
        </label>
    }
}

/// Users matching `query` by name or sign-in name, at most [`MAX_RESULTS`].
pub fn search_users(dir: &Directory, query: &str, exclude: &[String]) -> Vec<(String, String)> {
    let q = query.trim().to_lowercase();
    if q.is_empty() {
        return Vec::new();
    }
    dir.users
        .values()
        .filter(|u| !exclude.contains(&u.id))
        .filter(|u| {
            u.display_name.to_lowercase().contains(&q)
                || u.user_principal_name.to_lowercase().contains(&q)
        })
        .take(MAX_RESULTS)
        .map(|u| (u.id.clone(), user_label(dir, &u.id)))
        .collect()
}

/// A user's name as the picker shows it: with the sign-in name when someone else in the
/// directory has the same name, so the two are different choices (also to a screen reader).
pub fn user_label(dir: &Directory, id: &str) -> String {
    let name = dir.display_name(id);
    let shared = dir
        .users
        .values()
        .filter(|u| u.display_name == name)
        .nth(1)
        .is_some();
    match dir.users.get(id) {
        Some(u) if shared => format!("{name} ({})", u.user_principal_name),
        _ => name.to_string(),
    }
}

/// Chooses directory users: the chosen ones with a Remove button each, and a search whose
/// results each have an Add button. `label` names the list ("Stage 1 fallback reviewers").
#[component]
pub fn UserPicker(
    #[prop(into)] label: String,
    #[prop(into)] selected: Signal<Vec<String>>,
    on_change: Callback<Vec<String>>,
    #[prop(optional, into)] hint: Option<String>,
    /// Validation field pattern of this list, when its errors belong here.
    #[prop(optional, into)]
    errors: Option<String>,
) -> impl IntoView {
    let runtime = use_runtime();
    let query = RwSignal::new(String::new());
    let label = StoredValue::new(label);
    let results = move || {
        let exclude = selected.get();
        runtime
            .state
            .with(|s| search_users(&s.directory, &query.get(), &exclude))
    };
    let name_of = move |id: &str| runtime.state.with(|s| user_label(&s.directory, id));
    view! {
        <fieldset class="field picker">
            <legend>{label.get_value()}</legend>
            {hint.map(|h| view! { <p class="hint">{h}</p> })}
            <ul class="chips" aria-label=move || format!("Chosen: {}", label.get_value())>
                {move || {
                    selected
                        .get()
                        .into_iter()
                        .map(|id| {
                            let name = name_of(&id);
                            let remove_label = format!("Remove {name} from {}", label.get_value());
                            let id2 = id.clone();
                            view! {
                                <li class="chip">
                                    <span>{name}</span>
                                    <button
                                        type="button"
                                        class="chip-remove"
                                        aria-label=remove_label
                                        on:click=move |_| {
                                            let mut list = selected.get_untracked();
                                            list.retain(|u| *u != id2);
                                            on_change.run(list);
                                        }
                                    >
                                        "\u{00d7}"
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
            <input
                type="search"
                aria-label=move || format!("Search users to add to {}", label.get_value())
                placeholder="Search users by name"
                prop:value=move || query.get()
                on:input:target=move |ev| query.set(ev.target().value())
            />
            <ul class="results">
                {move || {
                    results()
                        .into_iter()
                        .map(|(id, name)| {
                            let add_label = format!("Add {name} to {}", label.get_value());
                            view! {
                                <li>
                                    <button
                                        type="button"
                                        class="result"
                                        aria-label=add_label
                                        on:click=move |_| {
                                            let mut list = selected.get_untracked();
                                            if !list.contains(&id) {
                                                list.push(id.clone());
                                            }
                                            on_change.run(list);
                                            query.set(String::new());
                                        }
                                    >
                                        "+ "{name}
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
            {errors.map(|pattern| view! { <FieldErrors pattern=pattern /> })}
        </fieldset>
    }
}

/// `YYYY-MM-DD` of a moment, for a date input (UTC).
pub fn date_value(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

/// A whole number typed into a number input; 0 when it is not one, so the engine's range
/// rule explains what is expected.
pub fn parse_number(value: &str) -> u32 {
    value.trim().parse().unwrap_or(0)
}
