//! Review overview for administrators: one instance's stages on a timeline, progress per
//! stage and per reviewer, Stop current stage, Stop review, Apply results with a preview of
//! exactly what will change, and the results table with its downloads.

mod carried;
mod dialog;
mod insight;
mod results;
mod run_now;
pub mod shared;

use attest_engine::evidence::apply_description;
use attest_engine::instance::{
    ApplyResult, Effect, Instance, InstanceStatus, StageEndReason, StageStatus,
};
use attest_engine::outbox::{outbox, MessageKind};
use attest_engine::results::results;
use attest_engine::view::{reviewer_progress, stage_progress};
use attest_engine::words::capitalise as capitalize;
use attest_engine::{Command, Context, Event, State};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;

use self::dialog::{StopReviewDialog, StopStageDialog};
use self::results::ResultsTable;
use self::shared::{
    decode_param, instance_revision, status_class, status_label, use_records, when, ProgressChart,
};
use crate::runtime::{use_runtime, Runtime};
use crate::ui::components::{ConfirmDialog, Page, TableRegion};
use crate::ui::session::administrator;

#[component]
pub fn ReviewOverview() -> impl IntoView {
    let runtime = use_runtime();
    let params = use_params_map();
    let id =
        Memo::new(move |_| decode_param(&params.with(|p| p.get("instance").unwrap_or_default())));
    let exists =
        Memo::new(move |_| id.with(|id| runtime.state.with(|s| s.instances.contains_key(id))));
    view! {
        <Page title="Review overview" lead="Progress per stage and reviewer, stopping, applying results, and the results.">
            {move || {
                if !runtime.ready.get() {
                    return view! { <p class="meta">"Loading the review…"</p> }.into_any();
                }
                if !exists.get() {
                    return view! {
                        <section class="card">
                            <p>"There is no review instance " <code>{id.get()}</code> ". It may have been created in another browser."</p>
                            <a class="button button-secondary" href="/reviews">"Back to reviews"</a>
                        </section>
                    }
                    .into_any();
                }
                view! { <InstanceOverview id=id.get() /> }.into_any()
            }}
        </Page>
    }
}

/// What "Stop current stage" would do now: the next stage and how many reviewees move on
/// to it, or None when the review would complete. Read from the record the engine prepares,
/// so the words match what happens.
fn stop_stage_outcome(s: &State, id: &str, now: DateTime<Utc>) -> Option<(usize, usize)> {
    // The last stage has no next one: no need to prepare the command over every reviewee.
    let inst = s.instances.get(id)?;
    if inst.current_stage + 1 >= inst.stages.len() {
        return None;
    }
    let ctx = Context {
        actor: administrator(),
        now,
        record_id: "preview".into(),
        reason: None,
    };
    let record = s
        .prepare(
            &Command::StopCurrentStage {
                instance: id.to_string(),
            },
            &ctx,
        )
        .ok()??;
    record.events.iter().find_map(|e| match e {
        Event::StageStarted { stage, items, .. } if !items.is_empty() => {
            Some((*stage, items.len()))
        }
        _ => None,
    })
}

/// Reads the state for one section of the overview, re-run only when `rev` says this
/// review changed.
fn read<T>(runtime: Runtime, rev: Memo<u64>, f: impl FnOnce(&State) -> T) -> T {
    // `get`, not `track`: a memo only follows its sources once it has been computed.
    let _ = rev.get();
    runtime.state.with_untracked(f)
}

fn end_reason(reason: StageEndReason) -> &'static str {
    match reason {
        StageEndReason::Deadline => "its duration ran out",
        StageEndReason::Stopped => "stopped by an administrator",
        StageEndReason::ReviewStopped => "the review was stopped",
        StageEndReason::NoReviewees => "no reviewees moved on to it",
    }
}

#[component]
fn InstanceOverview(id: String) -> impl IntoView {
    let runtime = use_runtime();
    let id = StoredValue::new(id);
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let dialog_open = RwSignal::new(false);
    // The stage the "Stop current stage" confirmation is open for, with its outcome text.
    let stage_dialog = RwSignal::new(None::<(usize, String)>);
    let stage_dialog_open = RwSignal::new(false);
    let apply_dialog_open = RwSignal::new(false);
    let (records, records_problem) = use_records(runtime);
    // Sections re-render when this review changes, not on every change anywhere.
    let rev = instance_revision(runtime, id.get_value());
    // This review's messages (stage, recipient, kind), from the log: the Notified column.
    let notified = Memo::new(move |_| {
        records.with(|r| {
            r.as_ref().map(|r| {
                runtime.state.with_untracked(|s| {
                    outbox(s, r)
                        .into_iter()
                        .filter(|m| m.instance.as_deref() == Some(id.get_value().as_str()))
                        .map(|m| {
                            let kind = match m.kind {
                                MessageKind::Reminder => "reminder",
                                MessageKind::Reassigned => "reassigned",
                                MessageKind::Escalation => "escalation",
                                _ => "start",
                            };
                            (m.stage, m.to.user_id().map(str::to_string), kind)
                        })
                        .collect::<Vec<_>>()
                })
            })
        })
    });

    let run = move |cmd: Command, reason: Option<String>, done: String| {
        busy.set(true);
        error.set(None);
        notice.set(None);
        spawn_local(async move {
            let result = match reason {
                Some(r) => runtime.run_with_reason(cmd, r).await,
                None => runtime.run(cmd).await,
            };
            busy.set(false);
            match result {
                Ok(()) => notice.set(Some(done)),
                Err(e) => error.set(Some(format!("{}{}", capitalize(&e.to_string()), "."))),
            }
        });
    };

    let header = move || {
        read(runtime, rev, |s| {
            let inst = s.instances.get(&id.get_value())?;
            let def = s.definition_of(inst);
            Some(view! {
                <section class="card overview-head" aria-labelledby="review-name">
                    <div class="overview-title">
                        <h2 id="review-name">{def.name.clone()}</h2>
                        <span class=status_class(inst)>{status_label(inst)}</span>
                    </div>
                    <p class="meta">
                        {inst.resource.kind.label()} ": " <strong>{inst.resource.name.clone()}</strong>
                        " · " {format!("{} reviewee(s)", inst.items.len())}
                        " · occurrence " {inst.occurrence + 1}
                        " · started " {when(inst.started)}
                        {inst.completed.map(|c| format!(" · ended {}", when(c)))}
                    </p>
                    {(!def.description_for_admins.trim().is_empty()).then(|| view! { <p>{def.description_for_admins.clone()}</p> })}
                </section>
            })
        })
    };

    let timeline = move || {
        read(runtime, rev, |s| {
            let inst = s.instances.get(&id.get_value())?;
            let def = s.definition_of(inst);
            let stages = inst
                .stages
                .iter()
                .enumerate()
                .map(|(n, st)| {
                    let (badge, class) = match st.status {
                        StageStatus::NotStarted => ("Not started", "badge"),
                        StageStatus::InProgress if inst.is_open() => ("In progress", "badge"),
                        StageStatus::InProgress => ("Ended", "badge badge-warning"),
                        StageStatus::Completed => ("Completed", "badge badge-success"),
                    };
                    let dates = match (st.started, st.deadline, st.ended) {
                        (None, _, _) => "Starts when the previous stage ends".to_string(),
                        (Some(a), _, Some(e)) => format!(
                            "{} – {} ({})",
                            when(a),
                            when(e),
                            st.end_reason.map(end_reason).unwrap_or("ended")
                        ),
                        (Some(a), Some(d), None) => format!("{} – ends {}", when(a), when(d)),
                        (Some(a), None, None) => format!("Started {}", when(a)),
                    };
                    view! {
                        <li class="timeline-stage" class:current=inst.is_open() && n == inst.current_stage>
                            <div class="timeline-head">
                                <strong>{format!("Stage {}", n + 1)}</strong>
                                " · " {def.stages[n].reviewers.label()}
                                " " <span class=class>{badge}</span>
                            </div>
                            <div class="meta">{dates}</div>
                        </li>
                    }
                })
                .collect_view();
            Some(view! {
                <section class="card" aria-labelledby="timeline-h">
                    <h2 id="timeline-h">"Stages"</h2>
                    <ol class="timeline">{stages}</ol>
                    {def.is_multi_stage().then(|| view! {
                        <p class="meta">
                            "Reviewees going to the next stage: "
                            {def.decisions_to_next_stage.iter().map(|o| o.next_stage_label()).collect::<Vec<_>>().join(", ")}
                        </p>
                    })}
                </section>
            })
        })
    };

    let actions = move || {
        let now = runtime.now();
        read(runtime, rev, |s| {
            let inst = s.instances.get(&id.get_value())?;
            let def = s.definition_of(inst);
            let open = inst.is_open();
            let stage = inst.current_stage;
            let stop_stage_text = if open {
                Some(match stop_stage_outcome(s, &inst.id, now) {
                    Some((next, moving)) => format!(
                        "Ends stage {} now. Stage {} starts at once with the {moving} reviewee(s) going to the next stage.",
                        stage + 1,
                        next + 1
                    ),
                    None if stage + 1 < inst.stages.len() => format!(
                        "Ends stage {} now. No reviewee goes on to stage {}, so the review completes.",
                        stage + 1,
                        stage + 2
                    ),
                    None => format!("Ends stage {} now; it is the last stage, so the review completes.", stage + 1),
                })
            } else {
                None
            };
            let can_apply = inst.status == InstanceStatus::Completed;
            let auto = def.settings.auto_apply;
            Some(view! {
                <section class="card" aria-labelledby="actions-h">
                    <h2 id="actions-h">"Actions"</h2>
                    {stop_stage_text.map(|text| view! {
                        <div class="action-row">
                            <button
                                type="button"
                                class="button-secondary"
                                id="stop-stage-trigger"
                                aria-describedby="stop-stage-text"
                                disabled=move || busy.get()
                                on:click={
                                    let text = text.clone();
                                    move |_| {
                                        stage_dialog.set(Some((stage, text.clone())));
                                        stage_dialog_open.set(true);
                                    }
                                }
                            >
                                "Stop current stage"
                            </button>
                            <p id="stop-stage-text" class="meta">{text}</p>
                        </div>
                        <div class="action-row">
                            <button
                                type="button"
                                class="button-danger"
                                id="stop-review-trigger"
                                disabled=move || busy.get()
                                on:click=move |_| dialog_open.set(true)
                            >
                                "Stop review"
                            </button>
                            <p class="meta">"Ends the whole review now. This cannot be undone."</p>
                        </div>
                    })}
                    {can_apply.then(|| view! {
                        <div class="action-row">
                            <button
                                type="button"
                                class="button-primary"
                                id="apply-trigger"
                                aria-describedby="apply-text"
                                disabled=move || busy.get()
                                on:click=move |_| apply_dialog_open.set(true)
                            >
                                "Apply results"
                            </button>
                            <p id="apply-text" class="meta">"Makes the changes listed under “What applying will change”."</p>
                        </div>
                    })}
                    {(!open && !can_apply).then(|| {
                        let text = match &inst.applied {
                            Some(a) => format!(
                                "Results were applied {} by {}{}.",
                                when(a.at),
                                attest_engine::evidence::actor_name(s, &a.by),
                                if auto { " (Auto apply results to resource)" } else { "" }
                            ),
                            None => "This review has ended.".to_string(),
                        };
                        view! { <p class="meta">{text}</p> }
                    })}
                    {(open && !auto).then(|| view! { <p class="meta">"No access changes until the review has finished and you select Apply results."</p> })}
                    {(open && auto).then(|| view! { <p class="meta">"Auto apply results to resource is on: results are applied as soon as the review finishes."</p> })}
                    {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                    {move || notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
                </section>
            })
        })
    };

    let progress = move || {
        let sent = notified.get();
        read(runtime, rev, |s| {
            let inst = s.instances.get(&id.get_value())?;
            let tallies = stage_progress(inst);
            let stages = inst
                .stages
                .iter()
                .enumerate()
                .filter(|(_, st)| st.status != StageStatus::NotStarted)
                .map(|(n, _)| {
                    let reviewers = reviewer_progress(inst, n);
                    let heading_id = format!("progress-stage-{}", n + 1);
                    let rows = reviewers
                        .into_iter()
                        .map(|r| {
                            let ended = inst.stages[n].status == StageStatus::Completed || !inst.is_open();
                            let status = if r.decided == 0 && ended {
                                ("No decisions", "badge badge-danger")
                            } else if r.decided == 0 {
                                ("Not started", "badge badge-danger")
                            } else if r.decided < r.assigned && ended {
                                ("Ended undecided", "badge badge-warning")
                            } else if r.decided < r.assigned {
                                ("In progress", "badge badge-warning")
                            } else {
                                ("Done", "badge badge-success")
                            };
                            let notified = sent.as_ref().map(|msgs| {
                                let kinds: Vec<&str> = msgs
                                    .iter()
                                    .filter(|(stage, to, _)| {
                                        *stage == Some(n) && to.as_deref() == Some(r.reviewer.as_str())
                                    })
                                    .map(|(_, _, kind)| *kind)
                                    .collect();
                                if kinds.is_empty() { "—".to_string() } else { kinds.join(", ") }
                            });
                            view! {
                                <tr>
                                    <td>{s.directory.display_name(&r.reviewer).to_string()}</td>
                                    <td class="num">{r.assigned}</td>
                                    <td class="num">{r.decided}</td>
                                    <td><span class=status.1>{status.0}</span></td>
                                    <td>{notified.unwrap_or_else(|| "…".into())}</td>
                                </tr>
                            }
                        })
                        .collect_view();
                    view! {
                        <section class="card stage-progress" aria-labelledby=heading_id.clone()>
                            <h3 id=heading_id.clone()>{format!("Stage {}", n + 1)}</h3>
                            <ProgressChart label=format!("Stage {}", n + 1) tally=tallies[n].clone() />
                            <TableRegion label=format!("Reviewers of stage {}", n + 1)>
                                <table>
                                    <caption class="visually-hidden">{format!("Reviewers of stage {}", n + 1)}</caption>
                                    <thead>
                                        <tr>
                                            <th scope="col">"Reviewer"</th>
                                            <th scope="col">"Assigned"</th>
                                            <th scope="col">"Decided"</th>
                                            <th scope="col">"Status"</th>
                                            <th scope="col">"Notified"</th>
                                        </tr>
                                    </thead>
                                    <tbody>{rows}</tbody>
                                </table>
                            </TableRegion>
                        </section>
                    }
                })
                .collect_view();
            Some(view! {
                <section aria-labelledby="progress-h">
                    <h2 id="progress-h" class="section-title">"Progress"</h2>
                    {stages}
                    {move || records_problem.get().map(|p| view! { <p class="error">{p}</p> })}
                </section>
            })
        })
    };

    let apply_section = move || {
        let now = runtime.now();
        read(runtime, rev, |s| {
            let inst = s.instances.get(&id.get_value())?;
            if inst.status == InstanceStatus::InProgress
                || inst.status == InstanceStatus::NotStarted
            {
                return None;
            }
            Some(apply_summary(s, inst, now))
        })
    };

    let confirm_stop = Callback::new(move |reason: Option<String>| {
        dialog_open.set(false);
        run(
            Command::StopReview {
                instance: id.get_value(),
            },
            reason,
            "The review was stopped.".to_string(),
        );
    });

    let confirm_stop_stage = Callback::new(move |()| {
        stage_dialog_open.set(false);
        let Some((stage, _)) = stage_dialog.get_untracked() else {
            return;
        };
        run(
            Command::StopCurrentStage {
                instance: id.get_value(),
            },
            None,
            format!("Stage {} was stopped.", stage + 1),
        );
    });

    let confirm_apply = Callback::new(move |()| {
        apply_dialog_open.set(false);
        run(
            Command::ApplyResults {
                instance: id.get_value(),
            },
            None,
            "Results were applied.".to_string(),
        );
    });

    view! {
        {header}
        {timeline}
        {actions}
        <run_now::RunNow instance=id.get_value() />
        {apply_section}
        {progress}
        <ResultsTable id=id.get_value() rev=rev />
        <insight::ReviewerInsightSection id=id.get_value() rev=rev />
        <crate::ui::evidence::EvidencePackSection id=id.get_value() />
        {move || dialog_open.get().then(|| view! { <StopReviewDialog id=id.get_value() open=dialog_open on_confirm=confirm_stop /> })}
        {move || stage_dialog_open.get().then(|| stage_dialog.get_untracked()).flatten().map(|(stage, outcome)| view! {
            <StopStageDialog stage=stage outcome=outcome open=stage_dialog_open on_confirm=confirm_stop_stage />
        })}
        {move || apply_dialog_open.get().then(|| {
            let text = runtime.state.with_untracked(|s| {
                s.instances.get(&id.get_value()).map(|inst| apply_counts(s, inst, runtime.now()))
            });
            view! {
                <ConfirmDialog title="Apply results?" confirm="Apply results" trigger="apply-trigger" open=apply_dialog_open on_confirm=confirm_apply>
                    <p>{text.unwrap_or_default()}</p>
                    <p>"This cannot be undone: removed access has to be given back by hand."</p>
                </ConfirmDialog>
            }
        })}
    }
}

/// What applying will do, in one sentence for the confirmation.
fn apply_counts(s: &State, inst: &Instance, now: DateTime<Utc>) -> String {
    let rows = results(s, inst, now);
    let count = |effect: Effect| {
        rows.iter()
            .filter(|r| r.apply_result == ApplyResult::Applied { effect })
            .count()
    };
    format!(
        "{} access(es) will be removed and {} guest(s) blocked (deleted 30 days later); {} reviewee(s) keep their access. The list is under “What applying will change”.",
        count(Effect::AccessRemoved),
        count(Effect::GuestBlocked),
        count(Effect::AccessKept),
    )
}

/// Before apply: exactly which accesses will be removed, which guests blocked, and which
/// items cannot be applied and why. After: what applying did, item by item.
fn apply_summary(s: &State, inst: &Instance, now: DateTime<Utc>) -> AnyView {
    let rows = results(s, inst, now);
    let applied = inst.applied.is_some();
    let dir = &s.directory;
    let mut removed = Vec::new();
    let mut blocked = Vec::new();
    let mut unsupported = Vec::new();
    let mut other = Vec::new();
    for r in &rows {
        let who = format!("{} ({})", r.user_name, r.user_principal_name);
        match &r.apply_result {
            ApplyResult::Applied {
                effect: Effect::AccessRemoved,
            } => removed.push(who),
            ApplyResult::Applied {
                effect: Effect::GuestBlocked,
            } => blocked.push(who),
            ApplyResult::Applied {
                effect: Effect::AccessKept,
            } => {}
            ApplyResult::NotSupported { reason } => unsupported.push((who, reason.reason(dir))),
            res => other.push((who, apply_description(dir, res, r.applied))),
        }
    }
    let kept = rows.len() - removed.len() - blocked.len() - unsupported.len() - other.len();
    let (title, removed_h, blocked_h, unsupported_h) = if applied {
        (
            "What applying changed",
            "Access removed",
            "Guests blocked (deleted 30 days later)",
            "Not applied: not supported",
        )
    } else {
        (
            "What applying will change",
            "Accesses that will be removed",
            "Guests that will be blocked, then deleted 30 days later",
            "Cannot be applied",
        )
    };
    let list = |heading: &'static str, items: Vec<String>| {
        view! {
            <div class="apply-group">
                <h3>{format!("{heading} ({})", items.len())}</h3>
                {if items.is_empty() {
                    view! { <p class="meta">"None."</p> }.into_any()
                } else {
                    view! { <ul>{items.into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}</ul> }.into_any()
                }}
            </div>
        }
    };
    let reasons = |heading: &'static str, items: Vec<(String, String)>| {
        (!items.is_empty() || heading == unsupported_h).then(|| view! {
            <div class="apply-group">
                <h3>{format!("{heading} ({})", items.len())}</h3>
                {if items.is_empty() {
                    view! { <p class="meta">"None."</p> }.into_any()
                } else {
                    view! {
                        <ul>
                            {items.into_iter().map(|(who, why)| view! { <li><strong>{who}</strong> " — " {why}</li> }).collect_view()}
                        </ul>
                    }
                    .into_any()
                }}
            </div>
        })
    };
    view! {
        <section class="card apply-summary" aria-labelledby="apply-h">
            <h2 id="apply-h">{title}</h2>
            <p class="meta">{format!("{kept} reviewee(s) keep their access.")}</p>
            {list(removed_h, removed)}
            {list(blocked_h, blocked)}
            {reasons(unsupported_h, unsupported)}
            {reasons(if applied { "Other results" } else { "Nothing to remove" }, other)}
        </section>
    }
    .into_any()
}
