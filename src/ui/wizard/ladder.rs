//! The escalation ladder in the wizard's Settings step: when reminders go out (days before
//! each stage ends, only to reviewers with undecided reviewees) and after which one the
//! reviewer's manager is brought in, shown as a timeline of each stage. The moments come
//! from the engine (`Ladder::moments`), the same rule the clock follows.

use attest_engine::definition::Ladder;
use chrono::Duration;
use leptos::prelude::*;

use super::controls::Check;
use super::use_wizard;

/// "7, 3, 1" as days; anything not a whole number of days is left out.
fn parse_days(text: &str) -> Vec<u32> {
    let mut days: Vec<u32> = text
        .split([',', ' ', ';'])
        .filter_map(|d| d.trim().parse().ok())
        .filter(|&d| d > 0)
        .collect();
    days.sort_unstable_by(|a, b| b.cmp(a));
    days.dedup();
    days
}

fn show_days(days: &[u32]) -> String {
    days.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// One point of a stage's timeline: its day from the stage's start and what happens.
fn points(ladder: &Ladder, duration_days: u32) -> Vec<(i64, String)> {
    let start = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
    let end = start + Duration::days(i64::from(duration_days));
    let mut out = vec![(0, "Stage starts: reviewers are notified".to_string())];
    for (n, at) in ladder.moments(start, end).into_iter().enumerate() {
        let day = (at - start).num_days();
        let n = n as u32 + 1;
        let mut what = format!(
            "Reminder {n} ({} day(s) before the end), to reviewers with undecided reviewees",
            i64::from(duration_days) - day
        );
        if ladder.escalate_after == Some(n) {
            what.push_str(match ladder.escalate_to {
                Some(_) => "; then escalated to the named person",
                None => "; then escalated to each reviewer's manager",
            });
        }
        out.push((day, what));
    }
    out.push((i64::from(duration_days), "Stage ends".to_string()));
    out
}

#[component]
pub fn LadderTimeline() -> impl IntoView {
    let wizard = use_wizard();
    let ladder = Memo::new(move |_| wizard.def.with(|d| d.settings.escalation.clone()));
    let days_text = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(l) = ladder.get() {
            // Only when the text means something else, so typing is not rewritten.
            if parse_days(&days_text.get_untracked()) != l.days_before {
                days_text.set(show_days(&l.days_before));
            }
        }
    });
    let timeline = move || {
        let l = ladder.get()?;
        let stages = wizard
            .def
            .with(|d| d.stages.iter().map(|s| s.duration_days).collect::<Vec<_>>());
        let many = stages.len() > 1;
        Some(
            stages
                .into_iter()
                .enumerate()
                .map(|(i, days)| {
                    let title = if many {
                        format!("Stage {} ({days} days)", i + 1)
                    } else {
                        format!("The stage ({days} days)")
                    };
                    let points = points(&l, days);
                    let skipped = l.days_before.iter().filter(|&&d| d >= days).count();
                    view! {
                        <figure class="ladder-timeline">
                            <figcaption>{title}</figcaption>
                            <div class="ladder-bar" aria-hidden="true">
                                {points
                                    .iter()
                                    .map(|(day, _)| {
                                        let left = if days == 0 { 0 } else { day * 100 / i64::from(days) };
                                        view! { <span class="ladder-mark" style=format!("left: {left}%")></span> }
                                    })
                                    .collect_view()}
                            </div>
                            <ol>
                                {points
                                    .into_iter()
                                    .map(|(day, what)| view! { <li><strong>{format!("Day {day}")}</strong>" " {what}</li> })
                                    .collect_view()}
                            </ol>
                            {(skipped > 0).then(|| view! {
                                <p class="hint">{format!("{skipped} reminder point(s) fall before this stage starts and are skipped.")}</p>
                            })}
                        </figure>
                    }
                })
                .collect_view(),
        )
    };
    view! {
        <Check
            label="Escalation ladder"
            hint="Instead of the halfway reminder: remind at chosen days before each stage ends, only reviewers with undecided reviewees, and bring in their manager after a number of reminders."
            checked=Signal::derive(move || ladder.with(Option::is_some))
            on_set=Callback::new(move |on: bool| {
                wizard.update(|d| {
                    d.settings.escalation = on.then(|| Ladder {
                        days_before: vec![7, 3, 1],
                        escalate_after: Some(2),
                        escalate_to: None,
                    })
                })
            })
        />
        <Show when=move || ladder.with(Option::is_some)>
            <div class="field">
                <label for="ladder-days">"Remind at (days before the stage ends)"</label>
                <input
                    id="ladder-days"
                    type="text"
                    inputmode="numeric"
                    prop:value=move || days_text.get()
                    on:input:target=move |ev| {
                        let text = ev.target().value();
                        let days = parse_days(&text);
                        days_text.set(text);
                        wizard.update(|d| {
                            if let Some(l) = d.settings.escalation.as_mut() {
                                l.days_before = days;
                            }
                        });
                    }
                />
            </div>
            <div class="field">
                <label for="ladder-after">"Escalate after reminder number (empty: never)"</label>
                <input
                    id="ladder-after"
                    type="number"
                    min="1"
                    prop:value=move || ladder.with(|l| l.as_ref().and_then(|l| l.escalate_after).map(|n| n.to_string()).unwrap_or_default())
                    on:input:target=move |ev| {
                        let after = ev.target().value().trim().parse::<u32>().ok().filter(|&n| n > 0);
                        wizard.update(|d| {
                            if let Some(l) = d.settings.escalation.as_mut() {
                                l.escalate_after = after;
                            }
                        });
                    }
                />
            </div>
            {timeline}
        </Show>
    }
}
