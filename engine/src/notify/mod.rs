//! Notification templates: the subject and body of each message kind, with placeholders such
//! as `{reviewer}` or `{due}` that the outbox fills in for each recipient. An administrator
//! replaces a kind's wording with `Command::SetNotificationTemplate`; the engine checks the
//! placeholders here once, so the browser and the sync server refuse and render alike.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::outbox::MessageKind;

/// The longest subject, in characters (a mail subject line).
pub const MAX_SUBJECT: usize = 300;
/// The longest body, in characters.
pub const MAX_BODY: usize = 4_000;

/// A message kind's wording: placeholders in braces, `{{` and `}}` for literal braces.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    /// One line.
    pub subject: String,
    /// Plain text; blank lines separate paragraphs.
    pub body: String,
}

/// Each placeholder and what it stands for, in the order the editor lists them.
pub const PLACEHOLDERS: [(&str, &str); 14] = [
    ("reviewer", "the recipient's name"),
    ("review", "the review's name"),
    (
        "resource",
        "the group, application, role or package reviewed",
    ),
    ("stage", "the stage, such as \"1 of 2\""),
    (
        "due",
        "when the stage ends (or the delegation, or the guest's deletion)",
    ),
    ("count", "how many reviewees the message is about"),
    ("link", "the address the recipient opens"),
    (
        "person",
        "the other person: who reassigned, who did not decide, who is away, the guest",
    ),
    ("address", "the guest's sign-in address"),
    (
        "reason",
        "the reassignment's reason, or why the stage ended",
    ),
    ("description", "the review's description for reviewers"),
    ("when", "when it happened"),
    ("outcome", "\"completed\" or \"was stopped\""),
    (
        "next",
        "what the administrators do next (apply results, or nothing when automatic)",
    ),
];

/// The placeholders a kind's messages fill in; any other is refused.
pub fn offered(kind: MessageKind) -> &'static [&'static str] {
    use MessageKind::*;
    match kind {
        ReviewStarted | StageStarted => &[
            "reviewer",
            "review",
            "resource",
            "stage",
            "due",
            "count",
            "link",
            "description",
        ],
        Reminder => &[
            "reviewer", "review", "resource", "stage", "due", "count", "link",
        ],
        StageEnded => &[
            "reviewer", "review", "resource", "stage", "reason", "link", "when",
        ],
        ReviewCompleted => &[
            "reviewer", "review", "resource", "link", "when", "outcome", "next",
        ],
        GuestBlocked => &["reviewer", "person", "address", "due", "link", "when"],
        GuestDeleted => &["reviewer", "person", "address", "link", "when"],
        Reassigned => &[
            "reviewer", "review", "resource", "stage", "due", "count", "person", "reason", "link",
        ],
        Escalation => &[
            "reviewer", "review", "resource", "stage", "due", "count", "person", "link",
        ],
        DelegationStarted => &["reviewer", "person", "due", "link"],
    }
}

/// The wording a kind has until an administrator changes it.
pub fn default_template(kind: MessageKind) -> Template {
    use MessageKind::*;
    let (subject, body) = match kind {
        ReviewStarted | StageStarted => (
            "Please review access to {resource}: {review}",
            "Hello {reviewer},\n\nYou are asked to review access to {resource} (stage {stage}): \
             {count} reviewee(s) are waiting for your decision. Approve, Deny or answer Don't \
             know for each. Please decide by {due}.\n\n{description}\n\nOpen your review:\n{link}",
        ),
        Reminder => (
            "Reminder: review access to {resource}: {review}",
            "Hello {reviewer},\n\n{count} reviewee(s) in stage {stage} of the review of \
             {resource} still need your decision. The stage ends {due}.\n\nOpen your review:\n{link}",
        ),
        StageEnded => (
            "Stage {stage} ended: {review} ({resource})",
            "Stage {stage} ended because {reason}.\n\nOpen the review:\n{link}",
        ),
        ReviewCompleted => (
            "Review completed: {review} ({resource})",
            "The review {outcome} on {when}. {next}\n\nOpen the review:\n{link}",
        ),
        GuestBlocked => (
            "Guest blocked: {person}",
            "{person} ({address}) was denied in an access review and is blocked from signing \
             in. The account will be deleted on {due}.",
        ),
        GuestDeleted => (
            "Guest deleted: {person}",
            "{person} ({address}) was deleted from the tenant 30 days after being blocked.",
        ),
        Reassigned => (
            "Review access to {resource}: {review}",
            "Hello {reviewer},\n\n{person} reassigned {count} reviewee(s) to you. Reason: \
             {reason}\n\nPlease decide by {due}:\n{link}",
        ),
        Escalation => (
            "Review access to {resource}: {review}",
            "Hello {reviewer},\n\n{person} has not decided on {count} reviewee(s) after the \
             reminders; you can now decide or reassign them by {due}:\n{link}",
        ),
        DelegationStarted => (
            "You are reviewing for {person}",
            "Hello {reviewer},\n\n{person} is away: their access reviews are yours to decide \
             until {due}. Your reviews:\n{link}",
        ),
    };
    Template {
        subject: subject.into(),
        body: body.into(),
    }
}

/// The templates in force: the administrator's where set, the defaults elsewhere.
pub fn in_force(set: &BTreeMap<MessageKind, Template>, kind: MessageKind) -> Template {
    set.get(&kind)
        .cloned()
        .unwrap_or_else(|| default_template(kind))
}

/// A piece of a parsed template.
enum Piece<'a> {
    Text(&'a str),
    Brace(char),
    Placeholder(&'a str),
}

/// The pieces of `text`, or what is wrong with its braces.
fn parse(text: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(['{', '}']) {
        if at > 0 {
            out.push(Piece::Text(&rest[..at]));
        }
        let brace = rest.as_bytes()[at] as char;
        let after = &rest[at + 1..];
        if after.starts_with(brace) {
            out.push(Piece::Brace(brace));
            rest = &after[1..];
        } else if brace == '}' {
            return Err("has a } that closes nothing (write }} for a brace)".into());
        } else {
            let Some(end) = after
                .find(['{', '}'])
                .filter(|&e| after.as_bytes()[e] == b'}')
            else {
                return Err("has a { that is not closed (write {{ for a brace)".into());
            };
            out.push(Piece::Placeholder(&after[..end]));
            rest = &after[end + 1..];
        }
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    Ok(out)
}

/// Refuse a template that would not render: an empty or multi-line subject, unbalanced
/// braces, over-long text, or placeholders this kind does not offer (all of them named).
pub fn check(kind: MessageKind, template: &Template) -> Result<(), String> {
    let label = kind.label();
    if template.subject.trim().is_empty() {
        return Err(format!("the {label} subject is empty"));
    }
    if template.subject.contains(['\n', '\r']) {
        return Err(format!("the {label} subject must be one line"));
    }
    for (part, text, max) in [
        ("subject", &template.subject, MAX_SUBJECT),
        ("body", &template.body, MAX_BODY),
    ] {
        if text.chars().count() > max {
            return Err(format!(
                "the {label} {part} is longer than {max} characters"
            ));
        }
        let pieces = parse(text).map_err(|e| format!("the {label} {part} {e}"))?;
        let offered = offered(kind);
        let mut unknown: Vec<String> = Vec::new();
        for p in pieces {
            if let Piece::Placeholder(name) = p {
                let shown = format!("{{{name}}}");
                if !offered.contains(&name) && !unknown.contains(&shown) {
                    unknown.push(shown);
                }
            }
        }
        if !unknown.is_empty() {
            let list = offered
                .iter()
                .map(|p| format!("{{{p}}}"))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(format!(
                "the {label} {part} uses {} which {} not {}: use {list}",
                unknown.join(", "),
                if unknown.len() == 1 { "is" } else { "are" },
                if unknown.len() == 1 {
                    "a placeholder of this message"
                } else {
                    "placeholders of this message"
                },
            ));
        }
    }
    Ok(())
}

/// The values one message fills in, by placeholder name.
pub type Values = BTreeMap<&'static str, String>;

/// `text` with its placeholders filled from `values` (a missing value renders empty).
/// Assumes a checked template; a malformed one renders as it is written.
pub fn fill(text: &str, values: &Values) -> String {
    let Ok(pieces) = parse(text) else {
        return text.to_string();
    };
    let mut out = String::with_capacity(text.len() + 64);
    for p in pieces {
        match p {
            Piece::Text(t) => out.push_str(t),
            Piece::Brace(b) => out.push(b),
            Piece::Placeholder(name) => {
                if let Some(v) = values.get(name) {
                    out.push_str(v);
                }
            }
        }
    }
    out
}

/// The subject and body of a `kind` message with `values`, in the wording in force. Blank
/// runs left by empty values (a review without a description) collapse to one blank line.
pub fn render(
    set: &BTreeMap<MessageKind, Template>,
    kind: MessageKind,
    values: &Values,
) -> (String, String) {
    let t = in_force(set, kind);
    let subject = fill(&t.subject, values).trim().to_string();
    let body = fill(&t.body, values);
    let mut tidy = String::with_capacity(body.len());
    let mut blank = 0;
    for line in body.trim().lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        tidy.push_str(line);
        tidy.push('\n');
    }
    (subject, tidy.trim_end().to_string())
}
