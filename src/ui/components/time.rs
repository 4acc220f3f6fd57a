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
