//! Step 2, Reviews: stages with their reviewers, fallback reviewers and durations, and the
//! schedule (start, recurrence, end).

use super::*;

/// Step 2: stages, reviewers and the schedule.
#[component]
pub fn ReviewsStep() -> impl IntoView {
    let wizard = use_wizard();
    let stage_count = Memo::new(move |_| wizard.def.with(|d| d.stages.len()));
    let multi = Memo::new(move |_| stage_count.get() > 1);
    view! {
        <section class="card wizard-step-panel" aria-labelledby="step-heading">
            <h2 id="step-heading" tabindex="-1">"Reviews"</h2>
            <Check
                label="Multi-stage review"
                hint="Up to three stages of reviewers decide in turn; the last decision recorded for a reviewee is the one applied."
                checked=Signal::derive(move || multi.get())
                on_set=Callback::new(move |on: bool| wizard.update(|d| {
                    if on && d.stages.len() < 2 {
                        d.stages.push(new_stage());
                    } else if !on {
                        d.stages.truncate(1);
                    }
                }))
            />
            <FieldErrors pattern="stages" />
            {move || (0..stage_count.get()).map(|i| view! { <StageFields index=i /> }).collect_view()}
            <Show when=move || multi.get() && stage_count.get() < MAX_STAGES>
                <p>
                    <button type="button" class="button-secondary" on:click=move |_| wizard.update(|d| d.stages.push(new_stage()))>
                        "Add a stage"
                    </button>
                </p>
            </Show>
            <Show when=move || multi.get()>
                <Check
                    label="Show previous stage(s) decisions to later stage reviewers"
                    hint="Off: later stages review blind and see nothing of earlier decisions."
                    checked=Signal::derive(move || wizard.def.with(|d| d.show_previous_decisions))
                    on_set=Callback::new(move |on: bool| wizard.update(|d| d.show_previous_decisions = on))
                />
                <fieldset class="field">
                    <legend>"Reviewees going to the next stage"</legend>
                    <p class="hint">"The others keep their decision and leave the review."</p>
                    <Check
                        label="Select all"
                        checked=Signal::derive(move || wizard.def.with(|d| Outcome::ALL.iter().all(|o| d.decisions_to_next_stage.contains(o))))
                        on_set=Callback::new(move |on: bool| wizard.update(|d| {
                            d.decisions_to_next_stage = if on { Outcome::ALL.to_vec() } else { Vec::new() };
                        }))
                    />
                    {Outcome::ALL
                        .into_iter()
                        .map(|o| view! {
                            <Check
                                label=o.next_stage_label()
                                checked=Signal::derive(move || wizard.def.with(|d| d.decisions_to_next_stage.contains(&o)))
                                on_set=Callback::new(move |on: bool| wizard.update(|d| {
                                    let keep = |x: &Outcome| if *x == o { on } else { d.decisions_to_next_stage.contains(x) };
                                    d.decisions_to_next_stage = Outcome::ALL.into_iter().filter(keep).collect();
                                }))
                            />
                        })
                        .collect_view()}
                    <FieldErrors pattern="decisionsThatWillMoveToNextStage" />
                </fieldset>
            </Show>
            <FieldErrors pattern="showPreviousDecisions" />
            <ScheduleFields />
        </section>
    }
}

pub(super) fn new_stage() -> StageSettings {
    StageSettings {
        reviewers: Reviewers::Managers,
        fallback_reviewers: Vec::new(),
        duration_days: 7,
        recommendations: true,
    }
}

/// The reviewer kinds offered, as `<select>` values.
pub(super) fn reviewer_key(r: &Reviewers) -> &'static str {
    match r {
        Reviewers::Managers => "managers",
        Reviewers::ResourceOwners => "owners",
        Reviewers::SelectedUsers { .. } => "users",
        Reviewers::GroupMembers { .. } => "group",
        Reviewers::SelfReview => "self",
    }
}

pub(super) fn reviewers_from_key(key: &str) -> Option<Reviewers> {
    Some(match key {
        "managers" => Reviewers::Managers,
        "owners" => Reviewers::ResourceOwners,
        "users" => Reviewers::SelectedUsers { users: Vec::new() },
        "group" => Reviewers::GroupMembers {
            group: String::new(),
        },
        "self" => Reviewers::SelfReview,
        _ => return None,
    })
}

/// One stage: reviewers, fallback reviewers, duration, recommendations.
#[component]
pub(super) fn StageFields(index: usize) -> impl IntoView {
    let wizard = use_wizard();
    let runtime = use_runtime();
    let multi = Memo::new(move |_| wizard.def.with(|d| d.stages.len() > 1));
    let stage = Memo::new(move |_| wizard.def.with(|d| d.stages.get(index).cloned()));
    let kind = Memo::new(move |_| wizard.def.with(|d| d.scope.resource_kind));
    let update = move |f: Box<dyn FnOnce(&mut StageSettings)>| {
        wizard.update(|d| {
            if let Some(s) = d.stages.get_mut(index) {
                f(s);
            }
        })
    };
    // Labels carry the stage number only when there is more than one stage.
    let name = move |what: &str| {
        if multi.get() {
            format!("Stage {} {what}", index + 1)
        } else {
            let mut s = what.to_string();
            if let Some(first) = s.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            s
        }
    };
    let reviewers_id = format!("wizard-stage-{index}-reviewers");
    let duration_id = format!("wizard-stage-{index}-duration");
    let group_id = format!("wizard-stage-{index}-group");
    let field = move |f: &str| format!("stages[{index}].{f}");
    let key = Memo::new(move |_| {
        stage
            .get()
            .map(|s| reviewer_key(&s.reviewers))
            .unwrap_or("managers")
    });

    view! {
        <fieldset class="stage">
            <legend>{move || if multi.get() { format!("Stage {}", index + 1) } else { "Reviewers".to_string() }}</legend>
            <div class="field">
                <label for=reviewers_id.clone()>{move || name("reviewers")}</label>
                <select
                    id=reviewers_id
                    on:change:target=move |ev| {
                        if let Some(r) = reviewers_from_key(&ev.target().value()) {
                            update(Box::new(move |s| s.reviewers = r));
                        }
                    }
                >
                    <option value="managers" prop:selected=move || key.get() == "managers">"Managers of users"</option>
                    <Show when=move || kind.get() != ResourceKind::DirectoryRole || key.get() == "owners">
                        <option value="owners" prop:selected=move || key.get() == "owners">{move || kind.get().owners_label()}</option>
                    </Show>
                    <option value="users" prop:selected=move || key.get() == "users">"Select user(s)"</option>
                    <option value="group" prop:selected=move || key.get() == "group">"Members of a group"</option>
                    <option value="self" prop:selected=move || key.get() == "self">"Users review their own access"</option>
                </select>
                <FieldErrors pattern=field("reviewers") />
            </div>
            <Show when=move || key.get() == "users">
                <UserPicker
                    label=Signal::derive(move || name("selected reviewers")).get_untracked()
                    selected=Signal::derive(move || match stage.get().map(|s| s.reviewers) {
                        Some(Reviewers::SelectedUsers { users }) => users,
                        _ => Vec::new(),
                    })
                    on_change=Callback::new(move |users: Vec<String>| update(Box::new(move |s| s.reviewers = Reviewers::SelectedUsers { users })))
                />
            </Show>
            <Show when=move || key.get() == "group">
                <div class="field">
                    <label for=group_id.clone()>{move || name("reviewer group")}</label>
                    <select
                        id=group_id.clone()
                        on:change:target=move |ev| {
                            let group = ev.target().value();
                            update(Box::new(move |s| s.reviewers = Reviewers::GroupMembers { group }));
                        }
                    >
                        {move || {
                            let current = match stage.get().map(|s| s.reviewers) {
                                Some(Reviewers::GroupMembers { group }) => group,
                                _ => String::new(),
                            };
                            let mut groups: Vec<(String, String)> = runtime.state.with(|s| {
                                s.directory.groups.values().map(|g| (g.id.clone(), g.display_name.clone())).collect()
                            });
                            groups.sort_by(|a, b| a.1.cmp(&b.1));
                            let none_selected = current.is_empty();
                            view! {
                                <option value="" prop:selected=none_selected>"Choose a group"</option>
                                {groups
                                    .into_iter()
                                    .map(|(id, name)| {
                                        let selected = id == current;
                                        view! { <option value=id prop:selected=selected>{name}</option> }
                                    })
                                    .collect_view()}
                            }
                        }}
                    </select>
                    <p class="hint">"Every member of the group, including members of nested groups, reviews."</p>
                </div>
            </Show>
            <Show when=move || stage.get().is_some_and(|s| s.reviewers.may_be_empty())>
                <UserPicker
                    label=Signal::derive(move || name("fallback reviewers")).get_untracked()
                    hint="Asked to review when a user has no manager or the resource has no owner."
                    selected=Signal::derive(move || stage.get().map(|s| s.fallback_reviewers).unwrap_or_default())
                    on_change=Callback::new(move |users: Vec<String>| update(Box::new(move |s| s.fallback_reviewers = users)))
                    errors=field("fallbackReviewers")
                />
            </Show>
            <div class="field">
                <label for=duration_id.clone()>{move || name("duration (in days)")}</label>
                <input
                    id=duration_id
                    type="number"
                    min="1"
                    max="180"
                    inputmode="numeric"
                    prop:value=move || stage.get().map(|s| s.duration_days.to_string()).unwrap_or_default()
                    on:input:target=move |ev| {
                        let days = parse_number(&ev.target().value());
                        update(Box::new(move |s| s.duration_days = days));
                    }
                />
                <FieldErrors pattern=field("durationInDays") />
            </div>
            <Check
                label=Signal::derive(move || name("shows recommendations")).get_untracked()
                hint="Reviewers see Approve or Deny suggested, with the reason (sign-in activity, peers' access)."
                checked=Signal::derive(move || stage.get().is_some_and(|s| s.recommendations))
                on_set=Callback::new(move |on: bool| update(Box::new(move |s| s.recommendations = on)))
            />
            <Show when=move || multi.get()>
                <p>
                    <button
                        type="button"
                        class="button-secondary"
                        on:click=move |_| wizard.update(|d| {
                            if d.stages.len() > 1 {
                                d.stages.remove(index);
                            }
                        })
                    >
                        {format!("Remove stage {}", index + 1)}
                    </button>
                </p>
            </Show>
        </fieldset>
    }
}

/// Start date, recurrence and end.
#[component]
pub(super) fn ScheduleFields() -> impl IntoView {
    let wizard = use_wizard();
    let frequency = Memo::new(move |_| wizard.def.with(|d| d.schedule.frequency));
    let end = Memo::new(move |_| wizard.def.with(|d| d.schedule.end.clone()));
    let freq_key = |f: Frequency| format!("{f:?}");
    view! {
        <fieldset class="schedule">
            <legend>"Schedule"</legend>
            <div class="field">
                <label for="wizard-start">"Start date"</label>
                <input
                    id="wizard-start"
                    type="date"
                    prop:value=move || wizard.def.with(|d| date_value(d.schedule.start))
                    on:change:target=move |ev| {
                        if let Some(at) = parse_date(ev.target().value().trim()) {
                            wizard.update(|d| d.schedule.start = at);
                        }
                    }
                />
                <p class="hint">"Dates are in UTC. A review that starts today starts when you create it."</p>
            </div>
            <div class="field">
                <label for="wizard-frequency">"Review recurrence"</label>
                <select
                    id="wizard-frequency"
                    on:change:target=move |ev| {
                        let value = ev.target().value();
                        if let Some(f) = FREQUENCIES.into_iter().find(|f| freq_key(*f) == value) {
                            wizard.update(|d| d.schedule.frequency = f);
                        }
                    }
                >
                    {FREQUENCIES
                        .into_iter()
                        .map(|f| view! { <option value=freq_key(f) prop:selected=move || frequency.get() == f>{f.label()}</option> })
                        .collect_view()}
                </select>
                <p class="hint">
                    {move || match frequency.get().max_duration_days() {
                        Some(max) => format!("The stages together last at most {max} days, so each review ends before the next one starts."),
                        None => "Runs once.".to_string(),
                    }}
                </p>
                <FieldErrors pattern="stages.durationInDays" />
            </div>
            <Show when=move || frequency.get() != Frequency::OneTime>
                <fieldset class="field">
                    <legend>"End"</legend>
                    <Radio
                        name="wizard-end"
                        label="Never"
                        checked=Signal::derive(move || end.get() == ScheduleEnd::Never)
                        on_pick=Callback::new(move |_| wizard.update(|d| d.schedule.end = ScheduleEnd::Never))
                    />
                    <Radio
                        name="wizard-end"
                        label="End on specific date"
                        checked=Signal::derive(move || matches!(end.get(), ScheduleEnd::OnDate { .. }))
                        on_pick=Callback::new(move |_| wizard.update(|d| {
                            let date = d.schedule.start + chrono::Duration::days(365);
                            d.schedule.end = ScheduleEnd::OnDate { date };
                        }))
                    />
                    <Radio
                        name="wizard-end"
                        label="End after number of occurrences"
                        checked=Signal::derive(move || matches!(end.get(), ScheduleEnd::AfterOccurrences { .. }))
                        on_pick=Callback::new(move |_| wizard.update(|d| d.schedule.end = ScheduleEnd::AfterOccurrences { count: 4 }))
                    />
                    {move || match end.get() {
                        ScheduleEnd::OnDate { date } => view! {
                            <div class="field indent">
                                <label for="wizard-end-date">"End date"</label>
                                <input
                                    id="wizard-end-date"
                                    type="date"
                                    prop:value=date_value(date)
                                    on:change:target=move |ev| {
                                        if let Some(date) = parse_date(ev.target().value().trim()) {
                                            wizard.update(|d| d.schedule.end = ScheduleEnd::OnDate { date });
                                        }
                                    }
                                />
                            </div>
                        }
                        .into_any(),
                        ScheduleEnd::AfterOccurrences { count } => view! {
                            <div class="field indent">
                                <label for="wizard-occurrences">"Number of occurrences"</label>
                                <input
                                    id="wizard-occurrences"
                                    type="number"
                                    min="1"
                                    inputmode="numeric"
                                    prop:value=count.to_string()
                                    on:input:target=move |ev| {
                                        let count = parse_number(&ev.target().value());
                                        wizard.update(|d| d.schedule.end = ScheduleEnd::AfterOccurrences { count });
                                    }
                                />
                            </div>
                        }
                        .into_any(),
                        ScheduleEnd::Never => ().into_any(),
                    }}
                    <FieldErrors pattern="schedule.end" />
                </fieldset>
            </Show>
            <Show when=move || frequency.get() == Frequency::OneTime>
                <FieldErrors pattern="schedule.end" />
            </Show>
        </fieldset>
    }
}
