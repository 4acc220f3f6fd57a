//! Internally tagged enums (`{"type": "decisionsRecorded", "instance": …}`) read without
//! serde's buffering.
//!
//! serde's derive reads an internally tagged enum by first copying the whole object into a
//! generic tree (`Content`), because the tag may come last, and then reading the variant
//! out of that tree. That second reader is a second copy of the reading code of every type
//! inside every variant: in the browser bundles it was about 200 KB of the reviewer's
//! 1.67 MB `.wasm` (docs/decisions.md). Every JSON this crate reads comes through
//! serde_json, so an enum declared with [`internally_tagged!`] reads instead as:
//!
//! 1. the object's text, unparsed (`RawValue`: one scan);
//! 2. its tag (`tag_of`: read off the front when it is the first field, as this crate
//!    writes it; else from a scan of the object);
//! 3. the variant read from the same text by serde_json itself, as the variant of an
//!    externally tagged enum (the tag field is one more field its reader skips).
//!
//! The JSON is the same both ways, so stored and exchanged formats do not change
//! (`engine/tests/serialized.rs` pins them); only serde_json's readers (text, bytes,
//! `Value`, a reader) can read these enums, which holds for every reader in this project.

use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IgnoredAny, MapAccess, VariantAccess, Visitor,
};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::json::MapsOnly;

/// Declares an enum serialized with `#[serde(tag = TAG)]` and read by [`read`]. The enum is
/// written once; a private copy of it, externally tagged and tied to it by serde's
/// `remote`, holds the variant reader. The second literal is the enum's own name.
///
/// ```ignore
/// internally_tagged! { "type", "Shape",
///     #[derive(Clone, Debug)]
///     #[serde(rename_all = "camelCase")]
///     pub enum Shape { Circle { radius: f64 }, Empty }
/// }
/// ```
macro_rules! internally_tagged {
    ($tag:literal, $remote:literal, $(#[$meta:meta])* $vis:vis enum $name:ident { $($body:tt)* }) => {
        #[derive(serde::Serialize)]
        #[serde(tag = $tag)]
        $(#[$meta])*
        $vis enum $name { $($body)* }

        const _: () = {
            #[derive(serde::Deserialize)]
            #[serde(remote = $remote)]
            $(#[$meta])*
            #[allow(dead_code)]
            enum Untagged { $($body)* }

            impl<'de> serde::Deserialize<'de> for $name {
                fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    $crate::tagged::read(d, $tag, |variant| Untagged::deserialize(variant))
                }
            }
        };
    };
}
pub(crate) use internally_tagged;

/// Reads an internally tagged enum from `d` (a serde_json reader): the object's text, its
/// `tag` field, then `variant_of` on the two. Errors say what is wrong; where, the outer
/// reader adds.
pub fn read<'de, D, T>(
    d: D,
    tag: &'static str,
    variant_of: impl for<'a> FnOnce(Variant<'a>) -> Result<T, serde_json::Error>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    let raw = <Box<RawValue>>::deserialize(d)?;
    let text = raw.get();
    let name = tag_of(text, tag).map_err(|e| de::Error::custom(without_position(&e)))?;
    variant_of(Variant { name: &name, text }).map_err(|e| de::Error::custom(without_position(&e)))
}

/// A serde_json error's message without its " at line L column C", which would count in
/// the enum's own text rather than in the document being read.
fn without_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match (e.line(), text.rfind(" at line ")) {
        (1.., Some(at)) => text[..at].to_string(),
        _ => text,
    }
}

/// The value of the `tag` field of the JSON object `text`.
fn tag_of(text: &str, tag: &'static str) -> Result<String, serde_json::Error> {
    if let Some(name) = leading_tag(text, tag) {
        return Ok(name.to_string());
    }
    let mut de = serde_json::Deserializer::from_slice(text.as_bytes());
    TagOf(tag).deserialize(&mut de)
}

/// The tag when it is the object's first field and a plain name (how this crate writes
/// it): `{"type":"name", …`. Anything else is left to the full reading.
fn leading_tag<'t>(text: &'t str, tag: &str) -> Option<&'t str> {
    let rest = text.trim_start().strip_prefix('{')?.trim_start();
    let rest = rest
        .strip_prefix('"')?
        .strip_prefix(tag)?
        .strip_prefix('"')?;
    let rest = rest
        .trim_start()
        .strip_prefix(':')?
        .trim_start()
        .strip_prefix('"')?;
    let end = rest.find('"')?;
    let name = &rest[..end];
    let plain = name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    // A name followed by more fields or the end of the object, nothing else.
    // Only when the tag is not named again further on (serde refuses a second one; the full
    // reading finds it).
    let after = rest[end + 1..].trim_start();
    let once = !after.contains(&format!("\"{tag}\""));
    (plain && once && (after.starts_with(',') || after.starts_with('}'))).then_some(name)
}

/// Finds the tag field anywhere in an object, skipping the other fields.
struct TagOf(&'static str);

impl<'de> DeserializeSeed<'de> for TagOf {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TagOf {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "an object with a \"{}\" field", self.0)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<String, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<String>()? {
            if key != self.0 {
                map.next_value::<IgnoredAny>()?;
            } else if found.is_some() {
                return Err(de::Error::duplicate_field(self.0));
            } else {
                found = Some(map.next_value::<String>()?);
            }
        }
        found.ok_or_else(|| de::Error::missing_field(self.0))
    }
}

/// One variant's name and its object's text, read as an externally tagged enum reads.
pub struct Variant<'de> {
    name: &'de str,
    text: &'de str,
}

impl<'de> Deserializer<'de> for Variant<'de> {
    type Error = serde_json::Error;

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_enum(self)
    }

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom(
            "an internally tagged value reads only as an enum",
        ))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct identifier
        ignored_any
    }
}

impl<'de> EnumAccess<'de> for Variant<'de> {
    type Error = serde_json::Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self), Self::Error> {
        let name = de::value::StrDeserializer::<serde_json::Error>::new(self.name);
        Ok((seed.deserialize(name)?, self))
    }
}

impl<'de> VariantAccess<'de> for Variant<'de> {
    type Error = serde_json::Error;

    fn unit_variant(self) -> Result<(), Self::Error> {
        // Other fields beside the tag are ignored, as serde's derive ignores them.
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, Self::Error> {
        let mut de = serde_json::Deserializer::from_slice(self.text.as_bytes());
        seed.deserialize(MapsOnly(&mut de))
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom(
            "a tuple variant cannot be internally tagged",
        ))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        // As a map, not a struct: the text is an object (its tag was found in it), and
        // serde_json's `deserialize_struct` would also link each variant's reader of the
        // array form, which an object never uses.
        let mut de = serde_json::Deserializer::from_slice(self.text.as_bytes());
        MapsOnly(&mut de).deserialize_map(visitor)
    }
}

#[cfg(test)]
mod tests {
    internally_tagged! { "type", "Shape",
        #[derive(Clone, Debug, PartialEq)]
        #[serde(rename_all = "camelCase")]
        enum Shape {
            Circle { radius: u32, #[serde(default)] label: Option<String> },
            Empty,
        }
    }

    /// The tag anywhere, unit variants, defaults, every serde_json reader; and refusals
    /// that name what is wrong.
    #[test]
    fn reads_what_serde_writes_and_refuses_the_rest() {
        let circle = Shape::Circle {
            radius: 2,
            label: None,
        };
        let text = serde_json::to_string(&circle).unwrap();
        assert_eq!(text, r#"{"type":"circle","radius":2,"label":null}"#);
        let read = |t: &str| serde_json::from_str::<Shape>(t).map_err(|e| e.to_string());
        for (json, expected) in [
            (text.as_str(), Ok(circle.clone())),
            (
                r#" { "radius" : 2 , "type" : "circle" } "#,
                Ok(circle.clone()),
            ),
            (r#"{"type":"empty"}"#, Ok(Shape::Empty)),
            (r#"{"type":"empty","radius":1}"#, Ok(Shape::Empty)),
            (r#"{"type":"circ\u006ce","radius":2}"#, Ok(circle.clone())),
            (
                r#"{"type":"square"}"#,
                Err("unknown variant `square`, expected `circle` or `empty`"),
            ),
            (r#"{"radius":2}"#, Err("missing field `type`")),
            (
                r#"{"type":"circle","type":"empty"}"#,
                Err("duplicate field `type`"),
            ),
            (
                r#"{"type":"circle","radius":"x"}"#,
                Err("invalid type: string \"x\", expected u32"),
            ),
            (r#"{"type":"circle"}"#, Err("missing field `radius`")),
            (
                r#"[1]"#,
                Err("invalid type: sequence, expected an object with a \"type\" field"),
            ),
        ] {
            assert_eq!(read(json), expected.map_err(str::to_string), "{json}");
        }
        // Inside a document, the outer reader says where.
        let wrong = serde_json::from_str::<Vec<Shape>>(r#"[{"type":"empty"}, {"type":"square"}]"#);
        assert_eq!(
            wrong.unwrap_err().to_string(),
            "unknown variant `square`, expected `circle` or `empty` at line 1 column 37"
        );
        let list: Vec<Shape> =
            serde_json::from_slice(br#"[{"type":"empty"},{"radius":2,"type":"circle"}]"#).unwrap();
        assert_eq!(list, [Shape::Empty, circle.clone()]);
        let value = serde_json::json!({"radius": 2, "type": "circle"});
        assert_eq!(serde_json::from_value::<Shape>(value).unwrap(), circle);
        let reader = std::io::Cursor::new(text.into_bytes());
        assert_eq!(serde_json::from_reader::<_, Shape>(reader).unwrap(), circle);
    }
}
