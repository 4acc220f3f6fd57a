//! Throttling failed administrator sign-ins per client address: after `max_failures`
//! wrong secrets within `window`, that address is refused (429 with Retry-After) until the
//! window has passed. Kept here rather than taken from a rate-limiting layer because it
//! counts failures only: a correct secret is never slowed down by others' successes.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// Addresses remembered at most; beyond this, those whose window has passed are forgotten.
const MAX_TRACKED: usize = 10_000;

pub struct Throttle {
    max_failures: u32,
    window: Duration,
    failures: Mutex<HashMap<IpAddr, (u32, DateTime<Utc>)>>,
}

impl Throttle {
    pub fn new(max_failures: u32, window: Duration) -> Throttle {
        Throttle {
            max_failures: max_failures.max(1),
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Err(seconds to wait) while `ip` has used up its failures.
    pub fn check(&self, ip: IpAddr, now: DateTime<Utc>) -> Result<(), u64> {
        let map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(&ip) {
            Some(&(n, since)) if n >= self.max_failures && now < since + self.window => {
                Err(((since + self.window - now).num_seconds() + 1).max(1) as u64)
            }
            _ => Ok(()),
        }
    }

    pub fn failed(&self, ip: IpAddr, now: DateTime<Utc>) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_TRACKED {
            let window = self.window;
            map.retain(|_, (_, since)| now < *since + window);
        }
        let entry = map.entry(ip).or_insert((0, now));
        if now >= entry.1 + self.window {
            *entry = (0, now);
        }
        entry.0 += 1;
    }

    pub fn succeeded(&self, ip: IpAddr) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&ip);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_lock_an_address_out_for_the_rest_of_its_window_only() {
        let t = Throttle::new(3, Duration::seconds(60));
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let t0 = Utc::now();
        for _ in 0..3 {
            assert_eq!(t.check(a, t0), Ok(()));
            t.failed(a, t0);
        }
        assert_eq!(t.check(a, t0 + Duration::seconds(10)), Err(51));
        assert_eq!(t.check(b, t0), Ok(()), "another address is not affected");
        assert_eq!(t.check(a, t0 + Duration::seconds(60)), Ok(()));
        t.failed(a, t0 + Duration::seconds(61));
        assert_eq!(
            t.check(a, t0 + Duration::seconds(61)),
            Ok(()),
            "a new window"
        );
        t.succeeded(a);
        assert_eq!(t.check(a, t0 + Duration::seconds(61)), Ok(()));
    }
}
