//! Text from sources that do not promise UTF-8.

use std::borrow::Cow;

/// Decodes bytes that are UTF-8 or, failing that, Latin-1 (ISO 8859-1), losing nothing.
///
/// Avaya CMS sends names (and sometimes ids) in Latin-1. Every byte sequence has exactly one
/// reading here, so an id decoded for an event can always be compared with the same id later.
/// Valid UTF-8 is borrowed; only Latin-1 input allocates.
pub fn utf8_or_latin1(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_is_borrowed_and_latin1_is_decoded() {
        assert!(matches!(
            utf8_or_latin1(b"Ren\xc3\xa9"),
            Cow::Borrowed("René")
        ));
        assert_eq!(utf8_or_latin1(b"Ren\xe9"), "René");
        assert_eq!(utf8_or_latin1(b"\xff\x00"), "\u{ff}\u{0}");
    }
}
