//! Case folding of status keys (always case-insensitive) and of user ids (when configured).
//!
//! Folding is lower-casing char by char (`char::to_lowercase`, no locale rules): it needs no
//! table of its own, does not depend on the host's locale, and folding a folded value changes
//! nothing, so a folded key can be stored and compared again. Bytes that are not UTF-8 (a Latin-1 id) are folded ASCII only. A value
//! with nothing to fold is returned as it came, so only ids and keys that contain upper case
//! letters allocate.

use std::borrow::Cow;
use std::hash::Hasher;

/// The folded chars of `text`.
pub(crate) fn folded_chars(text: &str) -> impl Iterator<Item = char> + '_ {
    text.chars().flat_map(char::to_lowercase)
}

fn changes(c: char) -> bool {
    let mut lower = c.to_lowercase();
    lower.next() != Some(c) || lower.next().is_some()
}

/// `text` lower-cased; borrowed when already lower case.
pub(crate) fn fold_str(text: Cow<'_, str>) -> Cow<'_, str> {
    if text.chars().any(changes) {
        Cow::Owned(folded_chars(&text).collect())
    } else {
        text
    }
}

/// `bytes` lower-cased: as text when UTF-8, else ASCII only; borrowed when nothing changes.
pub(crate) fn fold_bytes(bytes: Cow<'_, [u8]>) -> Cow<'_, [u8]> {
    match std::str::from_utf8(&bytes) {
        Ok(text) if text.chars().any(changes) => {
            Cow::Owned(folded_chars(text).collect::<String>().into_bytes())
        }
        Ok(_) => bytes,
        Err(_) if bytes.iter().any(u8::is_ascii_uppercase) => {
            Cow::Owned(bytes.to_ascii_lowercase())
        }
        Err(_) => bytes,
    }
}

/// Whether two texts are equal once folded (no allocation).
pub(crate) fn folded_eq(a: &str, b: &str) -> bool {
    folded_chars(a).eq(folded_chars(b))
}

/// Hashes the folded form of `text` (no allocation), consistent with [`folded_eq`].
pub(crate) fn hash_folded(text: &str, hasher: &mut impl Hasher) {
    for c in folded_chars(text) {
        hasher.write_u32(u32::from(c));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_case_is_borrowed_and_upper_case_folded() {
        assert!(matches!(
            fold_str(Cow::Borrowed("at lunch")),
            Cow::Borrowed("at lunch")
        ));
        assert_eq!(
            fold_str(Cow::Borrowed("At Lunch, NO ACD")),
            "at lunch, no acd"
        );
        assert_eq!(fold_str(Cow::Borrowed("Pause DÉJEUNER")), "pause déjeuner");
        assert!(matches!(
            fold_bytes(Cow::Borrowed(b"j.doe@x")),
            Cow::Borrowed(b"j.doe@x")
        ));
        assert_eq!(&*fold_bytes(Cow::Borrowed(b"J.Doe")), b"j.doe");
        assert_eq!(&*fold_bytes(Cow::Borrowed(b"REN\xc9")), b"ren\xc9");
        assert!(folded_eq("Do Not Disturb", "do not DISTURB"));
        assert!(!folded_eq("Available", "Available, No ACD"));
    }
}
