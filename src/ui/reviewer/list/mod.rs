//! The reviewer's decision list: filters, search, sort, selection, bulk decisions, and the
//! list of reviewees (`window.rs`: virtualized; `keyboard.rs`, `focus.rs`: operable from the
//! keyboard; `row.rs`: one reviewee; `saving.rs`: sending decisions). Every decision goes
//! through `runtime.run`; a refused or unsaved one is shown on its row and the row keeps its
//! previous decision.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use attest_engine::directory::ResourceKind;
use attest_engine::event::ItemDecision;
use attest_engine::guardrails::Guard;
use attest_engine::view::{ReviewerRow, ReviewerView};
use attest_engine::{Command, Decision};
use leptos::prelude::*;

use super::rows::{self, Filters, SortBy};
use crate::runtime::use_runtime;
use crate::ui::components::ConfirmDialog;
pub(super) use first::first_rows;
use focus::{focus_in_list, focus_lost, focus_row, row_id};
use row::RowContext;

mod context;
mod first;
mod focus;
mod guard;
mod keyboard;
mod row;
mod saving;
mod window;

/// Signals shared by the list and its rows.
#[derive(Clone, Copy)]
pub(super) struct ListState {
    selected: RwSignal<HashSet<u32>>,
    active: RwSignal<Option<u32>>,
    errors: RwSignal<HashMap<u32, String>>,
    saving: RwSignal<HashSet<u32>>,
    /// Position of each shown item in the filtered, sorted order.
    positions: Memo<HashMap<u32, usize>>,
    shown_count: Memo<usize>,
    /// The row that takes Tab focus (roving tabindex).
    tab_item: Memo<Option<u32>>,
    decide: Callback<(Vec<u32>, Decision)>,
    reset: Callback<Vec<u32>>,
}

#[component]
pub fn DecisionList(
    /// The reviewer's view of the stage; `None` while it cannot be shown.
    view: Memo<Option<Arc<ReviewerView>>>,
) -> impl IntoView {
    let runtime = use_runtime();
    let me = Memo::new(move |_| {
        runtime
            .acting_as
            .with(|a| a.user_id().unwrap_or_default().to_string())
    });
    let instance = Memo::new(move |_| {
        view.with(|v| v.as_ref().map(|v| v.instance.clone()).unwrap_or_default())
    });

    let filters = RwSignal::new(Filters::default());
    let search = RwSignal::new(String::new());
    let sort = RwSignal::new(SortBy::default());
    let justification = RwSignal::new(String::new());
    let bulk_message = RwSignal::new(None::<Result<String, String>>);
    let until_date = RwSignal::new(String::new());
    let guard_pending = RwSignal::new(None::<guard::Pending>);
    let guard_open = RwSignal::new(false);
    let guard_trigger = RwSignal::new(String::new());
    let scroll_top = RwSignal::new(0i32);
    let list_ref = NodeRef::<leptos::html::Div>::new();

    // What "Inactive" means in this review: its own inactivity setting, else 30 days.
    let inactive_days = Memo::new(move |_| {
        let id = instance.get();
        runtime.state.with(|s| {
            s.instances
                .get(&id)
                .and_then(|i| s.reviews.get(&i.definition))
                .map_or(rows::DEFAULT_INACTIVE_DAYS, |r| {
                    rows::inactive_days(&r.definition)
                })
        })
    });
    let shown = Memo::new(move |_| {
        let now = runtime.now();
        let (f, days, q, s) = (filters.get(), inactive_days.get(), search.get(), sort.get());
        view.with(|v| {
            v.as_ref()
                .map(|v| rows::shown(&v.rows, f, days, &q, s, now))
                .unwrap_or_default()
        })
    });
    let shown_count = Memo::new(move |_| shown.with(Vec::len));
    let positions = Memo::new(move |_| {
        view.with(|v| {
            let Some(v) = v.as_ref() else {
                return HashMap::new();
            };
            shown.with(|s| {
                s.iter()
                    .enumerate()
                    .map(|(pos, &p)| (v.rows[p as usize].item, pos))
                    .collect()
            })
        })
    });
    let selected = RwSignal::new(HashSet::<u32>::new());
    let active = RwSignal::new(None::<u32>);
    let errors = RwSignal::new(HashMap::<u32, String>::new());
    let saving = RwSignal::new(HashSet::<u32>::new());
    let tab_item = Memo::new(move |_| {
        let first = positions.with(|p| p.iter().find(|(_, &pos)| pos == 0).map(|(&item, _)| item));
        active
            .get()
            .filter(|a| positions.with(|p| p.contains_key(a)))
            .or(first)
    });

    // Saving (`saving.rs`): rows being saved say so; a failure stays on the row.
    let saver = saving::Saver {
        runtime,
        saving,
        errors,
        bulk_message,
        justification,
        active,
        last_refusal: use_context::<super::LastRefusal>(),
    };
    let run_on_rows =
        move |items: Vec<u32>, cmd: Command, sent: String| saver.run(items, cmd, sent);
    // Guardrails (issue 25): a bulk approval the engine's rule flags waits for the dialog;
    // one the review forbids is not sent. True when the command was held back.
    let held_back =
        move |items: &[u32], pairs: &[(u32, Decision)], cmd: &Command, trigger: &str| match view
            .with_untracked(|v| v.as_ref().map(|v| guard::guard(v, pairs)))
        {
            Some(Guard::Forbidden) => {
                bulk_message.set(Some(Err(guard::FORBIDDEN.into())));
                true
            }
            Some(Guard::Confirm {
                items: flagged,
                privileged,
                against_deny,
            }) => {
                guard_pending.set(Some(guard::Pending {
                    items: items.to_vec(),
                    command: cmd.clone(),
                    flagged: flagged.len(),
                    why: attest_engine::guardrails::why(privileged, against_deny),
                }));
                guard_trigger.set(trigger.to_string());
                guard_open.set(true);
                true
            }
            _ => false,
        };
    let guard_done = Callback::new(move |n: usize| {
        selected.set(HashSet::new());
        bulk_message.set(Some(Ok(format!("Saved {} decisions.", rows::count(n)))));
    });
    let decide = Callback::new(move |(items, decision): (Vec<u32>, Decision)| {
        if items.is_empty() {
            return;
        }
        let justification = justification.get_untracked().trim().to_string();
        let decisions = items
            .iter()
            .map(|&item| ItemDecision {
                item,
                decision,
                justification: justification.clone(),
            })
            .collect();
        let cmd = Command::RecordDecisions {
            instance: instance.get_untracked(),
            decisions,
        };
        let pairs: Vec<(u32, Decision)> = items.iter().map(|&i| (i, decision)).collect();
        if held_back(&items, &pairs, &cmd, "rv-approve-selected") {
            return;
        }
        run_on_rows(items, cmd, justification);
    });
    let approve_until = move |_| {
        let items = selected.with_untracked(|s| s.iter().copied().collect::<Vec<u32>>());
        // Through the chosen day in the reviewer's own time zone: it ends at their next midnight.
        let Some(until) = crate::ui::components::parse_date_value(&until_date.get_untracked())
            .and_then(|d| {
                use chrono::Datelike;
                let next = js_sys::Date::new_with_year_month_day(
                    d.year() as u32,
                    d.month0() as i32,
                    d.day() as i32 + 1,
                );
                chrono::DateTime::from_timestamp_millis(next.get_time() as i64)
            })
        else {
            bulk_message.set(Some(Err("Choose the date the approval ends.".into())));
            return;
        };
        let justification = justification.get_untracked().trim().to_string();
        let cmd = Command::ApproveUntil {
            instance: instance.get_untracked(),
            items: items.clone(),
            until,
            justification: justification.clone(),
        };
        let pairs: Vec<(u32, Decision)> = items.iter().map(|&i| (i, Decision::Approve)).collect();
        if held_back(&items, &pairs, &cmd, "rv-approve-until") {
            return;
        }
        run_on_rows(items, cmd, justification);
    };
    let reset = Callback::new(move |items: Vec<u32>| {
        if items.is_empty() {
            return;
        }
        run_on_rows(
            items.clone(),
            Command::ResetDecisions {
                instance: instance.get_untracked(),
                items,
            },
            String::new(),
        );
    });
    // Accepting on more than one reviewee asks first: (items to decide, items named, approvals).
    let pending_accept = RwSignal::new(None::<(Vec<u32>, Option<Vec<u32>>, usize)>);
    let accept_open = RwSignal::new(false);
    let accept_now = move |undecided: Vec<u32>, items: Option<Vec<u32>>| {
        let justification = justification.get_untracked().trim().to_string();
        run_on_rows(
            undecided,
            Command::AcceptRecommendations {
                instance: instance.get_untracked(),
                items,
                justification: justification.clone(),
            },
            justification,
        );
    };
    let accept = move |_| {
        let chosen: Vec<u32> = selected.with_untracked(|s| s.iter().copied().collect());
        let (undecided, approvals): (Vec<u32>, usize) = view.with_untracked(|v| {
            let picked: Vec<&ReviewerRow> = v
                .iter()
                .flat_map(|v| v.rows.iter())
                .filter(|r| r.decision.is_none() && r.recommendation.is_some())
                .filter(|r| chosen.is_empty() || chosen.contains(&r.item))
                .collect();
            let approvals = picked
                .iter()
                .filter(|r| {
                    r.recommendation
                        .as_ref()
                        .is_some_and(|rec| rec.decision == Decision::Approve)
                })
                .count();
            (picked.into_iter().map(|r| r.item).collect(), approvals)
        });
        if undecided.is_empty() {
            bulk_message.set(Some(Err(
                "There are no undecided reviewees with a recommendation here.".into(),
            )));
            return;
        }
        let items = (!chosen.is_empty()).then_some(chosen);
        let pairs: Vec<(u32, Decision)> = view.with_untracked(|v| {
            v.iter()
                .flat_map(|v| v.rows.iter())
                .filter(|r| undecided.contains(&r.item))
                .filter_map(|r| r.recommendation.as_ref().map(|rec| (r.item, rec.decision)))
                .collect()
        });
        let cmd = Command::AcceptRecommendations {
            instance: instance.get_untracked(),
            items: items.clone(),
            justification: justification.get_untracked().trim().to_string(),
        };
        if held_back(&undecided, &pairs, &cmd, "rv-accept") {
            return;
        }
        if undecided.len() == 1 {
            accept_now(undecided, items);
        } else {
            pending_accept.set(Some((undecided, items, approvals)));
            accept_open.set(true);
        }
    };
    let confirm_accept = Callback::new(move |()| {
        accept_open.set(false);
        if let Some((undecided, items, _)) = pending_accept.get_untracked() {
            accept_now(undecided, items);
        }
    });
    let accept_dialog = move || {
        accept_open.get().then(|| pending_accept.get_untracked()).flatten().map(|(undecided, _, approvals)| {
            let n = undecided.len();
            view! {
                <ConfirmDialog
                    title=format!("Accept {n} recommendations?")
                    confirm="Accept recommendations"
                    trigger="rv-accept"
                    open=accept_open
                    on_confirm=confirm_accept
                >
                    <p>{format!("{approvals} reviewee(s) will be approved and {} denied, each with its recommendation's reason as the justification unless you typed one.", n - approvals)}</p>
                    <p>"You can change each decision afterwards while the stage is open."</p>
                </ConfirmDialog>
            }
        })
    };

    let state = ListState {
        selected,
        active,
        errors,
        saving,
        positions,
        shown_count,
        tab_item,
        decide,
        reset,
    };

    // Names shared by two reviewees here: their rows are labelled with the sign-in name too.
    let shared_names = Memo::new(move |_| {
        view.with(|v| {
            let mut uses = HashMap::<String, usize>::new();
            for r in v.iter().flat_map(|v| v.rows.iter()) {
                *uses.entry(r.user_name.clone()).or_default() += 1;
            }
            uses.into_iter()
                .filter(|(_, n)| *n > 1)
                .map(|(name, _)| name)
                .collect::<HashSet<String>>()
        })
    });
    let kind = Memo::new(move |_| {
        view.with(|v| {
            v.as_ref()
                .map(|v| v.resource.kind)
                .unwrap_or(ResourceKind::Group)
        })
    });
    let as_of = Memo::new(move |_| view.with(|v| v.as_ref().map(|v| v.recommendations_as_of)));
    let show_earlier = Memo::new(move |_| {
        view.with(|v| {
            v.as_ref()
                .is_some_and(|v| v.show_previous_decisions && v.stage > 0)
        })
    });
    let justification_required =
        Memo::new(move |_| view.with(|v| v.as_ref().is_some_and(|v| v.justification_required)));
    let allow_until =
        Memo::new(move |_| view.with(|v| v.as_ref().is_some_and(|v| v.guardrails.approve_until)));
    let progress = Memo::new(move |_| {
        view.with(|v| {
            v.as_ref().map_or((0, 0), |v| {
                (
                    v.rows.iter().filter(|r| r.decision.is_some()).count(),
                    v.rows.len(),
                )
            })
        })
    });

    let selected_count = move || selected.with(HashSet::len);
    let none_selected = move || selected.with(HashSet::is_empty);
    let chosen = move || selected.with_untracked(|s| s.iter().copied().collect::<Vec<u32>>());
    let select_all = move |_| {
        let all: HashSet<u32> = view.with_untracked(|v| {
            v.as_ref()
                .map(|v| v.rows.iter().map(|r| r.item).collect())
                .unwrap_or_default()
        });
        selected.set(all);
    };
    let select_filtered = move |_| {
        let items: HashSet<u32> = view.with_untracked(|v| {
            v.as_ref()
                .map(|v| {
                    shown.with_untracked(|s| s.iter().map(|&p| v.rows[p as usize].item).collect())
                })
                .unwrap_or_default()
        });
        selected.set(items);
    };
    let filter_box =
        move |label: Signal<String>, get: fn(&Filters) -> bool, set: fn(&mut Filters, bool)| {
            view! {
                <label class="rv-filter">
                    <input
                        type="checkbox"
                        prop:checked=move || filters.with(get)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            filters.update(|f| set(f, on));
                            scroll_home(list_ref, scroll_top);
                        }
                    />
                    {label}
                </label>
            }
        };

    view! {
        <section class="card rv-progress" aria-label="Progress">
            <p>
                <strong>{move || format!("{} of {} reviewed", rows::count(progress.get().0), rows::count(progress.get().1))}</strong>
            </p>
            <progress
                max=move || progress.get().1.max(1)
                value=move || progress.get().0
                aria-label="Reviewed so far"
            ></progress>
        </section>

        <section class="card rv-controls" aria-label="Find reviewees">
            <div class="rv-controls-row">
                <div class="field rv-search">
                    <label for="rv-search">"Search"</label>
                    <input
                        id="rv-search"
                        type="search"
                        placeholder="Name or email"
                        prop:value=move || search.get()
                        on:input=move |ev| {
                            search.set(event_target_value(&ev));
                            scroll_home(list_ref, scroll_top);
                        }
                    />
                </div>
                <div class="field rv-sort">
                    <label for="rv-sort">"Sort by"</label>
                    <select
                        id="rv-sort"
                        on:change=move |ev| sort.set(SortBy::from_value(&event_target_value(&ev)))
                    >
                        {SortBy::ALL
                            .into_iter()
                            .map(|s| view! { <option value=s.value() selected=move || sort.get() == s>{s.label()}</option> })
                            .collect_view()}
                    </select>
                </div>
            </div>
            <fieldset class="rv-filters">
                <legend>"Show only"</legend>
                {filter_box("Undecided".into(), |f| f.undecided, |f, on| f.undecided = on)}
                {filter_box("Recommended deny".into(), |f| f.recommended_deny, |f, on| f.recommended_deny = on)}
                {filter_box("Guests".into(), |f| f.guests, |f, on| f.guests = on)}
                {filter_box(
                    Signal::derive(move || format!("Inactive ({}+ days)", rows::count(inactive_days.get() as usize))),
                    |f| f.inactive,
                    |f, on| f.inactive = on,
                )}
                // Recurring reviews with an earlier completed occurrence only (issue 25).
                <Show when=move || view.with(|v| v.as_ref().is_some_and(|v| v.rows.iter().any(|r| r.context.as_ref().is_some_and(|c| c.since.is_some()))))>
                    {filter_box("New since last review".into(), |f| f.new_since, |f, on| f.new_since = on)}
                </Show>
            </fieldset>
        </section>

        <section class="card rv-decide" aria-label="Decide">
            <div class="field rv-justification">
                <label for="rv-justification">"Justification"</label>
                <textarea
                    id="rv-justification"
                    aria-describedby="rv-justification-hint"
                    prop:value=move || justification.get()
                    on:input=move |ev| justification.set(event_target_value(&ev))
                ></textarea>
                <p class="hint" id="rv-justification-hint">
                    "The reason for your next decision (or bulk decision, or accepted recommendations); the box empties once it is recorded. "
                    {move || justification_required.get().then_some("This review requires one to approve, also when accepting recommendations that approve.")}
                </p>
            </div>
            <div class="rv-bulk">
                <p class="rv-selection" aria-live="polite">
                    {move || format!("{} selected", rows::count(selected_count()))}
                    " \u{b7} "
                    {move || format!("{} shown", rows::count(shown_count.get()))}
                </p>
                <div class="rv-bulk-buttons">
                    <button type="button" class="button button-secondary" on:click=select_all>"Select all"</button>
                    <button type="button" class="button button-secondary" on:click=select_filtered>"Select filtered"</button>
                    <button type="button" class="button button-secondary" disabled=none_selected on:click=move |_| selected.set(HashSet::new())>
                        "Clear selection"
                    </button>
                </div>
                <div class="rv-bulk-buttons">
                    <button type="button" class="button" id="rv-approve-selected" disabled=none_selected on:click=move |_| decide.run((chosen(), Decision::Approve))>
                        "Approve selected"
                    </button>
                    <button type="button" class="button" disabled=none_selected on:click=move |_| decide.run((chosen(), Decision::Deny))>
                        "Deny selected"
                    </button>
                    <button type="button" class="button" disabled=none_selected on:click=move |_| decide.run((chosen(), Decision::DontKnow))>
                        "Don't know selected"
                    </button>
                    <button type="button" class="button" disabled=none_selected on:click=move |_| reset.run(chosen())>
                        "Reset decisions"
                    </button>
                    <button
                        type="button"
                        class="button button-primary"
                        id="rv-accept"
                        aria-describedby="rv-accept-hint"
                        on:click=accept
                    >
                        "Accept recommendations"
                    </button>
                </div>
                <p class="hint" id="rv-accept-hint">
                    {move || if none_selected() {
                        "Accept recommendations decides every undecided reviewee that has a recommendation."
                    } else {
                        "Accept recommendations decides the selected reviewees that are undecided and have a recommendation."
                    }}
                </p>
                {move || allow_until.get().then(|| view! {
                    <div class="rv-until">
                        <div class="field">
                            <label for="rv-until-date">"Approve until"</label>
                            <input
                                id="rv-until-date"
                                type="date"
                                aria-describedby="rv-until-hint"
                                prop:value=move || until_date.get()
                                on:input=move |ev| until_date.set(event_target_value(&ev))
                            />
                        </div>
                        <button type="button" class="button" id="rv-approve-until" disabled=none_selected on:click=approve_until>
                            "Approve selected until date"
                        </button>
                        <p class="hint" id="rv-until-hint">"The access is removed after this day unless a newer review approves it."</p>
                    </div>
                })}
                {accept_dialog}
                <guard::GuardDialog pending=guard_pending open=guard_open trigger=Signal::derive(move || guard_trigger.get()) done=guard_done />
                {move || bulk_message.get().map(|m| match m {
                    Ok(text) => view! { <p class="rv-bulk-ok" role="status">{text}</p> }.into_any(),
                    Err(text) => view! { <p class="rv-bulk-error" role="alert">{text}</p> }.into_any(),
                })}
                <super::reassign::ReassignControl instance me selected />
            </div>
        </section>

        <p class="rv-keys" id="rv-keys">
            "Keys: " <kbd>"\u{2193}"</kbd> "/" <kbd>"j"</kbd> " next, " <kbd>"\u{2191}"</kbd> "/" <kbd>"k"</kbd> " previous, "
            <kbd>"a"</kbd> " Approve, " <kbd>"d"</kbd> " Deny, " <kbd>"?"</kbd> " Don't know, " <kbd>"u"</kbd> " Undo, "
            <kbd>"x"</kbd> " select."
        </p>

        {move || (shown_count.get() == 0).then(|| view! { <p class="rv-empty" role="status">"No reviewees match these filters."</p> })}
        <window::VirtualList
            view=view
            shown=shown
            state=state
            context=RowContext { me, kind, as_of, shared_names }
            show_earlier=show_earlier
            list_ref=list_ref
            scroll_top=scroll_top
        />
    }
}

fn scroll_home(list_ref: NodeRef<leptos::html::Div>, scroll_top: RwSignal<i32>) {
    if let Some(el) = list_ref.get_untracked() {
        el.set_scroll_top(0);
    }
    scroll_top.set(0);
}

fn toggle(selected: RwSignal<HashSet<u32>>, item: u32) {
    selected.update(|s| {
        if !s.remove(&item) {
            s.insert(item);
        }
    });
}
