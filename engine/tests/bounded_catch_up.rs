//! Bounded catch-up: when the clock has missed several periods of a recurring review (it was
//! created to start far in the past, or nothing ran for weeks), one `AdvanceTime` starts
//! only the latest due occurrence; the missed ones are skipped, never built.

mod support;

use attest_engine::definition::*;
use attest_engine::directory::ResourceKind;
use attest_engine::event::Event;
use attest_engine::Command;
use support::*;

fn weekly(start_weeks_ago: i64) -> (Sim, ReviewDefinition) {
    let mut def = definition("weekly", ResourceKind::Group, "g-exception");
    def.schedule = Schedule {
        start: t0(),
        frequency: Frequency::Weekly,
        end: ScheduleEnd::Never,
    };
    def.stages[0].duration_days = 5;
    let mut sim = Sim::new(tenant());
    sim.now = t0() + days(7 * start_weeks_ago) + chrono::Duration::hours(1);
    (sim, def)
}

#[test]
fn a_review_started_far_in_the_past_builds_only_the_current_occurrence() {
    // (weeks since its start, the occurrence that runs)
    for (weeks, current) in [(0, 0u32), (1, 1), (52, 52)] {
        let (mut sim, def) = weekly(weeks);
        sim.ok(
            &admin(),
            Command::CreateReview {
                definition: Box::new(def),
            },
        );
        sim.advance(chrono::Duration::zero());
        let started: Vec<(u32, String)> = sim
            .log
            .iter()
            .flat_map(|r| &r.events)
            .filter_map(|e| match e {
                Event::InstanceStarted { instance } => {
                    Some((instance.occurrence, instance.id.clone()))
                }
                _ => None,
            })
            .collect();
        assert_eq!(
            started,
            [(current, format!("weekly~{current}~g-exception"))],
            "{weeks} weeks back"
        );
        let inst = &sim.state.instances[&started[0].1];
        // Its scheduled start was an hour earlier the same day, so it starts at creation
        // (start_time.rs has the earlier-day case, stamped with its scheduled time).
        assert_eq!(inst.started, sim.now, "started at creation");
        assert!(
            inst.is_open(),
            "{weeks} weeks back: the current occurrence is open"
        );
        // The next week starts the next occurrence as usual.
        sim.advance(days(7));
        assert!(
            sim.state
                .instances
                .contains_key(&format!("weekly~{}~g-exception", current + 1)),
            "{weeks} weeks back: the series goes on"
        );
    }
}
