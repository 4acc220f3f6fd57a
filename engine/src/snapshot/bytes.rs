//! The primitives of the snapshot layout: varints, length-prefixed text, timestamps,
//! embedded JSON; the reader remembers where and why it stopped.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{SnapshotError, VERSION};

pub(super) struct Writer {
    pub(super) out: Vec<u8>,
    /// The layout being written: always [`VERSION`] outside tests, which also write older
    /// layouts to prove they still read.
    pub(super) layout: u32,
}

impl Writer {
    pub(super) fn uint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.out.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.out.push(v as u8);
    }

    pub(super) fn int(&mut self, v: i64) {
        self.uint(((v << 1) ^ (v >> 63)) as u64);
    }

    pub(super) fn byte(&mut self, v: u8) {
        self.out.push(v);
    }

    pub(super) fn bool(&mut self, v: bool) {
        self.out.push(u8::from(v));
    }

    pub(super) fn str(&mut self, s: &str) {
        self.uint(s.len() as u64);
        self.out.extend_from_slice(s.as_bytes());
    }

    pub(super) fn opt_str(&mut self, s: &Option<String>) {
        match s {
            None => self.byte(0),
            Some(s) => {
                self.byte(1);
                self.str(s);
            }
        }
    }

    pub(super) fn strs(&mut self, list: &[String]) {
        self.uint(list.len() as u64);
        for s in list {
            self.str(s);
        }
    }

    pub(super) fn time(&mut self, at: &DateTime<Utc>) {
        self.int(at.timestamp());
        self.uint(u64::from(at.timestamp_subsec_nanos()));
    }

    pub(super) fn opt_time(&mut self, at: &Option<DateTime<Utc>>) {
        match at {
            None => self.byte(0),
            Some(at) => {
                self.byte(1);
                self.time(at);
            }
        }
    }

    pub(super) fn json<T: Serialize>(&mut self, value: &T) {
        let text = serde_json::to_vec(value).expect("engine values always serialize");
        self.uint(text.len() as u64);
        self.out.extend_from_slice(&text);
    }
}

pub(super) struct Reader<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) pos: usize,
    /// Where and why reading stopped; the readers return only the marker [`Damaged`], so the
    /// hot path passes a byte, not an error with text, back up each call.
    failure: std::cell::RefCell<Option<SnapshotError>>,
    /// The layout version the header named.
    pub(super) version: u64,
}

/// Reading failed; the reader's `failure` says where and why.
#[derive(Debug)]
pub(super) struct Damaged;

impl<'a> Reader<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Reader {
            bytes,
            pos: 0,
            failure: Default::default(),
            version: u64::from(VERSION),
        }
    }

    #[cold]
    #[inline(never)]
    pub(super) fn error_at(&self, at: usize, what: impl Into<String>) -> Damaged {
        *self.failure.borrow_mut() = Some(SnapshotError {
            at,
            what: what.into(),
        });
        Damaged
    }

    pub(super) fn error(&self, what: impl Into<String>) -> Damaged {
        self.error_at(self.pos, what)
    }

    /// The outcome of `read` with the failure, if any, as the public error.
    pub(super) fn finish<T>(self, read: Result<T, Damaged>) -> Result<T, SnapshotError> {
        read.map_err(|Damaged| {
            self.failure.into_inner().unwrap_or(SnapshotError {
                at: 0,
                what: "unreadable".into(),
            })
        })
    }

    pub(super) fn take(&mut self, n: usize) -> Result<&'a [u8], Damaged> {
        match self.pos.checked_add(n) {
            Some(end) if end <= self.bytes.len() => {
                let part = &self.bytes[self.pos..end];
                self.pos = end;
                Ok(part)
            }
            _ => Err(self.error("it ends too early")),
        }
    }

    /// The first bytes: `magic` (else `not_it`), then a layout version this code knows.
    pub(super) fn header(&mut self, magic: &[u8; 4], not_it: &str) -> Result<(), Damaged> {
        if self.take(magic.len())? != magic {
            return Err(self.error_at(0, not_it));
        }
        let version = self.uint()?;
        if !(1..=u64::from(VERSION)).contains(&version) {
            return Err(self.error_at(4, format!("layout version {version} is not known")));
        }
        self.version = version;
        Ok(())
    }

    pub(super) fn byte(&mut self) -> Result<u8, Damaged> {
        let b = *self
            .bytes
            .get(self.pos)
            .ok_or_else(|| self.error("it ends too early"))?;
        self.pos += 1;
        Ok(b)
    }

    /// A one-byte code below `limit`, naming `what` it codes when it is not.
    pub(super) fn code(&mut self, limit: u8, what: &str) -> Result<u8, Damaged> {
        let at = self.pos;
        let b = self.byte()?;
        if b < limit {
            Ok(b)
        } else {
            Err(self.error_at(at, format!("{b} is not a {what}")))
        }
    }

    pub(super) fn bool(&mut self) -> Result<bool, Damaged> {
        Ok(self.code(2, "yes/no value")? == 1)
    }

    pub(super) fn uint(&mut self) -> Result<u64, Damaged> {
        let at = self.pos;
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err(self.error_at(at, "a number is too long"))
    }

    pub(super) fn int(&mut self) -> Result<i64, Damaged> {
        let v = self.uint()?;
        Ok(((v >> 1) as i64) ^ -((v & 1) as i64))
    }

    pub(super) fn u32(&mut self) -> Result<u32, Damaged> {
        let at = self.pos;
        u32::try_from(self.uint()?).map_err(|_| self.error_at(at, "a number is too large"))
    }

    /// A count of things that follow; each takes at least one byte, so a count larger than
    /// what is left is damage (and never a huge allocation).
    pub(super) fn len(&mut self) -> Result<usize, Damaged> {
        let at = self.pos;
        let n = self.uint()?;
        if n > (self.bytes.len() - self.pos) as u64 {
            return Err(self.error_at(at, format!("a count of {n} is more than the bytes left")));
        }
        Ok(n as usize)
    }

    pub(super) fn string(&mut self) -> Result<String, Damaged> {
        let n = self.len()?;
        let at = self.pos;
        let raw = self.take(n)?;
        std::str::from_utf8(raw)
            .map(str::to_owned)
            .map_err(|_| self.error_at(at, "text that is not UTF-8"))
    }

    pub(super) fn opt_string(&mut self) -> Result<Option<String>, Damaged> {
        Ok(match self.bool()? {
            false => None,
            true => Some(self.string()?),
        })
    }

    pub(super) fn strings(&mut self) -> Result<Vec<String>, Damaged> {
        let n = self.len()?;
        let mut list = Vec::with_capacity(n);
        for _ in 0..n {
            list.push(self.string()?);
        }
        Ok(list)
    }

    pub(super) fn time(&mut self) -> Result<DateTime<Utc>, Damaged> {
        let at = self.pos;
        let secs = self.int()?;
        let nanos = self.u32()?;
        DateTime::from_timestamp(secs, nanos).ok_or_else(|| self.error_at(at, "not a time"))
    }

    pub(super) fn opt_time(&mut self) -> Result<Option<DateTime<Utc>>, Damaged> {
        Ok(match self.bool()? {
            false => None,
            true => Some(self.time()?),
        })
    }

    pub(super) fn json<T: DeserializeOwned>(&mut self) -> Result<T, Damaged> {
        let n = self.len()?;
        let at = self.pos;
        let raw = self.take(n)?;
        crate::json::from_bytes(raw).map_err(|e| self.error_at(at, e.to_string()))
    }

    /// A map written in key order, read back without re-sorting (`BTreeMap` builds a map
    /// from sorted input in one pass).
    pub(super) fn map<V>(
        &mut self,
        mut entry: impl FnMut(&mut Self) -> Result<(String, V), Damaged>,
    ) -> Result<BTreeMap<String, V>, Damaged> {
        let n = self.len()?;
        let mut entries = Vec::with_capacity(n);
        for _ in 0..n {
            entries.push(entry(self)?);
        }
        Ok(BTreeMap::from_iter(entries))
    }
}
