//! "Reassign": the reviewer hands the selected reviewees (or all of theirs) to another
//! person with a reason. The engine decides (`Command::ReassignItems`): independence,
//! self-review stages and the reason's cap are its rules, shown here as its message.

use std::collections::HashSet;

use attest_engine::Command;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::runtime::use_runtime;

/// People offered at once; typing narrows the directory to them.
const SHOWN: usize = 25;
/// Nobody is offered before this many characters are typed: the page lists no one's name
/// unasked (a reviewer's page shows their own reviewees only).
const MIN_QUERY: usize = 2;

/// A person picker: a search box and the people it finds (at most `SHOWN`, none before
/// `MIN_QUERY` characters), the acting reviewer left out. `to` holds the chosen user id.
#[component]
pub fn PersonPicker(
    /// Prefix of the controls' ids.
    id: &'static str,
    /// The picker's label.
    label: &'static str,
    /// The person acting (never offered).
    me: Memo<String>,
    /// The chosen user id.
    to: RwSignal<String>,
) -> impl IntoView {
    let runtime = use_runtime();
    let query = RwSignal::new(String::new());
    let people = Memo::new(move |_| {
        let q = query.get().trim().to_lowercase();
        if q.chars().count() < MIN_QUERY {
            return Vec::new();
        }
        let me = me.get();
        runtime.state.with(|s| {
            let mut found: Vec<(String, String)> = s
                .directory
                .users
                .values()
                .filter(|u| u.id != me && u.account_enabled)
                .filter(|u| {
                    u.display_name.to_lowercase().contains(&q)
                        || u.user_principal_name.to_lowercase().contains(&q)
                })
                .map(|u| {
                    (
                        u.id.clone(),
                        format!("{} ({})", u.display_name, u.user_principal_name),
                    )
                })
                .collect();
            // The id breaks ties (as the directory's id order did), so unstable is the same.
            found.sort_unstable_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
            found.truncate(SHOWN);
            found
        })
    });
    // Keep the choice among the people offered.
    Effect::new(move |_| {
        let offered = people.get();
        if !offered.iter().any(|(id, _)| *id == to.get_untracked()) {
            to.set(
                offered
                    .first()
                    .map(|(id, _)| id.clone())
                    .unwrap_or_default(),
            );
        }
    });
    let find = format!("{id}-find");
    let hint = format!("{id}-hint");
    let pick = format!("{id}-to");
    view! {
        <div class="field">
            <label for=find.clone()>"Find a person"</label>
            <input
                id=find
                type="search"
                aria-describedby=hint.clone()
                prop:value=move || query.get()
                on:input=move |ev| query.set(event_target_value(&ev))
            />
            <p class="hint" id=hint>"Type at least two letters of a name or sign-in name."</p>
        </div>
        <div class="field">
            <label for=pick.clone()>{label}</label>
            <select
                id=pick
                prop:value=move || to.get()
                on:change=move |ev| to.set(event_target_value(&ev))
            >
                {move || people.get().into_iter().map(|(id, label)| {
                    let value = id.clone();
                    view! { <option value=value selected=move || to.get() == id>{label}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}

#[component]
pub fn ReassignControl(
    /// The instance on the page.
    instance: Memo<String>,
    /// The reviewer acting.
    me: Memo<String>,
    /// The selected items (cleared once they are handed over).
    selected: RwSignal<HashSet<u32>>,
) -> impl IntoView {
    let runtime = use_runtime();
    let to = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let message = RwSignal::new(None::<Result<String, String>>);
    let open = RwSignal::new(false);
    let none_selected = move || selected.with(HashSet::is_empty);
    let submit = move |_| {
        let items: Vec<u32> = selected.with_untracked(|s| {
            let mut v: Vec<u32> = s.iter().copied().collect();
            v.sort_unstable();
            v
        });
        if items.is_empty() {
            return;
        }
        let who = to.get_untracked();
        let name = runtime
            .state
            .with_untracked(|s| s.directory.display_name(&who).to_string());
        let n = items.len();
        let cmd = Command::ReassignItems {
            instance: instance.get_untracked(),
            from: None,
            items: Some(items),
            to: who,
            reason: reason.get_untracked(),
        };
        message.set(None);
        spawn_local(async move {
            match runtime.run(cmd).await {
                Ok(()) => {
                    selected.set(HashSet::new());
                    open.set(false);
                    reason.set(String::new());
                    message.set(Some(Ok(format!(
                        "Reassigned {} to {name}.",
                        if n == 1 {
                            "1 reviewee".to_string()
                        } else {
                            format!("{n} reviewees")
                        }
                    ))));
                }
                Err(e) => message.set(Some(Err(format!("Not reassigned: {e}.")))),
            }
        });
    };
    view! {
        <div class="rv-reassign">
            <button
                type="button"
                class="button button-secondary"
                aria-expanded=move || open.get().to_string()
                disabled=move || none_selected() && !open.get()
                on:click=move |_| open.update(|o| *o = !*o)
            >
                "Reassign selected"
            </button>
            <Show when=move || open.get()>
                <PersonPicker id="rv-reassign" label="Reassign to" me to />
                <div class="field">
                    <label for="rv-reassign-reason">"Reason for reassigning"</label>
                    <textarea
                        id="rv-reassign-reason"
                        prop:value=move || reason.get()
                        on:input=move |ev| reason.set(event_target_value(&ev))
                    ></textarea>
                </div>
                <button
                    type="button"
                    class="button"
                    disabled=move || none_selected() || to.with(String::is_empty)
                    on:click=submit
                >
                    "Reassign"
                </button>
            </Show>
            {move || message.get().map(|m| match m {
                Ok(text) => view! { <p class="rv-bulk-ok" role="status">{text}</p> }.into_any(),
                Err(text) => view! { <p class="rv-bulk-error" role="alert">{text}</p> }.into_any(),
            })}
        </div>
    }
}
