//! The confirmations before "Stop review" and "Stop current stage": modal dialogs that say
//! what will happen (how many reviewees are undecided, which stage ends, how many move on).
//! Focus handling is the shared one of `components::ConfirmDialog`.

use attest_engine::definition::NoResponse;
use attest_engine::preview::stop_review_preview;
use leptos::prelude::*;

use crate::runtime::use_runtime;
use crate::ui::components::ConfirmDialog;

#[component]
pub fn StopReviewDialog(
    id: String,
    /// Set to false to close (Cancel, Escape).
    open: RwSignal<bool>,
    /// Stop the review, with the reason typed (if any).
    on_confirm: Callback<Option<String>>,
) -> impl IntoView {
    let runtime = use_runtime();
    let reason = RwSignal::new(String::new());
    let text = runtime.state.with_untracked(|s| {
        let inst = s.instances.get(&id)?;
        let def = s.definition_of(inst);
        let p = stop_review_preview(s, inst);
        let undecided = format!(
            "{} reviewee(s) still have no decision in stage {}.",
            p.undecided_in_stage,
            inst.current_stage + 1
        );
        let effect = match p.no_response {
            NoResponse::NoChange => format!("{} reviewee(s) without a decision in the last stage they reached keep their access (no change).", p.without_standing_decision),
            NoResponse::RemoveAccess => format!("{} reviewee(s) without a decision in the last stage they reached will be denied: their access is removed when results are applied.", p.without_standing_decision),
            NoResponse::ApproveAccess => format!("{} reviewee(s) without a decision in the last stage they reached will be approved and keep their access.", p.without_standing_decision),
            NoResponse::TakeRecommendations => format!(
                "{} reviewee(s) without a decision in the last stage they reached take the recommendation: {} denied, {} approved, {} unchanged (no recommendation).",
                p.without_standing_decision, p.outcomes.denied, p.outcomes.approved, p.outcomes.not_reviewed
            ),
        };
        let apply = if def.settings.auto_apply {
            "Auto apply results to resource is on: the results are applied at once."
        } else {
            "No access changes until you select Apply results."
        };
        Some((undecided, format!("If reviewers don't respond: {}. {effect}", p.no_response.label()), apply))
    });
    let (undecided, effect, apply) = text.unwrap_or_default();
    let confirm = Callback::new(move |()| {
        let r = reason.get_untracked();
        on_confirm.run(Some(r).filter(|r| !r.trim().is_empty()));
    });
    view! {
        <ConfirmDialog title="Stop review?" confirm="Stop review" trigger="stop-review-trigger" open=open on_confirm=confirm>
            <p>"The review ends now for every reviewer. This cannot be undone."</p>
            <p>{undecided}</p>
            <p>{effect}</p>
            <p>{apply}</p>
            <div class="field">
                <label for="stop-reason">"Reason (recorded in the history)"</label>
                <textarea
                    id="stop-reason"
                    rows="2"
                    prop:value=move || reason.get()
                    on:input:target=move |ev| reason.set(ev.target().value())
                ></textarea>
            </div>
        </ConfirmDialog>
    }
}

/// The confirmation before "Stop current stage": which stage ends and what happens next.
#[component]
pub fn StopStageDialog(
    /// The stage that ends (0-based).
    stage: usize,
    /// What happens next, as the overview words it.
    outcome: String,
    /// Set to false to close (Cancel, Escape).
    open: RwSignal<bool>,
    on_confirm: Callback<()>,
) -> impl IntoView {
    view! {
        <ConfirmDialog
            title=format!("Stop stage {}?", stage + 1)
            confirm="Stop stage"
            trigger="stop-stage-trigger"
            open=open
            on_confirm=on_confirm
        >
            <p>{outcome}</p>
            <p>"Reviewers of this stage can no longer decide. This cannot be undone."</p>
        </ConfirmDialog>
    }
}
