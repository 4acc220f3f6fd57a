//! Step 4, Review + Create: name, descriptions, the summary and the preview.

use super::*;

/// Step 4: name, descriptions, summary and preview.
#[component]
pub fn CreateStep() -> impl IntoView {
    let wizard = use_wizard();
    let runtime = use_runtime();
    // The preview depends on the shape of the review, not its name: typing the name must
    // not recompute it.
    let shape = Memo::new(move |_| {
        wizard.def.with(|d| {
            let mut d = d.clone();
            d.name.clear();
            d.description_for_admins.clear();
            d.description_for_reviewers.clear();
            d
        })
    });
    let summary_lines = Memo::new(move |_| {
        runtime
            .state
            .with(|s| shape.with(|d| summary(d, &s.directory)))
    });
    let preview = Memo::new(move |_| {
        let now = runtime.now();
        runtime.state.with(|s| {
            shape.with(|d| preview(d, &s.directory, d.schedule.start.max(start_of_day(now))))
        })
    });
    let reviewer_chars = move || {
        wizard
            .def
            .with(|d| d.description_for_reviewers.chars().count())
    };
    view! {
        <section class="card wizard-step-panel" aria-labelledby="step-heading">
            <h2 id="step-heading" tabindex="-1">"Review + create"</h2>
            <div class="field">
                <label for="wizard-name">"Review name"</label>
                <input
                    id="wizard-name"
                    type="text"
                    autocomplete="off"
                    prop:value=move || wizard.def.with(|d| d.name.clone())
                    on:input:target=move |ev| {
                        let name = ev.target().value();
                        wizard.update(|d| d.name = name);
                    }
                />
                <FieldErrors pattern="name" />
            </div>
            <div class="field">
                <label for="wizard-description-reviewers">"Description for reviewers"</label>
                <textarea
                    id="wizard-description-reviewers"
                    prop:value=move || wizard.def.with(|d| d.description_for_reviewers.clone())
                    on:input:target=move |ev| {
                        let text = ev.target().value();
                        wizard.update(|d| d.description_for_reviewers = text);
                    }
                ></textarea>
                <p class="hint">{move || format!("Shown in notifications. {} of {MAX_REVIEWER_DESCRIPTION} characters.", reviewer_chars())}</p>
                <FieldErrors pattern="descriptionForReviewers" />
            </div>
            <div class="field">
                <label for="wizard-description-admins">"Description for administrators"</label>
                <textarea
                    id="wizard-description-admins"
                    prop:value=move || wizard.def.with(|d| d.description_for_admins.clone())
                    on:input:target=move |ev| {
                        let text = ev.target().value();
                        wizard.update(|d| d.description_for_admins = text);
                    }
                ></textarea>
            </div>
            <FieldErrors pattern="id" />
        </section>
        <section class="card" aria-labelledby="summary-heading">
            <h2 id="summary-heading">"What will happen"</h2>
            <ul class="summary">
                {move || summary_lines.get().into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}
            </ul>
        </section>
        <PreviewCard preview=preview />
        <crate::ui::readiness::Readiness definition=shape />
    }
}

/// The preview of the first occurrence: instances, reviewers' load, fallbacks and denials
/// that could not be applied.
#[component]
pub(super) fn PreviewCard(preview: Memo<attest_engine::preview::Preview>) -> impl IntoView {
    const SHOWN: usize = 10;
    view! {
        <section class="card preview" aria-labelledby="preview-heading">
            <h2 id="preview-heading">"Preview"</h2>
            <p class="hint">"From the directory as it is now; each instance takes its own snapshot when it starts."</p>
            {move || {
                let p = preview.get();
                let occurrences = match p.occurrences {
                    Some(1) => "once".to_string(),
                    Some(n) => format!("{n} times"),
                    None => "until the series is ended".to_string(),
                };
                let loads = p.stage_one_reviewers.clone();
                let reviewers_count = loads.len();
                let fallback_nobody = p.unreviewable();
                view! {
                    <dl class="preview-figures">
                        <div><dt>"Review instances"</dt><dd data-figure="instances">{p.instances}</dd></div>
                        <div><dt>"Reviewees"</dt><dd data-figure="reviewees">{p.total_reviewees()}</dd></div>
                        <div><dt>"Stage 1 reviewers"</dt><dd data-figure="reviewers">{reviewers_count}</dd></div>
                        <div><dt>"Go to fallback reviewers"</dt><dd data-figure="fallback">{p.fallback.len()}</dd></div>
                        <div><dt>"Denial cannot be applied"</dt><dd data-figure="not-supported">{p.not_supported.len()}</dd></div>
                    </dl>
                    <p>{format!("One instance per resource, {occurrences}.")}</p>
                    <super::outcomes::OutcomeTables outcomes=p.outcomes.clone() stages=p.outcomes.nobody_responds.stages.len() />
                    {(!p.reviewees.is_empty()).then(|| view! {
                        <h3>"Reviewees per instance"</h3>
                        <ul>
                            {p.reviewees.iter().map(|(_, name, n)| view! { <li>{format!("{name}: {n}")}</li> }).collect_view()}
                        </ul>
                    })}
                    {(!loads.is_empty()).then(|| view! {
                        <h3>"Reviewees per stage 1 reviewer"</h3>
                        <div class="table-wrap">
                            <table>
                                <thead><tr><th scope="col">"Reviewer"</th><th scope="col">"Reviewees"</th></tr></thead>
                                <tbody>
                                    {loads.iter().take(SHOWN).map(|l| view! { <tr><td>{l.name.clone()}</td><td>{l.reviewees}</td></tr> }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        {(reviewers_count > SHOWN).then(|| view! { <p class="hint">{format!("and {} more reviewers", reviewers_count - SHOWN)}</p> })}
                    })}
                    {(!p.fallback.is_empty()).then(|| view! {
                        <h3>"Reviewees with no reviewer, who go to the fallback reviewers"</h3>
                        {(fallback_nobody > 0).then(|| view! {
                            <p class="error">{format!("{fallback_nobody} of them have no fallback reviewer either: nobody could review them. Add fallback reviewers on the Reviews step.")}</p>
                        })}
                        <ul>
                            {p.fallback.iter().take(SHOWN).map(|f| view! {
                                <li>{format!("Stage {}: {} ({}){}", f.stage + 1, f.item.user_name, f.item.resource_name, if f.nobody { " \u{2014} no fallback reviewer" } else { "" })}</li>
                            }).collect_view()}
                        </ul>
                        {(p.fallback.len() > SHOWN).then(|| view! { <p class="hint">{format!("and {} more", p.fallback.len() - SHOWN)}</p> })}
                    })}
                    {(!p.not_supported.is_empty()).then(|| view! {
                        <h3>"Denials that could not be applied"</h3>
                        <p class="hint">"Attest cannot remove this access; it has to change where it comes from."</p>
                        <ul>
                            {p.not_supported.iter().take(SHOWN).map(|u| view! {
                                <li>{format!("{} ({}): {}", u.item.user_name, u.item.resource_name, u.explanation)}</li>
                            }).collect_view()}
                        </ul>
                        {(p.not_supported.len() > SHOWN).then(|| view! { <p class="hint">{format!("and {} more", p.not_supported.len() - SHOWN)}</p> })}
                    })}
                }
            }}
        </section>
    }
}
