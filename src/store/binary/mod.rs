//! A compact, self-describing binary form of any serde value: JSON's data model (so the
//! engine's internally tagged enums read back) without JSON's text. Every value starts with
//! a tag byte; numbers are LEB128 varints; field and variant names are written once and then
//! referred to by their index in a table both sides build in the same order. Other strings
//! are written as they are: measured, interning them cost more time than it saved bytes.

use std::collections::HashMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};
use serde::ser::{self, Serialize};

mod decode;
mod encode;

use decode::Decoder;
use encode::Encoder;

const NONE: u8 = 0;
const SOME: u8 = 1;
const FALSE: u8 = 2;
const TRUE: u8 = 3;
const UINT: u8 = 4;
const NINT: u8 = 5;
const F64: u8 = 6;
const STR: u8 = 7;
const STR_REF: u8 = 8;
const BYTES: u8 = 9;
const SEQ: u8 = 10;
const MAP: u8 = 11;
const UNIT: u8 = 12;
/// A name written in full that later values refer to with `STR_REF`.
const STR_NEW: u8 = 13;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for Error {}
impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}
impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

/// Encodes `value`.
pub fn to_bytes<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    let mut encoder = Encoder {
        out: Vec::with_capacity(1 << 16),
        names: HashMap::new(),
    };
    value.serialize(&mut encoder)?;
    Ok(encoder.out)
}

/// Decodes a value written by [`to_bytes`].
pub fn from_bytes<'de, T: serde::Deserialize<'de>>(bytes: &'de [u8]) -> Result<T, Error> {
    let mut decoder = Decoder {
        input: bytes,
        pos: 0,
        strings: Vec::new(),
    };
    let value = T::deserialize(&mut decoder)?;
    if decoder.pos != bytes.len() {
        return Err(Error(format!(
            "{} bytes left over after the value",
            bytes.len() - decoder.pos
        )));
    }
    Ok(value)
}
