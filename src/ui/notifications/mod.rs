//! Notifications outbox: the messages the system sends — review and stage start, the halfway
//! reminder (only to reviewers with undecided items), stage end, review completed, guests
//! blocked and deleted — each with recipient, subject, body and its link. Without a server
//! they are shown here for the administrator to send, worded with the templates in force
//! (`templates.rs` edits them).

mod templates;

use attest_engine::outbox::{outbox_at, Message, MessageKind, Recipient};
use leptos::prelude::*;

use crate::runtime::use_runtime;
use crate::ui::components::{localize_timestamps, Page};
use crate::ui::review::shared::{use_records, when};

/// Messages drawn at first; "Show more" adds as many again.
const PAGE: usize = 100;

fn kind_value(kind: MessageKind) -> String {
    format!("{kind:?}")
}

#[component]
pub fn Notifications() -> impl IntoView {
    let runtime = use_runtime();
    let (records, problem) = use_records(runtime);
    let kind = RwSignal::new(String::new());
    let search = RwSignal::new(String::new());
    let shown = RwSignal::new(PAGE);

    // Messages carry paths; shown whole, as the recipient gets them from this address.
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    let base = origin.clone();
    let messages = Memo::new(move |_| {
        records.with(|r| {
            r.as_ref()
                .map(|r| runtime.state.with(|s| outbox_at(s, r, &base)))
        })
    });
    let admin = move || runtime.acting_as.with(|a| a.is_administrator());
    let list = move || {
        let want = kind.get();
        let needle = search.get().trim().to_lowercase();
        let limit = shown.get();
        messages.with(|all| {
            let Some(all) = all else {
                return view! { <p class="meta">"Loading the outbox…"</p> }.into_any();
            };
            let picked: Vec<&Message> = all
                .iter()
                .rev()
                .filter(|m| want.is_empty() || kind_value(m.kind) == want)
                .filter(|m| {
                    needle.is_empty()
                        || m.to.name().to_lowercase().contains(&needle)
                        || m.subject.to_lowercase().contains(&needle)
                })
                .collect();
            let count = picked.len();
            if all.is_empty() {
                return view! { <p class="card empty">"No message yet: messages appear when a review starts."</p> }.into_any();
            }
            let items = picked
                .into_iter()
                .take(limit)
                .map(|m| {
                    let address = match &m.to {
                        Recipient::User { address, .. } => Some(address.clone()),
                        Recipient::Administrators => None,
                    };
                    view! {
                        <li class="card message" data-kind=kind_value(m.kind)>
                            <div class="message-head">
                                <span class="badge">{m.kind.label()}</span>
                                <span class="meta">{when(m.at)}</span>
                            </div>
                            <h2 class="message-subject">{localize_timestamps(&m.subject)}</h2>
                            <p class="message-to">
                                "To: " <strong>{m.to.name().to_string()}</strong>
                                {address.map(|a| view! { " " <span class="meta">{format!("<{a}>")}</span> })}
                            </p>
                            <p class="message-body">{localize_timestamps(&m.body)}</p>
                            <p class="message-link">"Link: " <a href=m.link.clone()>{format!("{origin}{}", m.link)}</a></p>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <p class="meta" role="status">{format!("{} of {count} message(s) shown, newest first", count.min(limit))}</p>
                <ul class="message-list">{items}</ul>
                {(count > limit).then(|| view! {
                    <button type="button" on:click=move |_| shown.update(|l| *l += PAGE)>"Show more"</button>
                })}
            }
            .into_any()
        })
    };

    view! {
        <Page title="Notifications outbox" lead="The messages Attest sends (stage start, reminders, escalations, reassignments, delegations and review complete), each with its link and worded as set under Message wording. Without a server, send them yourself from here.">
            {move || problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
            <Show when=admin>
                <templates::TemplateEditor messages />
            </Show>
            <div class="filters">
                <div class="field">
                    <label for="outbox-kind">"Message"</label>
                    <select id="outbox-kind" on:change:target=move |ev| kind.set(ev.target().value())>
                        <option value="">"All messages"</option>
                        {MessageKind::ALL.iter().map(|k| view! { <option value=kind_value(*k)>{k.label()}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="outbox-search">"Search recipient or subject"</label>
                    <input
                        id="outbox-search"
                        type="search"
                        prop:value=move || search.get()
                        on:input:target=move |ev| search.set(ev.target().value())
                    />
                </div>
            </div>
            {list}
        </Page>
    }
}
