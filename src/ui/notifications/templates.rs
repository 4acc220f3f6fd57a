//! "Message wording": an administrator edits the subject and body of each message kind with
//! placeholders, sees a preview filled with a real recipient's data as they type, and saves
//! it through the engine (`Command::SetNotificationTemplate`), which refuses unknown
//! placeholders. The outbox below renders with the saved wording.

use std::collections::BTreeMap;

use attest_engine::notify::{self, Template, PLACEHOLDERS};
use attest_engine::outbox::{Message, MessageKind};
use attest_engine::Command;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::runtime::use_runtime;
use crate::ui::components::localize_timestamps;

fn kind_value(kind: MessageKind) -> String {
    format!("{kind:?}")
}

fn kind_of(value: &str) -> MessageKind {
    MessageKind::ALL
        .into_iter()
        .find(|k| kind_value(*k) == value)
        .unwrap_or(MessageKind::ReviewStarted)
}

#[component]
pub fn TemplateEditor(
    /// The outbox, rendered with the wording in force (for the preview's data).
    messages: Memo<Option<Vec<Message>>>,
) -> impl IntoView {
    let runtime = use_runtime();
    let kind = RwSignal::new(MessageKind::ReviewStarted);
    let subject = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let recipient = RwSignal::new(String::new());
    let status = RwSignal::new(None::<Result<String, String>>);

    // The wording in force for the chosen kind fills the fields (again after a save).
    let in_force = Memo::new(move |_| {
        let k = kind.get();
        runtime
            .state
            .with(|s| notify::in_force(&s.notification_templates, k))
    });
    Effect::new(move |_| {
        let t = in_force.get();
        subject.set(t.subject);
        body.set(t.body);
    });
    let customised = Memo::new(move |_| {
        let k = kind.get();
        runtime
            .state
            .with(|s| s.notification_templates.contains_key(&k))
    });

    // Messages of this kind to preview with: each recipient once, newest first.
    let candidates = Memo::new(move |_| {
        let k = kind.get();
        messages.with(|all| {
            let mut seen = Vec::new();
            let mut out = Vec::new();
            for m in all.iter().flatten().rev().filter(|m| m.kind == k) {
                let who = m.to.name().to_string();
                if !seen.contains(&who) {
                    seen.push(who.clone());
                    out.push((out.len().to_string(), who, m.values.clone()));
                }
            }
            out
        })
    });
    let draft = move || Template {
        subject: subject.get(),
        body: body.get(),
    };
    let problem = Memo::new(move |_| notify::check(kind.get(), &draft()).err());
    let preview = move || {
        let k = kind.get();
        let pick = recipient.get();
        candidates.with(|c| {
            let values = c
                .iter()
                .find(|(i, _, _)| *i == pick)
                .or_else(|| c.first())
                .map(|(_, _, v)| v.clone());
            let Some(values) = values else {
                return view! {
                    <p class="meta">"No message of this kind yet: the preview appears once one is in the outbox."</p>
                }
                .into_any();
            };
            let (s, b) = notify::render(&BTreeMap::from([(k, draft())]), k, &values);
            view! {
                <div class="card template-preview" aria-live="polite">
                    <h3 class="message-subject">{localize_timestamps(&s)}</h3>
                    <p class="message-body">{localize_timestamps(&b)}</p>
                </div>
            }
            .into_any()
        })
    };

    let save = move |template: Option<Template>| {
        let cmd = Command::SetNotificationTemplate {
            kind: kind.get_untracked(),
            template,
        };
        status.set(None);
        spawn_local(async move {
            match runtime.run(cmd).await {
                Ok(()) => status.set(Some(Ok("Wording saved: the outbox uses it.".into()))),
                Err(e) => status.set(Some(Err(format!("Not saved: {e}.")))),
            }
        });
    };

    view! {
        // Folded by default: the outbox below is what the screen is mostly for.
        <details class="card template-editor">
            <summary class="template-summary">"Message wording"</summary>
            <p class="meta">"Word each message with placeholders in braces; write {{ or }} for a brace."</p>
            <div class="field">
                <label for="template-kind">"Message to word"</label>
                <select
                    id="template-kind"
                    on:change:target=move |ev| {
                        kind.set(kind_of(&ev.target().value()));
                        recipient.set(String::new());
                        status.set(None);
                    }
                >
                    {MessageKind::ALL
                        .iter()
                        .map(|k| view! { <option value=kind_value(*k)>{k.label()}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="template-subject">"Subject"</label>
                <input
                    id="template-subject"
                    type="text"
                    prop:value=move || subject.get()
                    on:input:target=move |ev| subject.set(ev.target().value())
                />
            </div>
            <div class="field">
                <label for="template-body">"Body"</label>
                <textarea
                    id="template-body"
                    rows="8"
                    prop:value=move || body.get()
                    on:input:target=move |ev| body.set(ev.target().value())
                ></textarea>
            </div>
            <p class="meta template-placeholders">
                "Placeholders: "
                {move || {
                    let offered = notify::offered(kind.get());
                    PLACEHOLDERS
                        .iter()
                        .filter(|(p, _)| offered.contains(p))
                        .map(|(p, what)| format!("{{{p}}} {what}"))
                        .collect::<Vec<_>>()
                        .join("; ")
                }}
            </p>
            {move || problem.get().map(|p| view! { <p class="error" role="alert">{format!("This wording would be refused: {p}.")}</p> })}
            <Show when=move || candidates.with(|c| !c.is_empty())>
                <div class="field">
                    <label for="template-preview-for">"Preview for"</label>
                    <select id="template-preview-for" on:change:target=move |ev| recipient.set(ev.target().value())>
                        {move || candidates.get().into_iter().map(|(i, who, _)| view! { <option value=i>{who}</option> }).collect_view()}
                    </select>
                </div>
            </Show>
            <h3>"Preview"</h3>
            {preview}
            <div class="page-actions">
                <button type="button" class="button" disabled=move || problem.with(Option::is_some) on:click=move |_| save(Some(draft()))>
                    "Save wording"
                </button>
                <button type="button" class="button button-secondary" disabled=move || !customised.get() on:click=move |_| save(None)>
                    "Restore default wording"
                </button>
            </div>
            {move || status.get().map(|m| match m {
                Ok(text) => view! { <p class="rv-bulk-ok" role="status">{text}</p> }.into_any(),
                Err(text) => view! { <p class="error" role="alert">{text}</p> }.into_any(),
            })}
        </details>
    }
}
