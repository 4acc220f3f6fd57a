//! `attest export DIR`: the server's reviews as code and their results — every created
//! review's definition as Graph `accessReviewScheduleDefinition` JSON (what `plan` reads
//! back unchanged) and every instance's results as Graph-named JSON and UTF-8 CSV.

use std::path::Path;

use attest_engine::evidence::{results_csv, results_json};
use attest_engine::graph_definition::export_definition;
use attest_engine::State;
use chrono::{DateTime, Utc};

/// A file name from an id: ids may hold `~` and other characters, names keep letters,
/// digits, `-`, `_` and `.`; anything else becomes `_`.
fn file_name(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Write `DIR/definitions/*.json` and `DIR/results/*.{json,csv}`; returns the counts.
pub fn export(dir: &Path, state: &State, now: DateTime<Utc>) -> Result<(usize, usize), String> {
    let definitions = dir.join("definitions");
    let results = dir.join("results");
    for d in [&definitions, &results] {
        std::fs::create_dir_all(d)
            .map_err(|e| format!("{}: cannot create the folder: {e}", d.display()))?;
    }
    let write = |path: &Path, text: String| {
        std::fs::write(path, text).map_err(|e| format!("{}: cannot write it: {e}", path.display()))
    };
    for review in state.reviews.values() {
        let d = &review.definition;
        let json = serde_json::to_string_pretty(&export_definition(d))
            .map_err(|e| format!("review {}: {e}", d.id))?;
        write(
            &definitions.join(format!("{}.json", file_name(&d.id))),
            json + "\n",
        )?;
    }
    for inst in state.instances.values() {
        let name = file_name(&inst.id);
        let json = serde_json::to_string_pretty(&results_json(state, inst, now))
            .map_err(|e| format!("instance {}: {e}", inst.id))?;
        write(&results.join(format!("{name}.json")), json + "\n")?;
        write(
            &results.join(format!("{name}.csv")),
            results_csv(state, inst, now),
        )?;
    }
    Ok((state.reviews.len(), state.instances.len()))
}
