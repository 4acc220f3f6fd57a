//! The notifications outbox: every message the system sends, derived from the log alone —
//! review and stage start (to that stage's reviewers, with the description for reviewers),
//! the halfway reminder (only to the reviewers the engine found with undecided items), stage
//! end and review completion (to administrators), guests blocked and deleted. Each message
//! carries the deep link its recipient follows.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::event::{DirectoryChange, Event, Record};
use crate::evidence::{person_name, person_upn, timestamp};
use crate::instance::{Instance, StageEndReason};
use crate::state::State;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
}

impl MessageKind {
    /// Every kind, in the order screens list them.
    pub const ALL: [MessageKind; 9] = [
        MessageKind::ReviewStarted,
        MessageKind::StageStarted,
        MessageKind::Reminder,
        MessageKind::StageEnded,
        MessageKind::ReviewCompleted,
        MessageKind::GuestBlocked,
        MessageKind::GuestDeleted,
        MessageKind::Reassigned,
        MessageKind::Escalation,
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
        }
    }
}

/// Who a message goes to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
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

/// Every message the log makes the system send, in log order.
pub fn outbox(state: &State, records: &[Record]) -> Vec<Message> {
    let mut out = Vec::new();
    for rec in records {
        let mut n = 0;
        let mut push = |out: &mut Vec<Message>, m: Draft| {
            out.push(Message {
                id: format!("{}#{n}", rec.id),
                at: m.at,
                kind: m.kind,
                to: m.to,
                subject: m.subject,
                body: m.body,
                link: m.link,
                instance: m.instance,
                stage: m.stage,
            });
            n += 1;
        };
        for event in &rec.events {
            for m in messages_for(state, event, rec.at) {
                push(&mut out, m);
            }
        }
    }
    out
}

struct Draft {
    at: DateTime<Utc>,
    kind: MessageKind,
    to: Recipient,
    subject: String,
    body: String,
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

fn stage_start_messages(
    state: &State,
    inst: &Instance,
    stage: usize,
    at: DateTime<Utc>,
    deadline: Option<DateTime<Utc>>,
    items: &[usize],
) -> Vec<Draft> {
    let name = review_name(state, inst);
    let stage_count = inst.stages.len();
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
            let stage_words = if stage_count > 1 {
                format!(" (stage {} of {stage_count})", stage + 1)
            } else {
                String::new()
            };
            let mut body = format!(
                "You are asked to review access to {}{stage_words}: {mine} reviewee(s) are \
                 waiting for your decision. Approve, Deny or answer Don't know for each.",
                inst.resource.name
            );
            if let Some(d) = deadline {
                body.push_str(&format!(" Please decide by {}.", timestamp(d)));
            }
            if !description.trim().is_empty() {
                body.push_str(&format!("\n\n{description}"));
            }
            Draft {
                at,
                kind,
                to: user(state, &r),
                subject: format!("Please review access to {}: {name}", inst.resource.name),
                body,
                link: reviewer_link(&inst.id, stage, &r),
                instance: Some(inst.id.clone()),
                stage: Some(stage),
            }
        })
        .collect()
}

fn messages_for(state: &State, event: &Event, recorded: DateTime<Utc>) -> Vec<Draft> {
    let admin = |at, kind, inst: &Instance, stage, subject: String, body: String| Draft {
        at,
        kind,
        to: Recipient::Administrators,
        subject,
        body,
        link: overview_link(&inst.id),
        instance: Some(inst.id.clone()),
        stage,
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
            let name = review_name(state, inst);
            let deadline = inst.stages.get(*stage).and_then(|s| s.deadline);
            reviewers
                .iter()
                .map(|r| Draft {
                    at: *at,
                    kind: MessageKind::Reminder,
                    to: user(state, r),
                    subject: format!("Reminder: review access to {}: {name}", inst.resource.name),
                    body: format!(
                        "You still have reviewees without a decision in stage {} of the review \
                         of {}.{}",
                        stage + 1,
                        inst.resource.name,
                        deadline
                            .map(|d| format!(" The stage ends {}.", timestamp(d)))
                            .unwrap_or_default()
                    ),
                    link: reviewer_link(instance, *stage, r),
                    instance: Some(instance.clone()),
                    stage: Some(*stage),
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
                format!(
                    "Stage {} ended: {} ({})",
                    stage + 1,
                    review_name(state, inst),
                    inst.resource.name
                ),
                format!("Stage {} ended because {why}.", stage + 1),
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
            vec![admin(
                *at,
                MessageKind::ReviewCompleted,
                inst,
                None,
                format!(
                    "Review completed: {} ({})",
                    review_name(state, inst),
                    inst.resource.name
                ),
                format!(
                    "The review {} {}. {next}",
                    if *stopped {
                        "was stopped on"
                    } else {
                        "completed on"
                    },
                    timestamp(*at)
                ),
            )]
        }
        Event::DirectoryChanged { change, at, .. } => match change {
            DirectoryChange::BlockGuest { user, delete_at } => vec![Draft {
                at: *at,
                kind: MessageKind::GuestBlocked,
                to: Recipient::Administrators,
                subject: format!("Guest blocked: {}", person_name(state, user)),
                body: format!(
                    "{} ({}) was denied in an access review and is blocked from signing in. \
                     The account will be deleted on {}.",
                    person_name(state, user),
                    person_upn(state, user),
                    timestamp(*delete_at)
                ),
                link: "/directory".into(),
                instance: None,
                stage: None,
            }],
            DirectoryChange::DeleteUser { user } => vec![Draft {
                at: *at,
                kind: MessageKind::GuestDeleted,
                to: Recipient::Administrators,
                subject: format!("Guest deleted: {}", person_name(state, user)),
                body: format!(
                    "{} ({}) was deleted from the tenant 30 days after being blocked.",
                    person_name(state, user),
                    person_upn(state, user)
                ),
                link: "/history".into(),
                instance: None,
                stage: None,
            }],
            _ => vec![],
        },
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
            format!(
                "{} reassigned {} to you. Reason: {reason}",
                name_of(state, from),
                reviewees(items.len())
            ),
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
            format!(
                "{} has not decided on {} after the reminders; you can now decide or reassign them.",
                name_of(state, reviewer),
                reviewees(items.len())
            ),
        ),
        Event::DelegationStarted {
            reviewer,
            delegate,
            at,
        } => vec![Draft {
            at: *at,
            kind: MessageKind::Reassigned,
            to: user(state, delegate),
            subject: format!("You are reviewing for {}", name_of(state, reviewer)),
            body: format!(
                "{} is away: their access reviews are yours to decide until {}.",
                name_of(state, reviewer),
                state
                    .delegations
                    .get(reviewer)
                    .map_or_else(String::new, |d| timestamp(d.until))
            ),
            link: "/my-reviews".into(),
            instance: None,
            stage: None,
        }],
        _ => vec![],
    }
}

fn reviewees(n: usize) -> String {
    if n == 1 {
        "1 reviewee".into()
    } else {
        format!("{} reviewees", crate::words::thousands(n))
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
    body: String,
) -> Vec<Draft> {
    let Some(inst) = state.instances.get(instance) else {
        return vec![];
    };
    vec![Draft {
        at,
        kind,
        to: user(state, to),
        subject: format!(
            "Review access to {}: {}",
            inst.resource.name,
            review_name(state, inst)
        ),
        body,
        link: reviewer_link(instance, stage, to),
        instance: Some(instance.to_string()),
        stage: Some(stage),
    }]
}
