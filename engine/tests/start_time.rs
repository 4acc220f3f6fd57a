//! When a review created today starts: at creation, not at the midnight its start date
//! stands for, so its stage counts its days from then. Earlier days keep their scheduled
//! time (catch-up); later ones start when the clock reaches them.

mod support;

use attest_engine::directory::ResourceKind;
use attest_engine::Command;
use chrono::{DateTime, Duration, TimeZone, Utc};
use support::*;

fn at(h: u32, m: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, day, h, m, 0).unwrap()
}

#[test]
fn a_review_starts_at_creation_when_its_start_date_is_today() {
    // (start the definition names, the moment it is created, when stage 1 starts)
    let cases = [
        (
            "today at midnight, created 14:21",
            at(0, 0, 5),
            at(14, 21, 5),
            at(14, 21, 5),
        ),
        (
            "today at 09:00, created 14:21",
            at(9, 0, 5),
            at(14, 21, 5),
            at(14, 21, 5),
        ),
        (
            "yesterday, created 14:21",
            at(0, 0, 4),
            at(14, 21, 5),
            at(0, 0, 4),
        ),
        (
            "tomorrow, created 14:21",
            at(0, 0, 6),
            at(14, 21, 5),
            at(0, 0, 6),
        ),
    ];
    for (case, start, created, expected) in cases {
        let mut def = definition("once", ResourceKind::Group, "g-exception");
        def.schedule.start = start;
        def.stages[0].duration_days = 3;
        let mut sim = Sim::new(tenant());
        sim.now = created;
        sim.ok(
            &admin(),
            Command::CreateReview {
                definition: Box::new(def),
            },
        );
        sim.advance(Duration::days(1));
        let inst = sim
            .state
            .instances
            .values()
            .next()
            .unwrap_or_else(|| panic!("{case}: an instance started"));
        assert_eq!(inst.started, expected, "{case}: started");
        assert_eq!(
            inst.stages[0].deadline,
            Some(expected + Duration::days(3)),
            "{case}: the deadline counts from the start"
        );
    }
}
