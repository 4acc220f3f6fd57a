//! Reading the record format of earlier releases (format 2, and the tail of format 4): a
//! compact, self-describing binary form of serde's data model. Every value starts with a
//! tag byte; numbers are LEB128 varints; sequences and maps carry a 4-byte count; field and
//! variant names are written once and then referred to by their index.
//!
//! Nothing writes it any more (records are in the engine's layout, `codec::RECORD_LAYOUT`),
//! and a schema upgrade rewrites what is stored. Until then it is read by turning it into
//! the JSON text it stands for, which the JSON reader every build has then reads: a second
//! serde format would be a second copy of every type's derived code in the bundle. The
//! writer is in the store's browser tests, which prove old data still loads.

use std::fmt;

pub const NONE: u8 = 0;
pub const SOME: u8 = 1;
pub const FALSE: u8 = 2;
pub const TRUE: u8 = 3;
pub const UINT: u8 = 4;
pub const NINT: u8 = 5;
pub const F64: u8 = 6;
pub const STR: u8 = 7;
pub const STR_REF: u8 = 8;
pub const BYTES: u8 = 9;
pub const SEQ: u8 = 10;
pub const MAP: u8 = 11;
pub const UNIT: u8 = 12;
/// A name written in full that later values refer to with `STR_REF`.
pub const STR_NEW: u8 = 13;

/// Deeper than any engine value nests; damaged bytes cannot exhaust the stack.
const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for Error {}

/// The JSON text of the one value `bytes` hold.
pub fn to_json(bytes: &[u8]) -> Result<Vec<u8>, Error> {
    let mut t = Transcoder {
        input: bytes,
        pos: 0,
        names: Vec::new(),
        out: Vec::with_capacity(bytes.len() * 2),
    };
    t.value(0)?;
    if t.pos != bytes.len() {
        return Err(Error(format!(
            "{} bytes left over after the value",
            bytes.len() - t.pos
        )));
    }
    Ok(t.out)
}

struct Transcoder<'a> {
    input: &'a [u8],
    pos: usize,
    names: Vec<&'a str>,
    out: Vec<u8>,
}

impl<'a> Transcoder<'a> {
    fn eof(&self) -> Error {
        Error(format!("the data ends early (at byte {})", self.pos))
    }

    fn byte(&mut self) -> Result<u8, Error> {
        let b = *self.input.get(self.pos).ok_or_else(|| self.eof())?;
        self.pos += 1;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, Error> {
        let mut n = 0u64;
        let mut shift = 0;
        loop {
            let b = self.byte()?;
            if shift >= 64 {
                return Err(Error(format!("a number is too long at byte {}", self.pos)));
            }
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(n);
            }
            shift += 7;
        }
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8], Error> {
        let end = self
            .pos
            .checked_add(len)
            .filter(|&e| e <= self.input.len())
            .ok_or_else(|| self.eof())?;
        let slice = &self.input[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    fn count(&mut self) -> Result<u32, Error> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// The string after a STR, STR_NEW or STR_REF tag that was already read.
    fn string(&mut self, tag: u8) -> Result<&'a str, Error> {
        if tag == STR_REF {
            let index = self.varint()? as usize;
            return self.names.get(index).copied().ok_or_else(|| {
                Error(format!(
                    "string reference {index} is unknown (at byte {})",
                    self.pos
                ))
            });
        }
        let len = self.varint()? as usize;
        let at = self.pos;
        let s = std::str::from_utf8(self.take(len)?)
            .map_err(|_| Error(format!("text at byte {at} is not UTF-8")))?;
        if tag == STR_NEW {
            self.names.push(s);
        }
        Ok(s)
    }

    fn text(&mut self, s: &str) {
        serde_json::to_writer(&mut self.out, s).expect("writing to a Vec");
    }

    fn value(&mut self, depth: usize) -> Result<(), Error> {
        if depth > MAX_DEPTH {
            return Err(Error(format!("values nest too deep at byte {}", self.pos)));
        }
        let at = self.pos;
        match self.byte()? {
            NONE | UNIT => self.out.extend_from_slice(b"null"),
            // JSON has no "some": the value stands for itself.
            SOME => self.value(depth + 1)?,
            FALSE => self.out.extend_from_slice(b"false"),
            TRUE => self.out.extend_from_slice(b"true"),
            UINT => {
                let n = self.varint()?;
                self.out.extend_from_slice(n.to_string().as_bytes());
            }
            NINT => {
                let n = !(self.varint()?) as i64;
                self.out.extend_from_slice(n.to_string().as_bytes());
            }
            F64 => {
                let b = self.take(8)?;
                let f = f64::from_le_bytes(b.try_into().expect("8 bytes"));
                serde_json::to_writer(&mut self.out, &f).expect("writing to a Vec");
            }
            tag @ (STR | STR_NEW | STR_REF) => {
                let s = self.string(tag)?;
                self.text(s);
            }
            BYTES => {
                // As serde_json writes bytes: an array of numbers.
                let len = self.varint()? as usize;
                let raw = self.take(len)?;
                self.out.push(b'[');
                for (i, b) in raw.iter().enumerate() {
                    if i > 0 {
                        self.out.push(b',');
                    }
                    self.out.extend_from_slice(b.to_string().as_bytes());
                }
                self.out.push(b']');
            }
            SEQ => {
                let n = self.count()?;
                self.out.push(b'[');
                for i in 0..n {
                    if i > 0 {
                        self.out.push(b',');
                    }
                    self.value(depth + 1)?;
                }
                self.out.push(b']');
            }
            MAP => {
                let n = self.count()?;
                self.out.push(b'{');
                for i in 0..n {
                    if i > 0 {
                        self.out.push(b',');
                    }
                    self.key()?;
                    self.out.push(b':');
                    self.value(depth + 1)?;
                }
                self.out.push(b'}');
            }
            other => return Err(Error(format!("unknown tag {other} at byte {at}"))),
        }
        Ok(())
    }

    /// A map key: JSON's keys are text, so numbers and yes/no are quoted, as serde_json
    /// writes them.
    fn key(&mut self) -> Result<(), Error> {
        let at = self.pos;
        match self.byte()? {
            tag @ (STR | STR_NEW | STR_REF) => {
                let s = self.string(tag)?;
                self.text(s);
            }
            UINT => {
                let n = self.varint()?;
                self.text(&n.to_string());
            }
            NINT => {
                let n = !(self.varint()?) as i64;
                self.text(&n.to_string());
            }
            FALSE => self.text("false"),
            TRUE => self.text("true"),
            other => return Err(Error(format!("a map key at byte {at} has tag {other}"))),
        }
        Ok(())
    }
}
