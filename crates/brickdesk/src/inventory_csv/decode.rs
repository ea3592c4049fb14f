//! Turning uploaded bytes into text: UTF-8 (with or without a byte-order
//! mark), or Windows-1252 when the bytes are not UTF-8 but read as it.

use serde::Serialize;

/// How a file's bytes were read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub enum SourceEncoding {
    /// UTF-8 without a byte-order mark.
    #[serde(rename = "utf-8")]
    Utf8,
    /// UTF-8 starting with a byte-order mark (as Excel writes "CSV UTF-8").
    #[serde(rename = "utf-8-bom")]
    Utf8Bom,
    /// Not UTF-8; read as Windows-1252 (Excel's plain "CSV" on Windows).
    #[serde(rename = "windows-1252")]
    Windows1252,
}

impl SourceEncoding {
    /// A sentence for the import report.
    pub fn describe(self) -> &'static str {
        match self {
            SourceEncoding::Utf8 => "UTF-8",
            SourceEncoding::Utf8Bom => "UTF-8 (with byte-order mark)",
            SourceEncoding::Windows1252 => {
                "Windows-1252: the file is not UTF-8, so it was read as Windows-1252 \
                 (check that £ signs and accents look right)"
            }
        }
    }
}

/// The bytes are neither UTF-8 nor plausible Windows-1252.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// Line of the first offending byte.
    pub line: u64,
    /// Why.
    pub reason: String,
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Bytes Windows-1252 leaves undefined: text containing them is not
/// Windows-1252 either.
const UNDEFINED_IN_1252: [u8; 5] = [0x81, 0x8D, 0x8F, 0x90, 0x9D];

fn line_of(bytes: &[u8], offset: usize) -> u64 {
    let newlines = bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count();
    u64::try_from(newlines).map_or(u64::MAX, |n| n + 1)
}

/// Decodes a file.
pub fn decode(bytes: &[u8]) -> Result<(String, SourceEncoding), DecodeError> {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(DecodeError {
            line: 1,
            reason: "the file is UTF-16; save it as \"CSV UTF-8\" and upload it again".into(),
        });
    }
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        return match std::str::from_utf8(rest) {
            Ok(text) => Ok((text.to_owned(), SourceEncoding::Utf8Bom)),
            Err(e) => Err(DecodeError {
                line: line_of(rest, e.valid_up_to()),
                reason: "the file starts with a UTF-8 byte-order mark but is not valid UTF-8"
                    .into(),
            }),
        };
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok((text.to_owned(), SourceEncoding::Utf8)),
        Err(e) => {
            if let Some(pos) = bytes.iter().position(|b| UNDEFINED_IN_1252.contains(b)) {
                return Err(DecodeError {
                    line: line_of(bytes, pos),
                    reason: format!(
                        "the file is neither UTF-8 nor Windows-1252 (byte 0x{:02X} on this \
                         line, first non-UTF-8 byte on line {}); save it as \"CSV UTF-8\"",
                        bytes[pos],
                        line_of(bytes, e.valid_up_to())
                    ),
                });
            }
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            Ok((text.into_owned(), SourceEncoding::Windows1252))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_utf8() {
        assert_eq!(
            decode("a,£1\n".as_bytes()),
            Ok(("a,£1\n".to_owned(), SourceEncoding::Utf8))
        );
    }

    #[test]
    fn bom_is_removed() {
        let mut bytes = UTF8_BOM.to_vec();
        bytes.extend_from_slice("set,£".as_bytes());
        assert_eq!(
            decode(&bytes),
            Ok(("set,£".to_owned(), SourceEncoding::Utf8Bom))
        );
    }

    #[test]
    fn pound_sign_byte_is_windows_1252() {
        assert_eq!(
            decode(b"price\n\xA312.50\ncaf\xE9\n"),
            Ok((
                "price\n£12.50\ncafé\n".to_owned(),
                SourceEncoding::Windows1252
            ))
        );
        // 0x80 is the euro sign in Windows-1252.
        assert_eq!(decode(b"\x80").map(|d| d.0), Ok("€".to_owned()));
    }

    #[test]
    fn bytes_undefined_in_1252_are_refused_with_their_line() {
        let err = decode(b"a\nb\n\x81x").err();
        assert_eq!(err.as_ref().map(|e| e.line), Some(3));
        assert!(err.is_some_and(|e| e.reason.contains("0x81")));
    }

    #[test]
    fn broken_utf8_after_a_bom_is_refused() {
        let err = decode(b"\xEF\xBB\xBFa\n\xA3").err();
        assert_eq!(err.map(|e| e.line), Some(2));
    }

    #[test]
    fn utf16_is_refused() {
        assert!(decode(b"\xFF\xFEa\x00").is_err());
    }
}
