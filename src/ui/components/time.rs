//! Dates and times as the reader reads them: in the browser's locale and time zone, with the
//! zone named. The engine keeps UTC; only the screen converts.

use chrono::{DateTime, Utc};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Intl, js_name = DateTimeFormat)]
    type Formatter;
    #[wasm_bindgen(constructor, js_namespace = Intl, js_class = "DateTimeFormat")]
    fn new(locales: &JsValue, options: &JsValue) -> Formatter;
    #[wasm_bindgen(method)]
    fn format(this: &Formatter, date: &js_sys::Date) -> String;
}

fn formatter(fields: &[(&str, &str)]) -> Formatter {
    let options = js_sys::Object::new();
    for (k, v) in fields {
        let _ = js_sys::Reflect::set(&options, &(*k).into(), &(*v).into());
    }
    // `undefined` locales: the reader's own.
    Formatter::new(&JsValue::UNDEFINED, &options)
}

thread_local! {
    // Made once: a formatter costs far more to build than to use (History draws 500 rows).
    static MOMENT: Formatter = formatter(&[
        ("year", "numeric"), ("month", "short"), ("day", "numeric"),
        ("hour", "2-digit"), ("minute", "2-digit"), ("timeZoneName", "short"),
    ]);
    static DAY: Formatter = formatter(&[("year", "numeric"), ("month", "short"), ("day", "numeric")]);
}

fn js_date(at: DateTime<Utc>) -> js_sys::Date {
    js_sys::Date::new(&JsValue::from_f64(at.timestamp_millis() as f64))
}

/// A moment with date, time and zone: "5 Dec 2026, 14:21 CET".
pub fn local_time(at: DateTime<Utc>) -> String {
    MOMENT.with(|f| f.format(&js_date(at)))
}

/// The day a moment falls on, where the reader is: "5 Dec 2026".
pub fn local_day(at: DateTime<Utc>) -> String {
    DAY.with(|f| f.format(&js_date(at)))
}

/// Text with every UTC timestamp the engine writes (`2026-12-05T00:00:00Z`, as in message
/// texts) shown as [`local_time`]. Anything else is left as it is.
pub fn localize_timestamps(text: &str) -> String {
    localize_with(text, local_time)
}

/// [`localize_timestamps`] with the formatting passed in, so the scan can be checked alone.
pub fn localize_with(text: &str, show: impl Fn(DateTime<Utc>) -> String) -> String {
    const LEN: usize = "2026-12-05T00:00:00Z".len();
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(t) = rest.find('T') {
        // A timestamp has its 'T' 10 bytes in; look at the 20 bytes around this one.
        let start = t.saturating_sub(10);
        let candidate = (t >= 10)
            .then(|| rest.get(start..start + LEN))
            .flatten()
            .filter(|c| c.ends_with('Z'))
            .and_then(|c| DateTime::parse_from_rfc3339(c).ok());
        match candidate {
            Some(at) => {
                out.push_str(&rest[..start]);
                out.push_str(&show(at.with_timezone(&Utc)));
                rest = &rest[start + LEN..];
            }
            None => {
                out.push_str(&rest[..=t]);
                rest = &rest[t + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

// Date fields and the few fixed-form dates below are written and read by hand: chrono's
// `format("%…")` / `parse_from_str` bring its strftime machinery (≈ 12 KB) into the
// reviewer bundle for three uses.

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The UTC day of `at` as a date field's value: "2026-12-05" (as `%Y-%m-%d`).
pub fn date_value(at: DateTime<Utc>) -> String {
    use chrono::Datelike;
    format!("{:04}-{:02}-{:02}", at.year(), at.month(), at.day())
}

/// A date field's value (`YYYY-MM-DD`: a year of up to four digits, month and day of one or
/// two, as `%Y-%m-%d` reads it) as a date; `None` for anything else or a day that does not
/// exist.
pub fn parse_date_value(value: &str) -> Option<chrono::NaiveDate> {
    let mut parts = value.split('-');
    let mut number = |max_len: usize| {
        let p = parts.next()?;
        (!p.is_empty() && p.len() <= max_len && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse::<u32>().ok())
            .flatten()
    };
    let (year, month, day) = (number(4)?, number(2)?, number(2)?);
    if parts.next().is_some() {
        return None;
    }
    chrono::NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

/// The UTC day of `at` written out: " 5 December 2026" (as `%e %B %Y`: the day padded to
/// two places with a space, the year to four digits).
pub fn long_day(at: DateTime<Utc>) -> String {
    use chrono::Datelike;
    format!(
        "{:>2} {} {:04}",
        at.day(),
        MONTHS[at.month0() as usize],
        at.year()
    )
}
