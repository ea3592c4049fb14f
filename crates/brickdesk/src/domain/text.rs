//! What text Brickdesk accepts from outside (forms, query strings, JSON
//! bodies, CSV cells): no NUL and no other control character, except tab
//! and line breaks in a field that spans lines.

/// Fields whose text may span lines (a `<textarea>`, a CSV `notes` cell):
/// tab, CR and LF are allowed there.
const MULTILINE_FIELDS: &[&str] = &["notes"];

/// Text sent for a field holds a control character.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} contains a control character (U+{code:04X}); remove it and try again")]
pub struct ControlCharacter {
    /// The field, as the sender named it.
    pub field: String,
    /// The character's code point.
    pub code: u32,
}

/// Checks one text value sent for `field`: no NUL, and no other C0 control
/// character (nor DEL) except tab and line breaks in a multi-line field.
pub fn check_text(field: &str, value: &str) -> Result<(), ControlCharacter> {
    let multiline = MULTILINE_FIELDS.contains(&field);
    let bad = value
        .chars()
        .find(|&c| c.is_ascii_control() && !(multiline && matches!(c, '\t' | '\n' | '\r')));
    match bad {
        None => Ok(()),
        Some(c) => Err(ControlCharacter {
            field: field.to_owned(),
            code: u32::from(c),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_except_line_breaks_in_notes() {
        assert!(check_text("search", "Millennium Falcon £ 75192").is_ok());
        for bad in [
            "a\0b",
            "tab\there",
            "line\nbreak",
            "\u{1b}[31m",
            "del\u{7f}",
        ] {
            let err = check_text("search", bad).unwrap_err();
            assert!(err.to_string().starts_with("search contains"), "{err}");
        }
        assert_eq!(
            check_text("search", "a\0").unwrap_err().to_string(),
            "search contains a control character (U+0000); remove it and try again"
        );
        assert!(check_text("notes", "first line\r\nsecond\tline").is_ok());
        assert!(check_text("notes", "nul\0").is_err());
    }
}
