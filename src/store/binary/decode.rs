//! Reading: serde's Deserializer over the tagged form.

use super::*;

pub(super) struct Decoder<'de> {
    pub(super) input: &'de [u8],
    pub(super) pos: usize,
    pub(super) strings: Vec<&'de str>,
}

impl<'de> Decoder<'de> {
    fn eof(&self) -> Error {
        Error(format!("the data ends early (at byte {})", self.pos))
    }

    fn byte(&mut self) -> Result<u8, Error> {
        let b = *self.input.get(self.pos).ok_or_else(|| self.eof())?;
        self.pos += 1;
        Ok(b)
    }

    fn peek(&self) -> Result<u8, Error> {
        self.input.get(self.pos).copied().ok_or_else(|| self.eof())
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

    fn take(&mut self, len: usize) -> Result<&'de [u8], Error> {
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
    fn string(&mut self, tag: u8) -> Result<&'de str, Error> {
        if tag == STR_REF {
            let index = self.varint()? as usize;
            return self.strings.get(index).copied().ok_or_else(|| {
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
            self.strings.push(s);
        }
        Ok(s)
    }
}

impl<'de> de::Deserializer<'de> for &mut Decoder<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let at = self.pos;
        match self.byte()? {
            NONE => visitor.visit_none(),
            SOME => visitor.visit_some(self),
            FALSE => visitor.visit_bool(false),
            TRUE => visitor.visit_bool(true),
            UINT => visitor.visit_u64(self.varint()?),
            NINT => visitor.visit_i64(!(self.varint()?) as i64),
            F64 => {
                let b = self.take(8)?;
                visitor.visit_f64(f64::from_le_bytes(b.try_into().expect("8 bytes")))
            }
            tag @ (STR | STR_NEW | STR_REF) => visitor.visit_borrowed_str(self.string(tag)?),
            BYTES => {
                let len = self.varint()? as usize;
                visitor.visit_borrowed_bytes(self.take(len)?)
            }
            SEQ => {
                let left = self.count()?;
                visitor.visit_seq(Items {
                    decoder: self,
                    left,
                })
            }
            MAP => {
                let left = self.count()?;
                visitor.visit_map(Items {
                    decoder: self,
                    left,
                })
            }
            UNIT => visitor.visit_unit(),
            other => Err(Error(format!("unknown tag {other} at byte {at}"))),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.peek()? {
            NONE => {
                self.pos += 1;
                visitor.visit_none()
            }
            SOME => {
                self.pos += 1;
                visitor.visit_some(self)
            }
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let at = self.pos;
        match self.byte()? {
            tag @ (STR | STR_NEW | STR_REF) => {
                visitor.visit_enum(self.string(tag)?.into_deserializer())
            }
            MAP => {
                if self.count()? != 1 {
                    return Err(Error(format!(
                        "an enum value at byte {at} is not one variant"
                    )));
                }
                visitor.visit_enum(Variant { decoder: self })
            }
            other => Err(Error(format!(
                "expected an enum at byte {at}, found tag {other}"
            ))),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

struct Items<'a, 'de> {
    decoder: &'a mut Decoder<'de>,
    left: u32,
}

impl<'de> de::SeqAccess<'de> for Items<'_, 'de> {
    type Error = Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(&mut *self.decoder).map(Some)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.left as usize)
    }
}

impl<'de> de::MapAccess<'de> for Items<'_, 'de> {
    type Error = Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(&mut *self.decoder).map(Some)
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        seed.deserialize(&mut *self.decoder)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.left as usize)
    }
}

struct Variant<'a, 'de> {
    decoder: &'a mut Decoder<'de>,
}

impl<'a, 'de> de::EnumAccess<'de> for Variant<'a, 'de> {
    type Error = Error;
    type Variant = Self;
    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), Error> {
        let value = seed.deserialize(&mut *self.decoder)?;
        Ok((value, self))
    }
}

impl<'de> de::VariantAccess<'de> for Variant<'_, 'de> {
    type Error = Error;
    fn unit_variant(self) -> Result<(), Error> {
        de::Deserialize::deserialize(&mut *self.decoder)
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(&mut *self.decoder)
    }
    fn tuple_variant<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_any(&mut *self.decoder, visitor)
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_any(&mut *self.decoder, visitor)
    }
}
