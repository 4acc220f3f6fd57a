//! Pieces the administrator screens share (overview, reviews list, history, outbox,
//! dashboard): downloads, dates, the stored log, status badges and the progress chart.

use attest_engine::instance::{Instance, InstanceStatus};
use attest_engine::view::Tally;
use attest_engine::Record;
use chrono::{DateTime, Utc};
use leptos::prelude::*;

pub use crate::ui::components::download;

use crate::runtime::Runtime;

/// A moment as the reader reads it: their locale and time zone, zone named.
pub fn when(at: DateTime<Utc>) -> String {
    crate::ui::components::local_time(at)
}

/// Stamp for file names: `20260105-0900`.
pub fn file_stamp(at: DateTime<Utc>) -> String {
    at.format("%Y%m%d-%H%M").to_string()
}

/// A route parameter as the id it names (links percent-encode instance ids).
pub fn decode_param(raw: &str) -> String {
    if raw.contains('%') {
        js_sys::decode_uri_component(raw)
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_else(|| raw.to_string())
    } else {
        raw.to_string()
    }
}

/// The stored log, kept in memory by the runtime (read once, then extended record by
/// record). `None` until first loaded; the second signal says why it could not be read.
pub fn use_records(runtime: Runtime) -> (RwSignal<Option<Vec<Record>>>, RwSignal<Option<String>>) {
    runtime.log()
}

/// A fingerprint of what instance `id` holds (status, stages, every decision and apply
/// result), recomputed on each state change in one pass without allocating. A screen of one
/// review re-renders when it changes, not on every change anywhere.
pub fn instance_revision(runtime: Runtime, id: String) -> Memo<u64> {
    Memo::new(move |_| {
        runtime
            .state
            .with(|s| s.instances.get(&id).map_or(0, fingerprint))
    })
}

fn fingerprint(inst: &Instance) -> u64 {
    // FNV-1a over small numbers: a change shows as a different value, collisions are harmless
    // beyond one missed redraw.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut mix = |v: i64| h = (h ^ v as u64).wrapping_mul(0x0000_0100_0000_01b3);
    let at = |t: Option<chrono::DateTime<Utc>>| t.map_or(-1, |t| t.timestamp_millis());
    mix(inst.status as i64);
    mix(i64::from(inst.stopped));
    mix(inst.current_stage as i64);
    mix(at(inst.completed));
    mix(at(inst.applied.as_ref().map(|a| a.at)));
    for st in &inst.stages {
        mix(st.status as i64);
        mix(at(st.started));
        mix(at(st.deadline));
        mix(at(st.ended));
        mix(i64::from(st.reminded));
    }
    for item in &inst.items {
        mix(item.stage as i64);
        mix(i64::from(item.apply_result.is_some()));
        for d in item.decisions.iter().flatten() {
            mix(d.decision as i64);
            mix(d.at.timestamp_millis());
            mix(d.justification.len() as i64);
        }
    }
    h
}

pub fn status_label(inst: &Instance) -> &'static str {
    match inst.status {
        InstanceStatus::NotStarted => "Not started",
        InstanceStatus::InProgress => "In progress",
        InstanceStatus::Completed if inst.stopped => "Stopped",
        InstanceStatus::Completed => "Completed",
        InstanceStatus::Applied => "Applied",
    }
}

pub fn status_class(inst: &Instance) -> &'static str {
    match inst.status {
        InstanceStatus::NotStarted => "badge",
        InstanceStatus::InProgress => "badge",
        InstanceStatus::Completed => "badge badge-warning",
        InstanceStatus::Applied => "badge badge-success",
    }
}

/// The four parts of a stage's progress, in chart order, with their CSS class.
fn parts(t: &Tally) -> [(&'static str, &'static str, usize); 4] {
    [
        ("Approved", "seg-approved", t.approved),
        ("Denied", "seg-denied", t.denied),
        ("Don't know", "seg-dontknow", t.dont_know),
        ("Not reviewed", "seg-notreviewed", t.not_reviewed),
    ]
}

/// A stacked bar of approved / denied / don't know / not reviewed as SVG, with a legend
/// that carries the numbers as text.
#[component]
pub fn ProgressChart(
    /// Names the chart for assistive technology, e.g. "Stage 1".
    #[prop(into)]
    label: String,
    tally: Tally,
) -> impl IntoView {
    let total = tally.total().max(1) as f64;
    let mut x = 0.0;
    let segments: Vec<_> = parts(&tally)
        .into_iter()
        .filter(|(_, _, n)| *n > 0)
        .map(|(_, class, n)| {
            let w = n as f64 / total * 100.0;
            let seg = view! { <rect class=class x=format!("{x:.3}") y="0" width=format!("{w:.3}") height="12" /> };
            x += w;
            seg
        })
        .collect();
    let summary = parts(&tally)
        .iter()
        .map(|(name, _, n)| format!("{n} {}", name.to_lowercase()))
        .collect::<Vec<_>>()
        .join(", ");
    let aria = format!("{label}: {summary}");
    view! {
        <figure class="chart">
            <svg class="chart-bar" viewBox="0 0 100 12" preserveAspectRatio="none" role="img" aria-label=aria>
                <rect class="seg-empty" x="0" y="0" width="100" height="12" />
                {segments}
            </svg>
            <figcaption>
                <ul class="chart-legend">
                    {parts(&tally)
                        .into_iter()
                        .map(|(name, class, n)| {
                            view! {
                                <li>
                                    <span class=format!("swatch {class}") aria-hidden="true"></span>
                                    {name} ": " <strong>{n}</strong>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </figcaption>
        </figure>
    }
}

/// A thin progress bar (reviewed of total) for lists.
#[component]
pub fn Meter(reviewed: usize, total: usize) -> impl IntoView {
    let pct = if total == 0 {
        100.0
    } else {
        reviewed as f64 / total as f64 * 100.0
    };
    view! {
        <span class="meter">
            <span class="meter-track" aria-hidden="true">
                <span class="meter-fill" style=format!("width: {pct:.1}%")></span>
            </span>
            <span class="meter-text">{format!("{reviewed} of {total} reviewed")}</span>
        </span>
    }
}
