//! The server's clock: the system time plus an offset that tests move forward (the same
//! idea as the app's `skip`), so stage deadlines and token expiry are testable.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst))
    }

    /// Move this clock (and every handle cloned from it) forward.
    pub fn skip(&self, by: Duration) {
        self.offset_ms
            .fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }
}

pub fn millis_now() -> i64 {
    Utc::now().timestamp_millis()
}
