//! A reviewer link's page (`wire::ReviewerPage`) in bytes, as the sync server sends it to
//! a page that asks for [`REVIEWER_PAGE_TYPE`]: the page's fields, then each record in the
//! record layout (`record.rs`). The reviewer bundle reads its page this way, so it carries
//! no JSON reader of `Event`; other clients keep the JSON form.

use crate::wire::ReviewerPage;

use super::bytes::{Damaged, Reader, Writer};
use super::{SnapshotError, VERSION};

/// The media type of a page in this layout (`Accept` and `Content-Type`).
pub const REVIEWER_PAGE_TYPE: &str = "application/vnd.attest.reviewer-page";

/// The first bytes of a page.
const PAGE_MAGIC: &[u8; 4] = b"ATPG";

/// The bytes of `page`.
pub fn encode_reviewer_page(page: &ReviewerPage) -> Vec<u8> {
    let ReviewerPage {
        records,
        cursor,
        reviewer,
        instance,
        stage,
        expires_at,
    } = page;
    let mut w = Writer {
        out: Vec::with_capacity(1024),
        layout: VERSION,
    };
    w.out.extend_from_slice(PAGE_MAGIC);
    w.uint(u64::from(VERSION));
    w.int(*cursor);
    w.str(reviewer);
    w.str(instance);
    w.uint(*stage as u64);
    w.opt_time(expires_at);
    w.uint(records.len() as u64);
    for record in records {
        let bytes = super::encode_record(record);
        w.uint(bytes.len() as u64);
        w.out.extend_from_slice(&bytes);
    }
    w.out
}

/// The page `bytes` hold, or where (counted in the whole page) and why they cannot be read.
pub fn decode_reviewer_page(bytes: &[u8]) -> Result<ReviewerPage, SnapshotError> {
    let mut r = Reader::new(bytes);
    let read = read_page(&mut r);
    r.finish(read)
}

fn read_page(r: &mut Reader) -> Result<ReviewerPage, Damaged> {
    r.header(PAGE_MAGIC, "not a reviewer's page")?;
    let cursor = r.int()?;
    let reviewer = r.string()?;
    let instance = r.string()?;
    let at = r.pos;
    let stage = usize::try_from(r.uint()?).map_err(|_| r.error_at(at, "a stage too large"))?;
    let expires_at = r.opt_time()?;
    let n = r.len()?;
    let mut records = Vec::with_capacity(n);
    for _ in 0..n {
        let len = r.len()?;
        let start = r.pos;
        let part = r.take(len)?;
        let record = super::decode_record(part).map_err(|e| {
            r.error_at(
                start + e.at,
                format!("record {}: {}", records.len() + 1, e.what),
            )
        })?;
        records.push(record);
    }
    if r.pos != r.bytes.len() {
        return Err(r.error("bytes left over after the page"));
    }
    Ok(ReviewerPage {
        records,
        cursor,
        reviewer,
        instance,
        stage,
        expires_at,
    })
}
