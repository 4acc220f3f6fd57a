//! The compact form of one `Record`, for the browser's log: the snapshot's primitives and
//! its directory and instance layouts, so the bulk events (an import of 100,000 users, an
//! instance's items, 100,000 decisions) are written field by field; the small events are
//! JSON inside, as the snapshot keeps its small parts. The header's version is the
//! snapshot layout version of the parts inside, so a record written today still reads
//! after the snapshot layout grows.

use crate::event::{Event, ItemDecision, Record};
use crate::instance::DecisionSource;

use super::bytes::{Damaged, Reader, Writer};
use super::instance::decision_code;
use super::{SnapshotError, VERSION};

/// The first bytes of a record in this layout.
const RECORD_MAGIC: &[u8; 4] = b"ATRC";

/// How each event is written: one byte in front of it.
const JSON: u8 = 0;
const DIRECTORY_IMPORTED: u8 = 1;
const INSTANCE_STARTED: u8 = 2;
const DECISIONS_RECORDED: u8 = 3;
const DECISIONS_RESET: u8 = 4;
const STAGE_STARTED: u8 = 5;
const KINDS: u8 = 6;

/// The bytes of `record`.
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

/// The record `bytes` hold, or where and why they cannot be read.
pub fn decode_record(bytes: &[u8]) -> Result<Record, SnapshotError> {
    let mut r = Reader::new(bytes);
    let read = read_record(&mut r);
    r.finish(read)
}

fn read_record(r: &mut Reader) -> Result<Record, Damaged> {
    r.header(RECORD_MAGIC, "not an Attest record")?;
    let at = r.pos;
    let v = u16::try_from(r.uint()?).map_err(|_| r.error_at(at, "a record version too large"))?;
    let id = r.string()?;
    let at = r.time()?;
    let actor = r.json()?;
    let reason = r.opt_string()?;
    let n = r.len()?;
    let mut events = Vec::with_capacity(n);
    for _ in 0..n {
        events.push(r.event()?);
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

impl Writer {
    fn event(&mut self, event: &Event) {
        // No wildcard: a new event is a compile error here until it is given a layout
        // (JSON unless it can grow large).
        match event {
            Event::DirectoryImported { directory, source } => {
                self.byte(DIRECTORY_IMPORTED);
                self.str(source);
                self.directory(directory);
                // Layout 4: the grant dates, as the snapshot writes them after its directory.
                if self.layout >= 4 {
                    self.json(&directory.granted);
                }
            }
            Event::InstanceStarted { instance } => {
                self.byte(INSTANCE_STARTED);
                self.instance(instance);
                // Layout 4: the delta-mode record the instance started with.
                if self.layout >= 4 {
                    self.json(&instance.since_last);
                }
            }
            Event::DecisionsRecorded {
                instance,
                stage,
                reviewer,
                source,
                decisions,
            } => {
                self.byte(DECISIONS_RECORDED);
                self.str(instance);
                self.uint(*stage as u64);
                self.str(reviewer);
                self.byte(match source {
                    DecisionSource::Reviewer => 0,
                    DecisionSource::AcceptedRecommendation => 1,
                });
                self.uint(decisions.len() as u64);
                for ItemDecision {
                    item,
                    decision,
                    justification,
                } in decisions
                {
                    self.uint(u64::from(*item));
                    self.byte(decision_code(*decision));
                    self.str(justification);
                }
            }
            Event::DecisionsReset {
                instance,
                stage,
                reviewer,
                items,
            } => {
                self.byte(DECISIONS_RESET);
                self.str(instance);
                self.uint(*stage as u64);
                self.str(reviewer);
                self.items(items);
            }
            Event::StageStarted {
                instance,
                stage,
                at,
                deadline,
                items,
            } => {
                self.byte(STAGE_STARTED);
                self.str(instance);
                self.uint(*stage as u64);
                self.time(at);
                self.time(deadline);
                self.items(items);
            }
            Event::DraftSaved { .. }
            | Event::DraftDeleted { .. }
            | Event::ReviewCreated { .. }
            | Event::ReminderSent { .. }
            | Event::StageEnded { .. }
            | Event::InstanceCompleted { .. }
            | Event::ResultsApplied { .. }
            | Event::DirectoryChanged { .. }
            | Event::SeriesEnded { .. }
            | Event::RemediationAssigned { .. }
            | Event::RemediationEvidenceRecorded { .. }
            | Event::RemediationDoneExternally { .. }
            | Event::SignedOff { .. }
            | Event::ItemsReassigned { .. }
            | Event::DelegationSet { .. }
            | Event::DelegationStarted { .. }
            | Event::DelegationEnded { .. }
            | Event::Escalated { .. }
            | Event::NotificationTemplateSet { .. }
            | Event::BulkApprovalConfirmed { .. }
            | Event::ApprovalTimeBound { .. }
            | Event::TimeBoundApprovalEnded { .. }
            | Event::ExtraOccurrenceStarted { .. } => {
                self.byte(JSON);
                self.json(event);
            }
        }
    }

    fn items(&mut self, items: &[u32]) {
        self.uint(items.len() as u64);
        for item in items {
            self.uint(u64::from(*item));
        }
    }
}

impl Reader<'_> {
    fn event(&mut self) -> Result<Event, Damaged> {
        Ok(match self.code(KINDS, "kind of event")? {
            DIRECTORY_IMPORTED => {
                let source = self.string()?;
                let mut directory = self.directory()?;
                if self.version >= 4 {
                    directory.granted = self.json()?;
                }
                Event::DirectoryImported {
                    directory: Box::new(directory),
                    source,
                }
            }
            INSTANCE_STARTED => {
                let mut instance = self.instance()?;
                if self.version >= 4 {
                    instance.since_last = self.json()?;
                }
                Event::InstanceStarted {
                    instance: Box::new(instance),
                }
            }
            DECISIONS_RECORDED => {
                let instance = self.string()?;
                let stage = self.stage()?;
                let reviewer = self.string()?;
                let source = match self.code(2, "decision source")? {
                    0 => DecisionSource::Reviewer,
                    _ => DecisionSource::AcceptedRecommendation,
                };
                let n = self.len()?;
                let mut decisions = Vec::with_capacity(n);
                for _ in 0..n {
                    let item = self.u32()?;
                    let code = self.code(3, "decision")?;
                    decisions.push(ItemDecision {
                        item,
                        decision: self.decision(code),
                        justification: self.string()?,
                    });
                }
                Event::DecisionsRecorded {
                    instance,
                    stage,
                    reviewer,
                    source,
                    decisions,
                }
            }
            DECISIONS_RESET => Event::DecisionsReset {
                instance: self.string()?,
                stage: self.stage()?,
                reviewer: self.string()?,
                items: self.items()?,
            },
            STAGE_STARTED => Event::StageStarted {
                instance: self.string()?,
                stage: self.stage()?,
                at: self.time()?,
                deadline: self.time()?,
                items: self.items()?,
            },
            _ => self.json()?,
        })
    }

    fn stage(&mut self) -> Result<usize, Damaged> {
        let at = self.pos;
        usize::try_from(self.uint()?).map_err(|_| self.error_at(at, "a stage number too large"))
    }

    fn items(&mut self) -> Result<Vec<u32>, Damaged> {
        let n = self.len()?;
        let mut items = Vec::with_capacity(n);
        for _ in 0..n {
            items.push(self.u32()?);
        }
        Ok(items)
    }
}
