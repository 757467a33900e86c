//! Interned status words (codes, text reasons and details), so a slot stores 32-bit ids.

use dashmap::DashMap;

/// Id of an interned word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Symbol(pub(crate) u32);

/// Append-only word table: lookups of known words never allocate, reads never lock.
#[derive(Debug, Default)]
pub(crate) struct Symbols {
    ids: DashMap<Box<str>, u32, foldhash::fast::RandomState>,
    words: boxcar::Vec<Box<str>>,
}

impl Symbols {
    pub(crate) fn intern(&self, word: &str) -> Symbol {
        if let Some(id) = self.ids.get(word) {
            return Symbol(*id);
        }
        let id = *self.ids.entry(word.into()).or_insert_with(|| {
            u32::try_from(self.words.push(word.into())).expect("fewer than 2^32 status words")
        });
        Symbol(id)
    }

    pub(crate) fn word(&self, symbol: Symbol) -> &str {
        self.words.get(symbol.0 as usize).map_or("", |word| word)
    }
}
