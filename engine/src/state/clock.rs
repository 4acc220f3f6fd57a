//! The clock: what becomes due as time passes (guest deletions, delegations starting and
//! ending, the halfway reminder or the escalation ladder, stage deadlines, recurring
//! occurrences), one moment at a time.

use super::*;

impl State {
    /// Run due transitions one moment at a time, applying each before looking for the next.
    pub(super) fn advance(&mut self, now: DateTime<Utc>) -> Vec<Event> {
        let mut all = Vec::new();
        // Bounded: each step consumes a deadline, a reminder, an occurrence or a deletion.
        for _ in 0..100_000 {
            let step = next_due(self, now);
            if step.is_empty() {
                break;
            }
            for e in &step {
                apply_event(self, e, &Actor::System, now);
            }
            all.extend(step);
        }
        all
    }
}

/// The events that start occurrence `n` of a review: one instance per resource.
pub(super) fn start_occurrence(
    state: &State,
    def: &ReviewDefinition,
    n: u32,
    at: DateTime<Utc>,
) -> Vec<Event> {
    def.scope
        .resources
        .iter()
        .map(|r| Event::InstanceStarted {
            instance: Box::new(crate::instance::start(def, state, r, n, at)),
        })
        .collect()
}

/// Bounded catch-up: of a review's occurrences that are due by `now`, only the latest
/// starts; earlier ones that were never started are skipped (their numbers stay unused, a
/// gap in the instance ids). A recurring review created to start far in the past so costs
/// one occurrence's work, not one per period missed. Without any due occurrence this is
/// the next one.
pub(super) fn latest_due_occurrence(schedule: &Schedule, from: u32, now: DateTime<Utc>) -> u32 {
    let mut n = from;
    while let Some(next) = n.checked_add(1) {
        match schedule.occurrence_start(next) {
            Some(at) if at <= now => n = next,
            _ => break,
        }
    }
    n
}

/// The halfway reminder: when a review sends reminders, a stage that has not yet reminded
/// reminds its reviewers once, halfway between its start and its deadline (Entra's rule).
/// None when the review sends none, the stage already reminded, or it has no duration.
/// With an escalation ladder, the stage's next rung instead (`Ladder::moments`).
pub(crate) fn reminder_at(
    def: &ReviewDefinition,
    stage: &crate::instance::StageState,
    started: DateTime<Utc>,
    deadline: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    if let Some(ladder) = &def.settings.escalation {
        return ladder
            .moments(started, deadline)
            .get(stage.reminders_sent as usize)
            .copied();
    }
    (def.settings.reminders && !stage.reminded && deadline > started)
        .then(|| started + (deadline - started) / 2)
}

/// The reviewers (delegations followed) who have undecided items in the open stage, each
/// with those items.
fn undecided_by_reviewer(state: &State, inst: &Instance) -> BTreeMap<String, Vec<u32>> {
    let stage = inst.current_stage;
    let mut by: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for (i, item) in inst
        .items_in(stage)
        .filter(|(_, it)| it.stage == stage && it.decision_in(stage).is_none())
    {
        for r in state.reviewers_now(inst, item, stage) {
            by.entry(r).or_default().push(i as u32);
        }
    }
    by
}

/// The escalations due with the reminder that is the ladder's Nth: each reviewer still
/// undecided hands their undecided items (also) to their manager or the named person.
fn escalations(state: &State, inst: &Instance, at: DateTime<Utc>) -> Vec<Event> {
    let stage = inst.current_stage;
    let Some(ladder) = &state.definition_of(inst).settings.escalation else {
        return vec![];
    };
    if ladder.escalate_after != Some(inst.stages[stage].reminders_sent + 1) {
        return vec![];
    }
    let mut out = Vec::new();
    for (reviewer, items) in undecided_by_reviewer(state, inst) {
        let to = match &ladder.escalate_to {
            Some(p) => Some(p.clone()),
            None => state
                .directory
                .users
                .get(&reviewer)
                .and_then(|u| u.manager.clone()),
        };
        let Some(to) = to.filter(|t| *t != reviewer && state.directory.users.contains_key(t))
        else {
            continue;
        };
        // Independence: the person escalated to never decides on their own access.
        let items: Vec<u32> = items
            .into_iter()
            .filter(|&i| inst.items[i as usize].user != to)
            .collect();
        if items.is_empty() || state.is_self_review(inst, stage) {
            continue;
        }
        out.push(Event::Escalated {
            instance: inst.id.clone(),
            stage,
            at,
            reviewer,
            to,
            items,
        });
    }
    out
}

/// A transition the clock makes due.
pub(super) enum Due<'a> {
    Deletion(&'a str),
    DelegationStart(&'a str, &'a Delegation),
    DelegationEnd(&'a str, &'a Delegation),
    Reminder(&'a Instance),
    Deadline(&'a Instance),
    /// The review and the occurrence to start (see `latest_due_occurrence`).
    Occurrence(&'a Review, u32),
    /// A time-bound approval ends (`expiry`): instance id and item.
    ApprovalEnds(&'a str, u32),
}

/// The events of the earliest transition due at or before `now`, stamped with the time it
/// was scheduled for. Ties go deletions, reminders, deadlines, then new occurrences, so a
/// recurring instance ends before its successor starts.
pub(super) fn next_due(state: &State, now: DateTime<Utc>) -> Vec<Event> {
    let mut due: Vec<(DateTime<Utc>, u8, Due)> = Vec::new();
    for (user, at) in &state.pending_deletions {
        due.push((*at, 0, Due::Deletion(user)));
    }
    // Before reminders at the same moment, so a reminder goes to whoever decides then.
    for (reviewer, d) in &state.delegations {
        if d.active {
            due.push((d.until, 0, Due::DelegationEnd(reviewer, d)));
        } else {
            due.push((d.from, 0, Due::DelegationStart(reviewer, d)));
        }
    }
    for inst in state.instances.values().filter(|i| i.is_open()) {
        let stage = &inst.stages[inst.current_stage];
        let (Some(started), Some(deadline)) = (stage.started, stage.deadline) else {
            continue;
        };
        if let Some(at) = reminder_at(state.definition_of(inst), stage, started, deadline) {
            due.push((at, 1, Due::Reminder(inst)));
        }
        due.push((deadline, 2, Due::Deadline(inst)));
    }
    for review in state.reviews.values().filter(|r| r.next_start().is_some()) {
        let n = latest_due_occurrence(&review.definition.schedule, review.next_occurrence, now);
        if let Some(at) = review.definition.schedule.occurrence_start(n) {
            due.push((at, 3, Due::Occurrence(review, n)));
        }
    }
    if let Some((at, instance, item)) = crate::expiry::next_end(state) {
        due.push((at, 0, Due::ApprovalEnds(instance, item)));
    }
    let best = due
        .into_iter()
        .filter(|(at, _, _)| *at <= now)
        .min_by_key(|(at, rank, _)| (*at, *rank));
    let Some((at, _, due)) = best else {
        return vec![];
    };
    match due {
        Due::Deletion(user) => vec![Event::DirectoryChanged {
            change: DirectoryChange::DeleteUser {
                user: user.to_string(),
            },
            at,
            instance: None,
        }],
        Due::DelegationStart(reviewer, d) => vec![Event::DelegationStarted {
            reviewer: reviewer.to_string(),
            delegate: d.delegate.clone(),
            at,
        }],
        Due::DelegationEnd(reviewer, d) => vec![Event::DelegationEnded {
            reviewer: reviewer.to_string(),
            delegate: d.delegate.clone(),
            at,
        }],
        Due::Reminder(inst) => {
            let reviewers: Vec<String> = undecided_by_reviewer(state, inst).into_keys().collect();
            let mut events = vec![Event::ReminderSent {
                instance: inst.id.clone(),
                stage: inst.current_stage,
                at,
                reviewers,
            }];
            events.extend(escalations(state, inst, at));
            events
        }
        Due::Deadline(inst) => end_stage(state, inst, at, StageEndReason::Deadline),
        Due::ApprovalEnds(instance, item) => crate::expiry::end_events(state, instance, item, at),
        Due::Occurrence(review, n) => start_occurrence(state, &review.definition, n, at)
            .into_iter()
            .chain(
                review
                    .definition
                    .scope
                    .resources
                    .is_empty()
                    .then(|| Event::SeriesEnded {
                        definition: review.definition.id.clone(),
                        at,
                    }),
            )
            .collect(),
    }
}
