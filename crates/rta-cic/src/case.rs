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

/// Whether two texts are equal once folded (no allocation). Two ASCII texts (status keys
/// nearly always are) are compared bytewise, ignoring ASCII case, which is the same.
pub(crate) fn folded_eq(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    folded_chars(a).eq(folded_chars(b))
}

/// Hashes the folded form of `text` (no allocation), consistent with [`folded_eq`]: the
/// UTF-8 bytes of the folded text, written in pieces of [`HASH_PIECE`] bytes (the last one
/// shorter), then `0xff`. An ASCII text is lower-cased a piece at a time; any other goes char
/// by char into the same pieces, so equal folded texts hash alike whichever path they take.
pub(crate) fn hash_folded(text: &str, hasher: &mut impl Hasher) {
    let mut piece = [0u8; HASH_PIECE];
    if text.is_ascii() {
        for chunk in text.as_bytes().chunks(HASH_PIECE) {
            let piece = &mut piece[..chunk.len()];
            piece.copy_from_slice(chunk);
            piece.make_ascii_lowercase();
            hasher.write(piece);
        }
    } else {
        let mut len = 0;
        for c in folded_chars(text) {
            let mut utf8 = [0; 4];
            for &byte in c.encode_utf8(&mut utf8).as_bytes() {
                piece[len] = byte;
                len += 1;
                if len == HASH_PIECE {
                    hasher.write(&piece);
                    len = 0;
                }
            }
        }
        if len > 0 {
            hasher.write(&piece[..len]);
        }
    }
    hasher.write_u8(0xff);
}

/// The bytes [`hash_folded`] hands to the hasher at a time.
const HASH_PIECE: usize = 32;

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

    fn hash(text: &str) -> u64 {
        let mut hasher = std::hash::DefaultHasher::new();
        hash_folded(text, &mut hasher);
        hasher.finish()
    }

    #[test]
    fn ascii_and_other_texts_fold_and_hash_alike() {
        // The Kelvin sign folds to an ASCII `k`: the char path must meet the ASCII one.
        let long = "Break, Short - Kitchen Duty / Weekly Review";
        let kelvin = long.replace('K', "\u{212a}");
        assert!(long.len() > HASH_PIECE);
        for (a, b) in [
            ("key", "\u{212a}EY"),
            (long, kelvin.as_str()),
            ("Pause DÉJEUNER", "pause déjeuner"),
            ("AT LUNCH", "at lunch"),
            (&"x".repeat(HASH_PIECE), &"X".repeat(HASH_PIECE)),
        ] {
            assert!(folded_eq(a, b), "{a} {b}");
            assert!(folded_eq(&fold_str(Cow::Borrowed(a)), b), "{a} {b}");
            assert_eq!(hash(a), hash(b), "{a} {b}");
        }
        assert!(!folded_eq("at lunch", "at lunch "));
        assert_ne!(hash("ab"), hash("a"));
        assert_ne!(
            hash(&"x".repeat(HASH_PIECE)),
            hash(&"x".repeat(HASH_PIECE + 1))
        );
    }
}
