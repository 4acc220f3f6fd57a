//! The notifications outbox: every message the system sends, derived from the log alone —
//! review and stage start (to that stage's reviewers, with the description for reviewers),
//! the halfway reminder (only to the reviewers the engine found with undecided items), stage
//! end and review completion (to administrators), guests blocked and deleted. Each message
//! carries the deep link its recipient follows. Subjects and bodies are rendered from the
//! templates in force now (`notify`): the sync server renders when it delivers, so a message
//! not yet delivered goes out with the wording shown here.

use crate::tagged::internally_tagged;
use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::event::{DirectoryChange, Event, Record};
use crate::evidence::{person_name, person_upn, timestamp};
use crate::instance::{Instance, StageEndReason};
use crate::notify::{self, Values};
use crate::state::State;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
/// The kind of notification.
pub enum MessageKind {
    /// A review started.
    ReviewStarted,
    /// A stage started.
    StageStarted,
    /// The halfway reminder.
    Reminder,
    /// A stage ended.
    StageEnded,
    /// A review completed.
    ReviewCompleted,
    /// A denied guest was blocked.
    GuestBlocked,
    /// A blocked guest was deleted.
    GuestDeleted,
    /// Items were reassigned to the recipient, or the recipient's delegation began.
    Reassigned,
    /// A reviewer's undecided items were escalated to the recipient.
    Escalation,
    /// The recipient's delegation for someone away began.
    DelegationStarted,
}

impl MessageKind {
    /// Every kind, in the order screens list them.
    pub const ALL: [MessageKind; 10] = [
        MessageKind::ReviewStarted,
        MessageKind::StageStarted,
        MessageKind::Reminder,
        MessageKind::StageEnded,
        MessageKind::ReviewCompleted,
        MessageKind::GuestBlocked,
        MessageKind::GuestDeleted,
        MessageKind::Reassigned,
        MessageKind::Escalation,
        MessageKind::DelegationStarted,
    ];

    /// The kind as screens name it.
    pub fn label(self) -> &'static str {
        match self {
            MessageKind::ReviewStarted => "Review started",
            MessageKind::StageStarted => "Stage started",
            MessageKind::Reminder => "Reminder",
            MessageKind::StageEnded => "Stage ended",
            MessageKind::ReviewCompleted => "Review completed",
            MessageKind::GuestBlocked => "Guest blocked",
            MessageKind::GuestDeleted => "Guest deleted",
            MessageKind::Reassigned => "Reassigned",
            MessageKind::Escalation => "Escalation",
            MessageKind::DelegationStarted => "Delegation started",
        }
    }
}

internally_tagged! { "type", "Recipient",
    /// Who a message goes to.
    #[derive(Clone, Debug, PartialEq, Eq)]
    #[serde(rename_all = "camelCase")]
    pub enum Recipient {
        /// A directory user (a reviewer).
        User {
            /// Its id.
            id: String,
            /// Display name.
            name: String,
            /// userPrincipalName: the address the message goes to.
            address: String,
        },
        /// The review administrators.
        Administrators,
    }
}

impl Recipient {
    /// The recipient's display name.
    pub fn name(&self) -> &str {
        match self {
            Recipient::User { name, .. } => name,
            Recipient::Administrators => "Review administrators",
        }
    }

    /// The recipient's user id, if a directory user.
    pub fn user_id(&self) -> Option<&str> {
        match self {
            Recipient::User { id, .. } => Some(id),
            Recipient::Administrators => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
/// A notification as Attest would send it.
pub struct Message {
    /// Stable: the record id and the message's position in it.
    pub id: String,
    /// When it is sent.
    pub at: DateTime<Utc>,
    /// Its kind.
    pub kind: MessageKind,
    /// To whom.
    pub to: Recipient,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// Path in the app the recipient opens.
    pub link: String,
    /// Id of the review instance.
    pub instance: Option<String>,
    /// 0-based.
    pub stage: Option<usize>,
    /// The placeholders' values for this message (for a template preview); not stored.
    #[serde(skip)]
    pub values: Values,
}

/// Percent-encode a path segment or query value the way `encodeURIComponent` does.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'!'
            | b'~'
            | b'*'
            | b'\''
            | b'('
            | b')' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The reviewer page of `instance`, `stage` (0-based) for `reviewer`:
/// `/my-reviews/<instance>/<stage, 1-based>?reviewer=<user id>`.
pub fn reviewer_link(instance: &str, stage: usize, reviewer: &str) -> String {
    format!(
        "/my-reviews/{}/{}?reviewer={}",
        url_encode(instance),
        stage + 1,
        url_encode(reviewer)
    )
}

/// The administrator's overview of an instance.
pub fn overview_link(instance: &str) -> String {
    format!("/reviews/{}", url_encode(instance))
}

/// Every message the log makes the system send, in log order, with links as paths.
pub fn outbox(state: &State, records: &[Record]) -> Vec<Message> {
    outbox_at(state, records, "")
}

/// Every message the log makes the system send, in log order; `{link}` in the text is the
/// message's path after `base` (the app's address, so the text reads as the recipient's).
pub fn outbox_at(state: &State, records: &[Record], base: &str) -> Vec<Message> {
    let mut out = Vec::new();
    for rec in records {
        let mut n = 0;
        for event in &rec.events {
            for mut m in messages_for(state, event, rec.at) {
                m.values.insert("link", format!("{base}{}", m.link));
                if let Recipient::User { name, .. } = &m.to {
                    m.values.insert("reviewer", name.clone());
                } else {
                    m.values.insert("reviewer", m.to.name().to_string());
                }
                let (subject, body) =
                    notify::render(&state.notification_templates, m.kind, &m.values);
                out.push(Message {
                    id: format!("{}#{n}", rec.id),
                    at: m.at,
                    kind: m.kind,
                    to: m.to,
                    subject,
                    body,
                    link: m.link,
                    instance: m.instance,
                    stage: m.stage,
                    values: m.values,
                });
                n += 1;
            }
        }
    }
    out
}

struct Draft {
    at: DateTime<Utc>,
    kind: MessageKind,
    to: Recipient,
    values: Values,
    link: String,
    instance: Option<String>,
    stage: Option<usize>,
}

fn user(state: &State, id: &str) -> Recipient {
    Recipient::User {
        id: id.to_string(),
        name: person_name(state, id),
        address: person_upn(state, id),
    }
}

fn review_name(state: &State, inst: &Instance) -> String {
    state
        .reviews
        .get(&inst.definition)
        .map_or_else(|| inst.definition.clone(), |r| r.definition.name.clone())
}

/// Reviewers of `items` in `stage`, each once, sorted.
fn reviewers_of(inst: &Instance, stage: usize, items: impl Iterator<Item = usize>) -> Vec<String> {
    let mut set = BTreeSet::new();
    for i in items {
        if let Some(it) = inst.items.get(i) {
            set.extend(inst.reviewers_of(it, stage).iter().cloned());
        }
    }
    set.into_iter().collect()
}

/// When a stage ends, in words: its deadline, or until an administrator stops it.
fn due_words(deadline: Option<DateTime<Utc>>) -> String {
    deadline.map_or_else(
        || "the time an administrator ends the stage".into(),
        timestamp,
    )
}

/// The values every message about `stage` of `inst` shares.
fn instance_values(state: &State, inst: &Instance, stage: Option<usize>) -> Values {
    let mut v = Values::new();
    v.insert("review", review_name(state, inst));
    v.insert("resource", inst.resource.name.clone());
    if let Some(stage) = stage {
        v.insert("stage", format!("{} of {}", stage + 1, inst.stages.len()));
        v.insert(
            "due",
            due_words(inst.stages.get(stage).and_then(|s| s.deadline)),
        );
    }
    v
}

fn stage_start_messages(
    state: &State,
    inst: &Instance,
    stage: usize,
    at: DateTime<Utc>,
    deadline: Option<DateTime<Utc>>,
    items: &[usize],
) -> Vec<Draft> {
    let description = state
        .reviews
        .get(&inst.definition)
        .map(|r| r.definition.description_for_reviewers.clone())
        .unwrap_or_default();
    let kind = if stage == 0 {
        MessageKind::ReviewStarted
    } else {
        MessageKind::StageStarted
    };
    reviewers_of(inst, stage, items.iter().copied())
        .into_iter()
        .map(|r| {
            let mine = items
                .iter()
                .filter(|&&i| inst.reviewers_of(&inst.items[i], stage).contains(&r))
                .count();
            let mut values = instance_values(state, inst, Some(stage));
            values.insert("due", due_words(deadline));
            values.insert("count", crate::words::thousands(mine));
            values.insert("description", description.trim().to_string());
            Draft {
                at,
                kind,
                to: user(state, &r),
                values,
                link: reviewer_link(&inst.id, stage, &r),
                instance: Some(inst.id.clone()),
                stage: Some(stage),
            }
        })
        .collect()
}

fn messages_for(state: &State, event: &Event, recorded: DateTime<Utc>) -> Vec<Draft> {
    let admin = |at: DateTime<Utc>, kind, inst: &Instance, stage, extra: Values| {
        let mut values = instance_values(state, inst, stage);
        values.insert("when", timestamp(at));
        values.extend(extra);
        Draft {
            at,
            kind,
            to: Recipient::Administrators,
            values,
            link: overview_link(&inst.id),
            instance: Some(inst.id.clone()),
            stage,
        }
    };
    match event {
        Event::InstanceStarted { instance } => {
            // The snapshot in the event is the instance as it started.
            let all: Vec<usize> = (0..instance.items.len()).collect();
            stage_start_messages(
                state,
                instance,
                0,
                instance.started,
                instance.stages[0].deadline,
                &all,
            )
        }
        Event::StageStarted {
            instance,
            stage,
            at,
            deadline,
            items,
        } => match state.instances.get(instance) {
            Some(inst) if !items.is_empty() => {
                let items: Vec<usize> = items.iter().map(|&i| i as usize).collect();
                stage_start_messages(state, inst, *stage, *at, Some(*deadline), &items)
            }
            _ => vec![],
        },
        Event::ReminderSent {
            instance,
            stage,
            at,
            reviewers,
        } => {
            let Some(inst) = state.instances.get(instance) else {
                return vec![];
            };
            reviewers
                .iter()
                .map(|r| {
                    let mut values = instance_values(state, inst, Some(*stage));
                    // Counted now: what a reminder delivered now would say.
                    let undecided = inst
                        .items_in(*stage)
                        .filter(|(_, it)| {
                            it.decision_in(*stage).is_none()
                                && state.reviewers_now(inst, it, *stage).contains(r)
                        })
                        .count();
                    values.insert("count", crate::words::thousands(undecided));
                    Draft {
                        at: *at,
                        kind: MessageKind::Reminder,
                        to: user(state, r),
                        values,
                        link: reviewer_link(instance, *stage, r),
                        instance: Some(instance.clone()),
                        stage: Some(*stage),
                    }
                })
                .collect()
        }
        Event::StageEnded {
            instance,
            stage,
            at,
            reason,
        } => {
            let Some(inst) = state.instances.get(instance) else {
                return vec![];
            };
            if *reason == StageEndReason::NoReviewees {
                return vec![];
            }
            let why = match reason {
                StageEndReason::Deadline => "its duration ran out",
                StageEndReason::Stopped => "an administrator selected Stop current stage",
                StageEndReason::ReviewStopped => "the review was stopped",
                StageEndReason::NoReviewees => "no reviewees moved on to it",
            };
            vec![admin(
                *at,
                MessageKind::StageEnded,
                inst,
                Some(*stage),
                Values::from([("reason", why.to_string())]),
            )]
        }
        Event::InstanceCompleted {
            instance,
            at,
            stopped,
        } => {
            let Some(inst) = state.instances.get(instance) else {
                return vec![];
            };
            let auto = state
                .reviews
                .get(&inst.definition)
                .is_some_and(|r| r.definition.settings.auto_apply);
            let next = if auto {
                "Results are applied automatically."
            } else {
                "Open the review to check the results and select Apply results."
            };
            let outcome = if *stopped { "was stopped" } else { "completed" };
            vec![admin(
                *at,
                MessageKind::ReviewCompleted,
                inst,
                None,
                Values::from([("outcome", outcome.into()), ("next", next.into())]),
            )]
        }
        Event::DirectoryChanged { change, at, .. } => {
            let (kind, user, due, link) = match change {
                DirectoryChange::BlockGuest { user, delete_at } => (
                    MessageKind::GuestBlocked,
                    user,
                    Some(*delete_at),
                    "/directory",
                ),
                DirectoryChange::DeleteUser { user } => {
                    (MessageKind::GuestDeleted, user, None, "/history")
                }
                _ => return vec![],
            };
            let mut values = Values::from([
                ("person", person_name(state, user)),
                ("address", person_upn(state, user)),
                ("when", timestamp(*at)),
            ]);
            if let Some(d) = due {
                values.insert("due", timestamp(d));
            }
            vec![Draft {
                at: *at,
                kind,
                to: Recipient::Administrators,
                values,
                link: link.into(),
                instance: None,
                stage: None,
            }]
        }
        Event::ItemsReassigned {
            instance,
            stage,
            from,
            to,
            items,
            reason,
        } => handed_over(
            state,
            recorded,
            instance,
            *stage,
            to,
            MessageKind::Reassigned,
            Values::from([
                ("person", name_of(state, from)),
                ("count", crate::words::thousands(items.len())),
                ("reason", reason.clone()),
            ]),
        ),
        Event::Escalated {
            instance,
            stage,
            reviewer,
            to,
            items,
            at,
        } => handed_over(
            state,
            *at,
            instance,
            *stage,
            to,
            MessageKind::Escalation,
            Values::from([
                ("person", name_of(state, reviewer)),
                ("count", crate::words::thousands(items.len())),
            ]),
        ),
        Event::DelegationStarted {
            reviewer,
            delegate,
            at,
        } => vec![Draft {
            at: *at,
            kind: MessageKind::DelegationStarted,
            to: user(state, delegate),
            values: Values::from([
                ("person", name_of(state, reviewer)),
                (
                    "due",
                    state
                        .delegations
                        .get(reviewer)
                        .map_or_else(String::new, |d| timestamp(d.until)),
                ),
            ]),
            link: "/my-reviews".into(),
            instance: None,
            stage: None,
        }],
        _ => vec![],
    }
}

fn name_of(state: &State, id: &str) -> String {
    state.directory.display_name(id).to_string()
}

/// The message to whoever items of a stage were handed to (reassigned or escalated).
fn handed_over(
    state: &State,
    at: DateTime<Utc>,
    instance: &str,
    stage: usize,
    to: &str,
    kind: MessageKind,
    extra: Values,
) -> Vec<Draft> {
    let Some(inst) = state.instances.get(instance) else {
        return vec![];
    };
    let mut values = instance_values(state, inst, Some(stage));
    values.extend(extra);
    vec![Draft {
        at,
        kind,
        to: user(state, to),
        values,
        link: reviewer_link(instance, stage, to),
        instance: Some(instance.to_string()),
        stage: Some(stage),
    }]
}
