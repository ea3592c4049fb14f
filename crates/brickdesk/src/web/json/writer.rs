//! Compact JSON for large responses: the same text `serde_json` writes,
//! with string escaping that checks eight bytes at a time.
//!
//! `serde_json` looks at every byte of every string, keys included, one at
//! a time, and listing pages are mostly strings. Numbers are written by
//! `itoa` (integers) and by `serde_json` itself (floats), so they match.

use std::fmt::Display;

use serde::ser::{self, Serialize};

/// Why a value could not be written.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct WriteError(String);

impl ser::Error for WriteError {
    fn custom<T: Display>(msg: T) -> Self {
        WriteError(msg.to_string())
    }
}

/// Appends `value` as compact JSON to `out`: byte for byte what
/// `serde_json::to_writer` writes. On error `out` may hold part of it.
pub fn write<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result<(), WriteError> {
    // Owned rather than borrowed: one indirection less on every write.
    let mut writer = Writer {
        out: std::mem::take(out),
    };
    let result = value.serialize(&mut writer);
    *out = writer.out;
    result
}

struct Writer {
    out: Vec<u8>,
}

const LOW_BITS: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// Whether any of these eight bytes must be escaped in a JSON string: a
/// control character, a quote or a backslash. Each test is the classic
/// "has a zero byte" trick (exact for "any": a borrow can only start at a
/// byte that matched); bytes of 0x80 and up, which multi-byte UTF-8
/// characters are made of, never match.
fn word_needs_escape(word: u64) -> bool {
    let control = word.wrapping_sub(LOW_BITS * 0x20) & !word;
    let q = word ^ (LOW_BITS * u64::from(b'"'));
    let quote = q.wrapping_sub(LOW_BITS) & !q;
    let b = word ^ (LOW_BITS * u64::from(b'\\'));
    let backslash = b.wrapping_sub(LOW_BITS) & !b;
    (control | quote | backslash) & HIGH_BITS != 0
}

fn load(bytes: &[u8]) -> u64 {
    let mut word = [0; 8];
    word.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(word)
}

/// Whether `bytes` (eight or more) hold anything a JSON string must escape,
/// eight bytes at a time; the last eight overlap the ones before when the
/// length is not a multiple of eight.
fn needs_escape(bytes: &[u8]) -> bool {
    let mut words = bytes.chunks_exact(8);
    let mut any = false;
    for word in &mut words {
        any |= word_needs_escape(load(word));
    }
    if !words.remainder().is_empty() {
        any |= word_needs_escape(load(&bytes[bytes.len() - 8..]));
    }
    any
}

/// The escape of one byte, if it needs one.
fn escape_of(byte: u8) -> Option<&'static [u8]> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    const CONTROL: [[u8; 6]; 32] = {
        let mut table = [[0; 6]; 32];
        let mut i = 0;
        while i < 32 {
            table[i] = [b'\\', b'u', b'0', b'0', HEX[i >> 4], HEX[i & 15]];
            i += 1;
        }
        table
    };
    Some(match byte {
        b'"' => b"\\\"",
        b'\\' => b"\\\\",
        b'\n' => b"\\n",
        b'\r' => b"\\r",
        b'\t' => b"\\t",
        0x08 => b"\\b",
        0x0c => b"\\f",
        0..=0x1f => &CONTROL[usize::from(byte)],
        _ => return None,
    })
}

#[cold]
fn write_with_escapes(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut run_start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        if let Some(escape) = escape_of(byte) {
            out.extend_from_slice(&bytes[run_start..i]);
            out.extend_from_slice(escape);
            run_start = i + 1;
        }
    }
    out.extend_from_slice(&bytes[run_start..]);
}

/// Appends `s` as a JSON string, quotes included.
#[inline]
fn write_escaped(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    if bytes.len() < 8 {
        // Many keys and values are this short. Padded with spaces (never
        // escaped) to one word, they are checked at once and copied as
        // eight bytes, the padding then cut off again: no call to memcpy.
        let mut word = LOW_BITS * u64::from(b' ');
        for (i, &byte) in bytes.iter().enumerate() {
            let shift = 8 * i;
            word = (word & !(0xff << shift)) | (u64::from(byte) << shift);
        }
        if word_needs_escape(word) {
            write_with_escapes(out, bytes);
        } else {
            let end = out.len() + bytes.len();
            out.extend_from_slice(&word.to_le_bytes());
            out.truncate(end);
        }
    } else if needs_escape(bytes) {
        write_with_escapes(out, bytes);
    } else {
        out.extend_from_slice(bytes);
    }
    out.push(b'"');
}

fn write_integer(out: &mut Vec<u8>, n: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

fn write_float<T: Serialize>(out: &mut Vec<u8>, n: T) -> Result<(), WriteError> {
    serde_json::to_writer(out, &n).map_err(|e| WriteError(e.to_string()))
}

/// An array or object being written: whether an element came before.
pub struct Compound<'w> {
    writer: &'w mut Writer,
    first: bool,
    /// Brackets still to close: `]`, `}` or `]}` / `}}` for enum variants.
    close: &'static [u8],
}

impl Compound<'_> {
    fn comma(&mut self) {
        if self.first {
            self.first = false;
        } else {
            self.writer.out.push(b',');
        }
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), WriteError> {
        self.comma();
        value.serialize(&mut *self.writer)
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), WriteError> {
        self.comma();
        write_escaped(&mut self.writer.out, key);
        self.writer.out.push(b':');
        value.serialize(&mut *self.writer)
    }

    fn finish(self) -> Result<(), WriteError> {
        self.writer.out.extend_from_slice(self.close);
        Ok(())
    }
}

impl<'w> Writer {
    fn open(&'w mut self, open: &[u8], close: &'static [u8]) -> Compound<'w> {
        self.out.extend_from_slice(open);
        Compound {
            writer: self,
            first: true,
            close,
        }
    }

    /// `{"variant":` before an enum variant's content.
    fn open_variant(&mut self, variant: &str) {
        self.out.push(b'{');
        write_escaped(&mut self.out, variant);
        self.out.push(b':');
    }
}

/// `serialize_i8` … `serialize_u128`, all written by `itoa`.
macro_rules! integers {
    ($($method:ident: $ty:ty),*) => {$(
        fn $method(self, v: $ty) -> Result<(), WriteError> {
            write_integer(&mut self.out, v);
            Ok(())
        }
    )*};
}

impl<'w> ser::Serializer for &'w mut Writer {
    type Ok = ();
    type Error = WriteError;
    type SerializeSeq = Compound<'w>;
    type SerializeTuple = Compound<'w>;
    type SerializeTupleStruct = Compound<'w>;
    type SerializeTupleVariant = Compound<'w>;
    type SerializeMap = Compound<'w>;
    type SerializeStruct = Compound<'w>;
    type SerializeStructVariant = Compound<'w>;

    fn serialize_bool(self, v: bool) -> Result<(), WriteError> {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    integers!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64, serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64, serialize_u128: u128);
    fn serialize_f32(self, v: f32) -> Result<(), WriteError> {
        write_float(&mut self.out, v)
    }
    fn serialize_f64(self, v: f64) -> Result<(), WriteError> {
        write_float(&mut self.out, v)
    }
    fn serialize_char(self, v: char) -> Result<(), WriteError> {
        write_escaped(&mut self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), WriteError> {
        write_escaped(&mut self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), WriteError> {
        let mut seq = self.open(b"[", b"]");
        for byte in v {
            seq.element(byte)?;
        }
        seq.finish()
    }
    fn serialize_none(self) -> Result<(), WriteError> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), WriteError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), WriteError> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), WriteError> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), WriteError> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), WriteError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), WriteError> {
        self.open_variant(variant);
        value.serialize(&mut *self)?;
        self.out.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'w>, WriteError> {
        Ok(self.open(b"[", b"]"))
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'w>, WriteError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Compound<'w>, WriteError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'w>, WriteError> {
        self.open_variant(variant);
        Ok(self.open(b"[", b"]}"))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'w>, WriteError> {
        Ok(self.open(b"{", b"}"))
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Compound<'w>, WriteError> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'w>, WriteError> {
        self.open_variant(variant);
        Ok(self.open(b"{", b"}}"))
    }
}

/// The serde traits of arrays: each element after a comma.
macro_rules! array_like {
    ($($trait:ident::$method:ident),*) => {$(
        impl ser::$trait for Compound<'_> {
            type Ok = ();
            type Error = WriteError;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), WriteError> {
                self.element(value)
            }
            fn end(self) -> Result<(), WriteError> {
                self.finish()
            }
        }
    )*};
}

array_like!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = WriteError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), WriteError> {
        self.comma();
        // JSON keys are strings: as serde_json, numbers and booleans are
        // quoted, anything else is refused.
        let start = self.writer.out.len();
        key.serialize(&mut *self.writer)?;
        match self.writer.out.get(start) {
            Some(b'"') => {}
            Some(b'-' | b'0'..=b'9' | b't' | b'f') => {
                self.writer.out.insert(start, b'"');
                self.writer.out.push(b'"');
            }
            _ => return Err(WriteError("a JSON object key must be a string".into())),
        }
        self.writer.out.push(b':');
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), WriteError> {
        value.serialize(&mut *self.writer)
    }
    fn end(self) -> Result<(), WriteError> {
        self.finish()
    }
}

/// The serde traits of structs: `"key":value` pairs.
macro_rules! object_like {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Compound<'_> {
            type Ok = ();
            type Error = WriteError;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), WriteError> {
                self.field(key, value)
            }
            fn end(self) -> Result<(), WriteError> {
                self.finish()
            }
        }
    )*};
}

object_like!(SerializeStruct, SerializeStructVariant);

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use serde::Serialize;

    use super::write;

    fn same_as_serde_json<T: Serialize>(value: &T) {
        let mut ours = Vec::new();
        write(&mut ours, value).unwrap();
        let theirs = serde_json::to_vec(value).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&theirs)
        );
    }

    #[derive(Serialize)]
    enum Shape {
        Unit,
        Newtype(i32),
        Tuple(u8, String),
        Struct { side: f64, name: Option<char> },
    }

    #[derive(Serialize)]
    struct Wrapper(String);

    #[derive(Serialize)]
    struct Everything {
        shapes: Vec<Shape>,
        wrapper: Wrapper,
        unit: (),
        big: i128,
        small: i8,
        floats: [f64; 4],
        by_number: BTreeMap<i64, bool>,
        by_flag: BTreeMap<bool, u128>,
        #[serde(with = "serde_bytes_as_seq")]
        bytes: Vec<u8>,
        escapes: &'static str,
    }

    mod serde_bytes_as_seq {
        pub fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(v)
        }
    }

    #[test]
    fn every_kind_of_value_matches_serde_json() {
        same_as_serde_json(&Everything {
            shapes: vec![
                Shape::Unit,
                Shape::Newtype(-7),
                Shape::Tuple(255, "x\"y".into()),
                Shape::Struct {
                    side: 1.5e-7,
                    name: Some('é'),
                },
                Shape::Struct {
                    side: f64::NAN,
                    name: None,
                },
            ],
            wrapper: Wrapper("w".into()),
            unit: (),
            big: i128::MIN,
            small: -128,
            floats: [0.1, -0.0, f64::INFINITY, 1e300],
            by_number: [(-1, true), (20, false)].into(),
            by_flag: [(false, u128::MAX)].into(),
            bytes: vec![0, 1, 255],
            escapes: "tab\tnl\ncr\rbs\\q\"\u{0}\u{8}\u{c}\u{1f}\u{7f}€ \u{2028}",
        });
    }

    #[test]
    fn refuses_keys_json_cannot_hold() {
        let map: BTreeMap<(i32, i32), i32> = [((1, 2), 3)].into();
        assert!(write(&mut Vec::new(), &map).is_err());
        assert!(serde_json::to_vec(&map).is_err());
    }

    proptest! {
        #[test]
        fn any_string_matches_serde_json(s in any::<String>()) {
            same_as_serde_json(&s);
        }

        #[test]
        fn strings_of_json_specials_match(
            s in proptest::collection::vec(
                prop_oneof![
                    Just('"'), Just('\\'), Just('a'), Just('é'), Just('\u{1}'), Just('\n'), Just('\u{7f}')
                ],
                0..40,
            )
        ) {
            same_as_serde_json(&s.into_iter().collect::<String>());
        }

        #[test]
        fn nested_values_match(v in json_value()) {
            same_as_serde_json(&v);
        }
    }

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::Value;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            any::<String>().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                proptest::collection::btree_map(any::<String>(), inner, 0..8)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }
}
