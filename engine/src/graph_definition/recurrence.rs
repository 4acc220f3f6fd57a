//! Import of the recurrence: pattern, range and a one-time review's end.

use super::*;

impl Reader<'_> {
    pub(super) fn recurrence(&mut self, v: &Value, def: &mut ReviewDefinition) {
        const AT: &str = "$.settings.recurrence";
        if let Value::Object(o) = v {
            for (k, val) in o {
                if !["pattern", "range"].contains(&k.as_str()) && !val.is_null() {
                    self.issue(format!("{AT}.{k}"), "not supported by Attest; ignored");
                }
            }
        }
        let range = v.get("range").filter(|r| r.is_object());
        // The start first: a pattern's day of month or weekday moves it.
        if let Some(sd) = range.and_then(|r| s(r, "startDate")) {
            match crate::import::parse_date(sd) {
                Some(at) => def.schedule.start = at,
                None => self.issue(
                    format!("{AT}.range.startDate"),
                    format!("\"{sd}\" is not a date"),
                ),
            }
        }
        if let Some(p) = v.get("pattern").filter(|p| !p.is_null()) {
            self.pattern(p, def);
        }
        let Some(range) = range else {
            return;
        };
        let rp = format!("{AT}.range");
        for (k, val) in range.as_object().into_iter().flatten() {
            let known = ["type", "startDate", "endDate", "numberOfOccurrences"];
            if k == "recurrenceTimeZone" && !val.is_null() {
                self.issue(
                    format!("{rp}.{k}"),
                    "Attest keeps times in UTC; the time zone is not used",
                );
            } else if !known.contains(&k.as_str()) && k != "recurrenceTimeZone" && !val.is_null() {
                self.issue(format!("{rp}.{k}"), "not supported by Attest; ignored");
            }
        }
        // Graph writes 9999-12-31 (or null, or even "null") for a series without an end.
        let end = match range.get("endDate") {
            None | Some(Value::Null) => None,
            Some(Value::String(e)) if e == "null" || e.is_empty() => None,
            Some(e) => match e.as_str().and_then(crate::import::parse_date) {
                Some(d) if d.year() >= 9999 => None,
                Some(d) => Some(d),
                None => {
                    self.issue(
                        format!("{rp}.endDate"),
                        format!("{e} is not a date; ignored"),
                    );
                    None
                }
            },
        };
        let count = range
            .get("numberOfOccurrences")
            .and_then(Value::as_u64)
            .unwrap_or(0) as u32;
        let kind = s(range, "type");
        let sched = &mut def.schedule;
        if sched.frequency == Frequency::OneTime {
            sched.end = ScheduleEnd::Never;
            if count > 1 {
                self.issue(
                    format!("{rp}.numberOfOccurrences"),
                    "a review without a repeat pattern runs once",
                );
            }
            if let Some(end) = end {
                self.one_time_end(end, def);
            }
            return;
        }
        sched.end = match kind {
            Some("noEnd") => {
                if end.is_some() {
                    self.issue(
                        format!("{rp}.endDate"),
                        "the range has no end (type noEnd); the end date is not used",
                    );
                }
                ScheduleEnd::Never
            }
            Some("endDate") => match end {
                Some(date) => ScheduleEnd::OnDate { date },
                None => {
                    self.issue(
                        format!("{rp}.endDate"),
                        "missing or not a date: the series has no end",
                    );
                    ScheduleEnd::Never
                }
            },
            // numbered, or no type: a count when there is one, else the end date.
            Some("numbered") | None => match (count, end) {
                (0, Some(date)) => ScheduleEnd::OnDate { date },
                (0, None) => ScheduleEnd::Never,
                (n, end) => {
                    if end.is_some() {
                        self.issue(format!("{rp}.endDate"), format!("Attest ends the series after {n} occurrences; the end date is not used"));
                    }
                    ScheduleEnd::AfterOccurrences { count: n }
                }
            },
            Some(other) => {
                self.issue(
                    format!("{rp}.type"),
                    format!("\"{other}\" is not noEnd, endDate or numbered: the series has no end"),
                );
                ScheduleEnd::Never
            }
        };
        if count > 0 && kind != Some("numbered") && kind.is_some() {
            self.issue(
                format!("{rp}.numberOfOccurrences"),
                format!(
                    "the range is of type {}; the count is not used",
                    kind.unwrap_or_default()
                ),
            );
        }
    }

    /// A one-time review's end date is the end of the review: it sets a single stage's
    /// length when the JSON gives none, and must agree with the length otherwise.
    pub(super) fn one_time_end(&mut self, end: DateTime<Utc>, def: &mut ReviewDefinition) {
        let start = def.schedule.start;
        let secs = (end - start).num_seconds();
        let days = u32::try_from((secs + 86_399) / 86_400).unwrap_or(0);
        let path = "$.settings.recurrence.range.endDate";
        if days == 0 {
            self.issue(path, "the end date is not after the start date; not used");
            return;
        }
        if def.duration_days() == days {
            return;
        }
        match def.stages.as_mut_slice() {
            [only] if only.duration_days == 0 || self.no_instance_duration => only.duration_days = days,
            _ => self.issue(path, format!("the review lasts {} days as its duration says, so it ends {}, not on this date", def.duration_days(), (start + chrono::Duration::days(i64::from(def.duration_days()))).format("%Y-%m-%d"))),
        }
    }

    /// Reads `pattern`: the frequency, and the day of month or weekday, which moves the start
    /// forward as Entra does; what Attest cannot repeat by is reported.
    pub(super) fn pattern(&mut self, p: &Value, def: &mut ReviewDefinition) {
        let at = "$.settings.recurrence.pattern";
        let kind = s(p, "type").unwrap_or_default();
        let interval = p.get("interval").and_then(Value::as_u64).unwrap_or(1);
        let sched = &mut def.schedule;
        sched.frequency = match (kind, interval) {
            ("weekly", 1) => Frequency::Weekly,
            ("absoluteMonthly" | "relativeMonthly", 1) => Frequency::Monthly,
            ("absoluteMonthly" | "relativeMonthly", 3) => Frequency::Quarterly,
            ("absoluteMonthly" | "relativeMonthly", 6) => Frequency::SemiAnnually,
            ("absoluteMonthly" | "relativeMonthly", 12)
            | ("absoluteYearly" | "relativeYearly", 1) => Frequency::Annually,
            _ => {
                self.issue(at, format!("Attest repeats weekly, monthly, quarterly, semi-annually or annually; \"{kind}\" every {interval} is none of these, so the review runs once"));
                Frequency::OneTime
            }
        };
        if sched.frequency == Frequency::OneTime {
            return;
        }
        if kind.starts_with("relative") {
            self.issue(format!("{at}.type"), format!("Attest repeats on the start date's day, not on a weekday of the month ({kind}); the review repeats from the start date"));
        }
        let day = p.get("dayOfMonth").and_then(Value::as_u64).unwrap_or(0) as u32;
        if kind.starts_with("absolute") && day != 0 {
            match next_day_of_month(sched.start, day) {
                Some(at) => sched.start = at,
                None => self.issue(
                    format!("{at}.dayOfMonth"),
                    format!("{day} is not a day of the month; ignored"),
                ),
            }
        }
        let month = p.get("month").and_then(Value::as_u64).unwrap_or(0) as u32;
        if kind == "absoluteYearly" && month != 0 && month != sched.start.month() {
            self.issue(format!("{at}.month"), format!("Attest repeats a yearly review in the start date's month ({}); month {month} is not used", sched.start.month()));
        }
        let days: Vec<&str> = p
            .get("daysOfWeek")
            .and_then(Value::as_array)
            .map(|d| d.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if kind == "weekly" {
            match days.as_slice() {
                [] => {}
                [one] => match weekday(one) {
                    Some(wd) => {
                        while sched.start.weekday() != wd {
                            sched.start += chrono::Duration::days(1);
                        }
                    }
                    None => self.issue(format!("{at}.daysOfWeek[0]"), format!("\"{one}\" is not a weekday; ignored")),
                },
                _ => self.issue(format!("{at}.daysOfWeek"), "Attest repeats once a week, on the start date's weekday; only the first day is used"),
            }
        }
    }
}
