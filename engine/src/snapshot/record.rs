//! The compact form of one `Record`, for the browser's log and for a reviewer link's page:
//! the snapshot's primitives and its directory and instance layouts, so the bulk events (an
//! import of 100,000 users, an instance's items, 100,000 decisions) are written field by
//! field, and every other event field by field too. The header's version is the snapshot
//! layout version of the parts inside, so a record written today still reads after the
//! snapshot layout grows.
//!
//! Two layouts, told apart by their first bytes:
//! - `ATR2` (written now): every event in a layout of its own. Only a review definition,
//!   apply results and a notification template are JSON inside, types the reviewer's page
//!   reads as JSON anyway. Reading it needs no JSON reader of `Event`, so the reviewer
//!   bundle leaves that reader (about 98 KB of its `.wasm`) out.
//! - `ATRC` (earlier releases): the bulk events as above, every other event as its JSON.
//!   [`decode_earlier_record`] reads it (the full app, which rewrites such records once
//!   at its schema upgrade); [`decode_record`] refuses it.

use crate::event::{Event, Record};

use super::bytes::{Damaged, Reader, Writer};
use super::{SnapshotError, VERSION};

/// The first bytes of a record in the current layout.
const RECORD_MAGIC: &[u8; 4] = b"ATR2";
/// The first bytes of a record in the layout of earlier releases.
const EARLIER_RECORD_MAGIC: &[u8; 4] = b"ATRC";

/// The bytes of `record`, in the current layout.
pub fn encode_record(record: &Record) -> Vec<u8> {
    let Record {
        v,
        id,
        at,
        actor,
        reason,
        events,
    } = record;
    let mut w = Writer {
        out: Vec::with_capacity(256),
        layout: VERSION,
    };
    w.out.extend_from_slice(RECORD_MAGIC);
    w.uint(u64::from(VERSION));
    w.uint(u64::from(*v));
    w.str(id);
    w.time(at);
    w.json(actor);
    w.opt_str(reason);
    w.uint(events.len() as u64);
    for event in events {
        w.event(event);
    }
    w.out
}

/// Whether `a` and `b` are the same events: the same bytes in the record layout, which
/// holds every field. A reviewer's round asks this of the server's view on every pull;
/// comparing the layout's bytes spares the reviewer bundle a derived comparison of every
/// event type and everything inside them.
pub fn same_events(a: &[Event], b: &[Event]) -> bool {
    let writer = || Writer {
        out: Vec::new(),
        layout: VERSION,
    };
    let (mut left, mut right) = (writer(), writer());
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            left.out.clear();
            right.out.clear();
            left.event(x);
            right.event(y);
            left.out == right.out
        })
}

/// The record `bytes` hold (current layout), or where and why they cannot be read; a
/// record of an earlier release is refused as such.
pub fn decode_record(bytes: &[u8]) -> Result<Record, SnapshotError> {
    let mut r = Reader::new(bytes);
    let read = read_record::<false>(&mut r);
    r.finish(read)
}

/// The record `bytes` hold in the layout of earlier releases (`ATRC`: small events as JSON).
pub fn decode_earlier_record(bytes: &[u8]) -> Result<Record, SnapshotError> {
    let mut r = Reader::new(bytes);
    let read = read_record::<true>(&mut r);
    r.finish(read)
}

/// `EARLIER`: the `ATRC` layout, whose JSON events need serde's reader of `Event`; the
/// current layout's reader is instantiated without it.
fn read_record<const EARLIER: bool>(r: &mut Reader) -> Result<Record, Damaged> {
    if EARLIER {
        r.header(
            EARLIER_RECORD_MAGIC,
            "not an Attest record of an earlier release",
        )?;
    } else {
        if r.bytes.starts_with(EARLIER_RECORD_MAGIC) {
            return Err(r.error_at(0, "a record in the layout of an earlier release"));
        }
        r.header(RECORD_MAGIC, "not an Attest record")?;
    }
    let at = r.pos;
    let v = u16::try_from(r.uint()?).map_err(|_| r.error_at(at, "a record version too large"))?;
    let id = r.string()?;
    let at = r.time()?;
    let actor = r.json()?;
    let reason = r.opt_string()?;
    let n = r.len()?;
    let mut events = Vec::with_capacity(n);
    for _ in 0..n {
        events.push(r.event::<EARLIER>()?);
    }
    if r.pos != r.bytes.len() {
        return Err(r.error("bytes left over after the record"));
    }
    Ok(Record {
        v,
        id,
        at,
        actor,
        reason,
        events,
    })
}
