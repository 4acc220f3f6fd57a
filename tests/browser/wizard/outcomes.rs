//! The preview's outcome simulation on Review + create: one table per scenario, a row per
//! stage of a multi-stage review, totals that follow the review's settings.

use super::*;

#[wasm_bindgen_test]
async fn preview_simulates_outcomes_before_launch() {
    let (app, _runtime) = open_wizard("/reviews/new").await;
    // Reduce burden: only Approved go on, no response removes access. If nobody responds,
    // nobody goes past stage 1 and everyone loses the access.
    apply_template(&app, Template::ReduceBurden).await;
    click_label(&app, "IT exception - local admin").await;
    for _ in 0..3 {
        click_button(&app, "Next").await;
    }
    on_step(&app, "Review + create").await;
    let number = |selector: &str| {
        app.root
            .query_selector(selector)
            .unwrap()
            .map(|e| text(&e).trim().parse::<usize>().unwrap())
            .unwrap_or_else(|| panic!("no {selector}"))
    };
    let reviewees = number("[data-figure='reviewees']");
    assert!(reviewees > 0, "the group has members");
    let table = |scenario: &str, figure: &str| {
        number(&format!(
            "[data-scenario='{scenario}'] [data-figure='{figure}']"
        ))
    };
    assert_eq!(table("nobody-responds", "removed"), reviewees);
    assert_eq!(table("nobody-responds", "kept"), 0);
    assert_eq!(
        table("accept-recommendations", "removed") + table("accept-recommendations", "kept"),
        reviewees
    );
    for scenario in ["nobody-responds", "accept-recommendations"] {
        let table = app
            .root
            .query_selector(&format!("[data-scenario='{scenario}'] table"))
            .unwrap()
            .expect("the scenario's table");
        let caption = text(&table.query_selector("caption").unwrap().expect("a caption"));
        assert!(caption.starts_with("If "), "{caption}");
        let rows: Vec<String> = (0..3)
            .map(|i| {
                text(
                    &table
                        .query_selector(&format!("tbody tr:nth-child({}) th[scope='row']", i + 1))
                        .unwrap()
                        .expect("a stage row"),
                )
            })
            .collect();
        assert_eq!(rows, ["Stage 1", "Stage 2", "Stage 3"]);
    }
}
