//! The reviewer's decision list: filters, search, sort, selection, bulk decisions and a
//! virtualized list of reviewees operable from the keyboard.
//!
//! Rows have a fixed height, so only the rows in view (plus a small margin) are in the DOM:
//! a spacer as tall as all rows keeps the scrollbar honest and the window of rows is
//! computed from `scrollTop`. Every decision goes through `runtime.run`; a refused or unsaved
//! one is shown on its row and the row keeps its previous decision.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use attest_engine::directory::{AccessPath, AssignmentKind, ResourceKind, UserType};
use attest_engine::event::ItemDecision;
use attest_engine::instance::{DecisionSource, Recommendation, RecordedDecision};
use attest_engine::view::{ReviewerRow, ReviewerView};
use attest_engine::{Command, Decision};
use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, KeyboardEvent};

use super::rows::{self, Filters, SortBy};
use crate::runtime::{use_runtime, RunError};
use crate::ui::components::ConfirmDialog;

/// Row heights in CSS pixels; the stylesheet lays rows out to fit exactly these.
const WIDE_ROW: i32 = 84;
const NARROW_ROW: i32 = 248;
/// Below this window width rows stack their cells (style/reviewer.css uses the same width).
const NARROW_BELOW: f64 = 760.0;
/// Rows rendered beyond each edge of the viewport, so fast scrolling shows no gaps.
const OVERSCAN: usize = 4;

fn window_width() -> f64 {
    web_sys::window()
        .and_then(|w| w.inner_width().ok())
        .and_then(|w| w.as_f64())
        .unwrap_or(1280.0)
}

fn row_id(item: u32) -> String {
    format!("reviewee-{item}")
}

fn focus_row(item: u32) {
    // After the next paint, when the row for `item` is in the DOM.
    request_animation_frame(move || {
        if let Some(el) = document().get_element_by_id(&row_id(item)) {
            let _ = el.unchecked_into::<HtmlElement>().focus();
        }
    });
}

/// Whether focus has dropped to the page (a row was re-rendered under it).
fn focus_lost() -> bool {
    document()
        .active_element()
        .is_none_or(|el| el.tag_name() == "BODY" || !el.is_connected())
}

fn focus_in_list() -> bool {
    document()
        .active_element()
        .and_then(|el| el.closest(".rv-list").ok().flatten())
        .is_some()
}

fn outcome_label(d: Decision) -> &'static str {
    match d {
        Decision::Approve => "Approved",
        Decision::Deny => "Denied",
        Decision::DontKnow => "Don't know",
    }
}

/// What this stage's decision says, in one line.
fn decision_text(d: &RecordedDecision, me: &str, reviewer_name: &str) -> String {
    let mut s = outcome_label(d.decision).to_string();
    if d.reviewer != me {
        s.push_str(&format!(" by {reviewer_name}"));
    }
    if d.source == DecisionSource::AcceptedRecommendation {
        s.push_str(" (recommendation accepted)");
    } else if !d.justification.trim().is_empty() {
        s.push_str(&format!(": \u{201c}{}\u{201d}", d.justification.trim()));
    }
    s
}

fn access_text(row: &ReviewerRow, kind: ResourceKind) -> String {
    let mut s = match (&row.access, &row.via_name) {
        (AccessPath::ViaGroup { .. }, Some(name)) => format!("Through {name}"),
        (AccessPath::ViaGroup { group }, None) => format!("Through {group}"),
        (AccessPath::Direct, _) if kind == ResourceKind::Group => "Direct member".to_string(),
        (AccessPath::Direct, _) => "Assigned directly".to_string(),
    };
    match row.assignment {
        Some(AssignmentKind::Eligible) => s.push_str(" (eligible)"),
        Some(AssignmentKind::Active) => s.push_str(" (active)"),
        None => {}
    }
    s
}

/// Signals shared by the list and its rows.
#[derive(Clone, Copy)]
struct ListState {
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
    let scroll_top = RwSignal::new(0i32);
    let viewport = RwSignal::new(600i32);
    let narrow = RwSignal::new(window_width() < NARROW_BELOW);
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
    let item_at = move |pos: usize| -> Option<u32> {
        view.with_untracked(|v| {
            let v = v.as_ref()?;
            shown.with_untracked(|s| s.get(pos).map(|&p| v.rows[p as usize].item))
        })
    };
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
    let row_height = move || if narrow.get() { NARROW_ROW } else { WIDE_ROW };

    let measure = move || {
        narrow.set(window_width() < NARROW_BELOW);
        if let Some(el) = list_ref.get_untracked() {
            let window_height = web_sys::window()
                .and_then(|w| w.inner_height().ok())
                .and_then(|h| h.as_f64())
                .unwrap_or(900.0);
            viewport.set(el.client_height().clamp(1, window_height as i32));
        }
    };
    Effect::new(move |_| {
        if list_ref.get().is_some() {
            measure();
        }
    });
    let resize = window_event_listener(ev::resize, move |_| measure());
    on_cleanup(move || resize.remove());

    // Saving. Rows being saved say so; a failure stays on the row until the next attempt.
    let last_refusal = use_context::<super::LastRefusal>();
    // `sent` is the justification the command carries: once recorded it is cleared, so it
    // never rides along with a later decision on someone else.
    let run_on_rows = move |items: Vec<u32>, cmd: Command, sent: String| {
        saving.update(|s| s.extend(items.iter().copied()));
        errors.update(|e| {
            for i in &items {
                e.remove(i);
            }
        });
        bulk_message.set(None);
        let had_focus = focus_in_list();
        spawn_local(async move {
            let result = runtime.run(cmd).await;
            saving.update(|s| {
                for i in &items {
                    s.remove(i);
                }
            });
            match result {
                Ok(()) => {
                    if !sent.is_empty() && justification.with_untracked(|j| j.trim() == sent) {
                        justification.set(String::new());
                    }
                    if items.len() > 1 {
                        bulk_message.set(Some(Ok(format!(
                            "Saved {} decisions.",
                            rows::count(items.len())
                        ))));
                    }
                }
                Err(e) => {
                    let message = match &e {
                        RunError::Refused(_) => format!("Not saved: {e}."),
                        _ => format!("{}.", capitalise(&e.to_string())),
                    };
                    if let Some(super::LastRefusal(last)) = last_refusal {
                        last.set(Some(message.clone()));
                    }
                    errors.update(|m| {
                        items
                            .iter()
                            .for_each(|&i| drop(m.insert(i, message.clone())))
                    });
                    if items.len() > 1 {
                        bulk_message.set(Some(Err(message)));
                    }
                }
            }
            // The decided row is re-rendered; keep keyboard focus on it.
            if let Some(item) = active.get_untracked() {
                if items.contains(&item) && had_focus {
                    request_animation_frame(move || {
                        if focus_lost() {
                            focus_row(item);
                        }
                    });
                }
            }
        });
    };
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
        run_on_rows(
            items,
            Command::RecordDecisions {
                instance: instance.get_untracked(),
                decisions,
            },
            justification,
        );
    });
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

    // The window of rows to render.
    let window = Memo::new(move |_| {
        let rh = row_height();
        let total = shown_count.get();
        let first = (scroll_top.get().max(0) / rh) as usize;
        let first = first.saturating_sub(OVERSCAN).min(total);
        let count = (viewport.get() / rh) as usize + 1 + 2 * OVERSCAN;
        (first, (first + count).min(total))
    });
    let visible = move || {
        let (from, to) = window.get();
        view.with(|v| {
            let Some(v) = v.as_ref() else {
                return Vec::new();
            };
            shown.with(|s| {
                s[from..to]
                    .iter()
                    .map(|&p| v.rows[p as usize].clone())
                    .collect::<Vec<_>>()
            })
        })
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

    // Keyboard: move the focused row and decide on it.
    let scroll_to = move |pos: usize| {
        let Some(el) = list_ref.get_untracked() else {
            return;
        };
        let rh = row_height();
        let top = pos as i32 * rh;
        let vh = viewport.get_untracked();
        let current = el.scroll_top();
        let next = if top < current {
            top
        } else if top + rh > current + vh {
            top + rh - vh
        } else {
            current
        };
        if next != current {
            el.set_scroll_top(next);
            scroll_top.set(next);
        }
    };
    let move_to = move |pos: usize| {
        let Some(item) = item_at(pos) else { return };
        active.set(Some(item));
        scroll_to(pos);
        focus_row(item);
    };
    let on_keydown = move |ev: KeyboardEvent| {
        if ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
            return;
        }
        let target = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
        let on_row = target
            .as_ref()
            .is_some_and(|t| t.get_attribute("role").as_deref() == Some("listitem"));
        if let Some(t) = &target {
            let typing = t.tag_name() == "TEXTAREA"
                || t.tag_name() == "SELECT"
                || (t.tag_name() == "INPUT"
                    && t.get_attribute("type").as_deref() != Some("checkbox"));
            if typing {
                return;
            }
        }
        let total = shown_count.get_untracked();
        if total == 0 {
            return;
        }
        let pos = tab_item
            .get_untracked()
            .and_then(|i| positions.with_untracked(|p| p.get(&i).copied()))
            .unwrap_or(0);
        let page = (viewport.get_untracked() / row_height()).max(1) as usize;
        let current = tab_item.get_untracked();
        match ev.key().as_str() {
            "ArrowDown" | "j" => move_to((pos + 1).min(total - 1)),
            "ArrowUp" | "k" => move_to(pos.saturating_sub(1)),
            "PageDown" => move_to((pos + page).min(total - 1)),
            "PageUp" => move_to(pos.saturating_sub(page)),
            "Home" => move_to(0),
            "End" => move_to(total - 1),
            "a" | "d" | "?" | "n" => {
                let decision = match ev.key().as_str() {
                    "a" => Decision::Approve,
                    "d" => Decision::Deny,
                    _ => Decision::DontKnow,
                };
                if let Some(item) = current {
                    active.set(Some(item));
                    decide.run((vec![item], decision));
                }
            }
            "u" => {
                if let Some(item) = current {
                    active.set(Some(item));
                    reset.run(vec![item]);
                }
            }
            "x" => {
                if let Some(item) = current {
                    toggle(selected, item);
                }
            }
            " " if on_row => {
                if let Some(item) = current {
                    toggle(selected, item);
                }
            }
            _ => return,
        }
        ev.prevent_default();
    };
    let on_list_focus = move |ev: ev::FocusEvent| {
        // Tab reached the list itself (the row that takes focus is scrolled away): go to it.
        let is_list = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|t| t.class_list().contains("rv-list"));
        if is_list {
            if let Some(pos) = tab_item
                .get_untracked()
                .and_then(|i| positions.with_untracked(|p| p.get(&i).copied()))
            {
                move_to(pos);
            }
        }
    };
    let list_tabindex = move || {
        let (from, to) = window.get();
        let rendered = tab_item
            .get()
            .and_then(|i| positions.with(|p| p.get(&i).copied()))
            .is_some_and(|p| p >= from && p < to);
        if rendered {
            "-1"
        } else {
            "0"
        }
    };

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
                    <button type="button" class="button" disabled=none_selected on:click=move |_| decide.run((chosen(), Decision::Approve))>
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
                {accept_dialog}
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
        <div
            class="rv-list"
            class:narrow=move || narrow.get()
            class:with-earlier=move || show_earlier.get()
            style:height=move || if narrow.get() { "75vh" } else { "min(70vh, 42rem)" }
            style:overflow-y="auto"
            style:position="relative"
            role="list"
            aria-label="Reviewees"
            aria-describedby="rv-keys"
            tabindex=list_tabindex
            node_ref=list_ref
            on:scroll=move |ev| {
                if let Some(el) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
                    scroll_top.set(el.scroll_top());
                }
            }
            on:keydown=on_keydown
            on:focus=on_list_focus
        >
            <div class="rv-spacer" style:position="relative" style:height=move || format!("{}px", shown_count.get() as i32 * row_height())>
                <div
                    class="rv-window"
                    style:position="absolute"
                    style:top="0"
                    style:left="0"
                    style:right="0"
                    style:transform=move || format!("translateY({}px)", window.get().0 as i32 * row_height())>
                    <For
                        each=visible
                        key=|row| (row.item, row.decision.as_ref().map(|d| (d.at.timestamp_micros(), d.decision.label(), d.reviewer.clone())))
                        children=move |row| row_view(row, state, me, RowContext { kind, as_of, shared_names }, show_earlier.get_untracked(), row_height())
                    />
                </div>
            </div>
        </div>
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

/// What every row of one reviewer page shares.
#[derive(Clone, Copy)]
struct RowContext {
    kind: Memo<ResourceKind>,
    /// When the recommendations were made (see [`recommendation_reasons`]).
    as_of: Memo<Option<DateTime<Utc>>>,
    shared_names: Memo<HashSet<String>>,
}

/// The reasons of a recommendation as shown and as their tooltip, dated when the review did
/// not start today: the days in them count from the review's start, while the row's "Last
/// sign-in … ago" counts from today. The date leads, so a clipped line still shows it.
fn recommendation_reasons(
    r: &Recommendation,
    as_of: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> (String, String) {
    let text = r.text();
    match as_of {
        Some(at) if at.date_naive() != now.date_naive() => {
            let day = rows::date(at);
            (
                format!("As of {day}: {text}"),
                format!("{text} (worked out when the review started, {day})"),
            )
        }
        _ => (text.clone(), text),
    }
}

fn row_view(
    row: ReviewerRow,
    state: ListState,
    me: Memo<String>,
    RowContext {
        kind,
        as_of,
        shared_names,
    }: RowContext,
    show_earlier: bool,
    height: i32,
) -> impl IntoView {
    let item = row.item;
    // What the row and its buttons are called: the name, with the sign-in name when shared.
    let name = if shared_names.with_untracked(|s| s.contains(&row.user_name)) {
        format!("{} ({})", row.user_name, row.user_principal_name)
    } else {
        row.user_name.clone()
    };
    let runtime = use_runtime();
    let now = runtime.now();
    let decision_now = row.decision.as_ref().map(|d| d.decision);
    let status = row.decision.as_ref().map(|d| {
        let reviewer_name = runtime
            .state
            .with_untracked(|s| s.directory.display_name(&d.reviewer).to_string());
        decision_text(d, &me.get_untracked(), &reviewer_name)
    });
    let decided = row.decision.is_some();
    let recommendation = match row.recommendation.clone() {
        None => view! { <span class="rv-sub">"No recommendation"</span> }.into_any(),
        Some(r) => {
            let label = format!("Recommended: {}", r.decision.label());
            let (reasons, title) = recommendation_reasons(&r, as_of.get_untracked(), now);
            let deny = r.decision == Decision::Deny;
            view! {
                <span class="rv-rec-label" class:deny=deny>{label}</span>
                <span class="rv-sub" title=title>{reasons}</span>
            }
            .into_any()
        }
    };
    let earlier = show_earlier.then(|| {
        let text = row
            .earlier
            .iter()
            .map(|e| format!("Stage {}: {} by {}", e.stage + 1, outcome_label(e.decision.decision), e.reviewer_name))
            .collect::<Vec<_>>()
            .join("; ");
        let text = if text.is_empty() { "No earlier decision".to_string() } else { text };
        view! { <div class="rv-cell rv-earlier"><span class="rv-sub" title=text.clone()>{text.clone()}</span></div> }
    });
    let guest =
        (row.user_type == UserType::Guest).then(|| view! { <span class="badge">"Guest"</span> });
    let access = access_text(&row, kind.get_untracked());
    // A review started today: counted from its start, as the recommendation's "signed in …"
    // is, so one row never shows two ages (an earlier start dates the recommendation).
    let since = as_of
        .get_untracked()
        .filter(|at| at.date_naive() == now.date_naive())
        .unwrap_or(now);
    let last = rows::last_sign_in(row.last_sign_in, since);
    let ListState {
        selected,
        active,
        errors,
        saving,
        positions,
        shown_count,
        tab_item,
        decide,
        reset,
        ..
    } = state;
    let error = move || errors.with(|e| e.get(&item).cloned());
    let is_saving = move || saving.with(|s| s.contains(&item));
    let status_line = {
        let status = status.clone();
        move || {
            if let Some(e) = error() {
                view! { <span class="rv-error" role="alert" title=e.clone()>{e.clone()}</span> }
                    .into_any()
            } else if is_saving() {
                view! { <span class="rv-saving">"Saving\u{2026}"</span> }.into_any()
            } else {
                match status.clone() {
                    Some(s) => {
                        view! { <span class="rv-decided" title=s.clone()>{s.clone()}</span> }
                            .into_any()
                    }
                    None => view! { <span class="rv-undecided">"Not reviewed"</span> }.into_any(),
                }
            }
        }
    };
    // Only the row that takes focus has its controls in the Tab order.
    let inner_tabindex = move || {
        if tab_item.get() == Some(item) {
            "0"
        } else {
            "-1"
        }
    };
    let user_name = name.clone();
    let button = move |decision: Decision, class: &'static str| {
        let label = format!("{} {}", decision.label(), user_name);
        view! {
            <button
                type="button"
                class=format!("button rv-{class}")
                aria-label=label
                aria-pressed=if decision_now == Some(decision) { "true" } else { "false" }
                tabindex=inner_tabindex
                on:click=move |_| {
                    active.set(Some(item));
                    decide.run((vec![item], decision));
                }
            >
                {decision.label()}
            </button>
        }
    };
    view! {
        <div
            role="listitem"
            id=row_id(item)
            class="rv-row"
            class:active=move || active.get() == Some(item)
            class:selected=move || selected.with(|s| s.contains(&item))
            class:failed=move || error().is_some()
            style:height=format!("{height}px")
            tabindex=move || if tab_item.get() == Some(item) { "0" } else { "-1" }
            aria-label=name.clone()
            aria-posinset=move || positions.with(|p| p.get(&item).map(|p| p + 1).unwrap_or(0))
            aria-setsize=move || shown_count.get()
            on:focusin=move |_| {
                if active.get_untracked() != Some(item) {
                    active.set(Some(item));
                }
            }
        >
            <div class="rv-cell rv-select">
                <input
                    type="checkbox"
                    tabindex=inner_tabindex
                    aria-label=format!("Select {name}")
                    prop:checked=move || selected.with(|s| s.contains(&item))
                    on:change=move |_| toggle(selected, item)
                />
            </div>
            <div class="rv-cell rv-who">
                <span class="rv-name">{row.user_name.clone()} " " {guest}</span>
                <span class="rv-sub" title=row.user_principal_name.clone()>{row.user_principal_name.clone()}</span>
            </div>
            <div class="rv-cell rv-access">
                <span>{access}</span>
                <span class="rv-sub">{last}</span>
            </div>
            <div class="rv-cell rv-rec">
                {recommendation}
            </div>
            {earlier}
            <div class="rv-cell rv-decision">
                <div class="rv-status">{status_line}</div>
                <div class="rv-buttons">
                    {button(Decision::Approve, "approve")}
                    {button(Decision::Deny, "deny")}
                    {button(Decision::DontKnow, "dont-know")}
                    <button
                        type="button"
                        class="button rv-undo"
                        aria-label=format!("Undo decision for {name}")
                        tabindex=inner_tabindex
                        disabled=!decided
                        on:click=move |_| {
                            active.set(Some(item));
                            reset.run(vec![item]);
                        }
                    >
                        "Undo"
                    </button>
                </div>
            </div>
        </div>
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
