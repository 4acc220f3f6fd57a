//! The preview's outcome simulation: what the review would remove and keep "if nobody
//! responds" and "if everyone accepts the recommendations", per stage and in total, as one
//! table per scenario (figures from `attest_engine::simulate`).

use attest_engine::simulate::{Outcomes, Scenario, Simulation};

use crate::ui::components::TableRegion;

use super::*;

/// Both scenarios' tables under one heading.
#[component]
pub(super) fn OutcomeTables(
    /// The simulation of the first occurrence.
    outcomes: Outcomes,
    /// Stage count of the definition (per-stage rows only for a multi-stage review).
    stages: usize,
) -> impl IntoView {
    view! {
        <h3>"Outcome before launch"</h3>
        <p class="hint">"Accesses each scenario would remove or keep when the review ends, following \u{201c}If reviewers don\u{2019}t respond\u{201d} and \u{201c}Reviewees going to the next stage\u{201d}."</p>
        {Scenario::ALL.into_iter().map(|scenario| view! {
            <OutcomeTable scenario=scenario sim=outcomes.get(scenario).clone() stages=stages />
        }).collect_view()}
    }
}

#[component]
fn OutcomeTable(scenario: Scenario, sim: Simulation, stages: usize) -> impl IntoView {
    let slug = match scenario {
        Scenario::NobodyResponds => "nobody-responds",
        Scenario::AcceptRecommendations => "accept-recommendations",
    };
    let rows = if stages > 1 {
        sim.stages
            .iter()
            .enumerate()
            .map(|(i, s)| {
                view! {
                    <tr>
                        <th scope="row">{format!("Stage {}", i + 1)}</th>
                        <td>{s.reached}</td>
                        <td>{s.removed}</td>
                        <td>{s.kept}</td>
                        <td>{s.moved_on}</td>
                    </tr>
                }
            })
            .collect_view()
            .into_any()
    } else {
        ().into_any()
    };
    let reached = sim.stages.first().map_or(0, |s| s.reached);
    let not_supported = sim.removal_not_supported;
    view! {
        // The figures' box scrolls sideways at 360 px: focusable and named (TableRegion).
        <div class="outcome-table" data-scenario=slug>
            <TableRegion label=scenario.label()>
                <table>
                    <caption>{scenario.label()}</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Stage"</th>
                            <th scope="col">"In stage"</th>
                            <th scope="col">"Removed"</th>
                            <th scope="col">"Kept"</th>
                            <th scope="col">"Next stage"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                    <tfoot>
                        <tr>
                            <th scope="row">"Total"</th>
                            <td>{reached}</td>
                            <td data-figure="removed">{sim.removed()}</td>
                            <td data-figure="kept">{sim.kept()}</td>
                            <td>"\u{2014}"</td>
                        </tr>
                    </tfoot>
                </table>
            </TableRegion>
        </div>
        {(not_supported > 0).then(|| view! {
            <p class="hint">{format!("{not_supported} of the removals cannot be applied by Attest (see below): they have to be made where the access comes from.")}</p>
        })}
    }
}
