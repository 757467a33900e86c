//! Interned status words (codes, text reasons and details), so a slot stores 32-bit ids.
//!
//! The vocabulary is bounded ([`MAX_WORDS`]): a feed that sends a new word in every row
//! (free text, ids in a reason field) must not grow the table without bound. Once full, new
//! words read as [`OVERFLOW_WORD`] and are counted ([`crate::StateTable::overflowed_words`]);
//! the phase, times and every known word stay exact.

use crate::segments::Segments;
use dashmap::DashMap;
use dashmap::mapref::entry::Entry;
use std::collections::HashMap;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// Distinct status words the table keeps (a real ACD vocabulary is a few hundred).
pub const MAX_WORDS: usize = 1 << 16;
/// What a word read after the vocabulary filled up reads as.
pub const OVERFLOW_WORD: &str = "?";

/// Id of an interned word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Symbol(pub(crate) u32);

impl Symbol {
    const OVERFLOW: Symbol = Symbol(u32::MAX);
}

/// The table's word list, shared by every writer: lookups of known words never allocate,
/// reads of a symbol's word never lock.
#[derive(Debug)]
pub(crate) struct Symbols {
    ids: DashMap<Box<str>, u32, foldhash::fast::RandomState>,
    words: Segments<OnceLock<Box<str>>>,
    overflowed: AtomicU64,
}

impl Default for Symbols {
    fn default() -> Self {
        Symbols {
            ids: DashMap::default(),
            words: Segments::new(MAX_WORDS),
            overflowed: AtomicU64::new(0),
        }
    }
}

impl Symbols {
    pub(crate) fn intern(&self, word: &str) -> Symbol {
        if let Some(id) = self.ids.get(word) {
            return Symbol(*id);
        }
        if self.words.claimed() < MAX_WORDS {
            match self.ids.entry(word.into()) {
                Entry::Occupied(known) => return Symbol(*known.get()),
                Entry::Vacant(new) => {
                    if let Some((index, cell)) = self.words.claim() {
                        cell.get_or_init(|| word.into());
                        let id = u32::try_from(index).expect("MAX_WORDS fits a u32");
                        new.insert(id);
                        return Symbol(id);
                    }
                }
            }
        }
        self.overflowed.fetch_add(1, Ordering::Relaxed);
        Symbol::OVERFLOW
    }

    pub(crate) fn word(&self, symbol: Symbol) -> &str {
        self.words
            .get(symbol.0 as usize)
            .and_then(OnceLock::get)
            .map_or(OVERFLOW_WORD, |word| word)
    }

    pub(crate) fn overflowed(&self) -> u64 {
        self.overflowed.load(Ordering::Relaxed)
    }
}

/// One writer's copy of the symbols it has used. A status vocabulary is small, so after
/// warm-up every lookup is a plain local map hit: no shard lock, no shared cache line, which
/// is what made the shared map the update's most expensive step.
#[derive(Debug, Default)]
pub(crate) struct SymbolCache {
    known: HashMap<Box<str>, Symbol, foldhash::fast::RandomState>,
}

impl SymbolCache {
    pub(crate) fn intern(&mut self, shared: &Symbols, word: &str) -> Symbol {
        if let Some(&symbol) = self.known.get(word) {
            return symbol;
        }
        let symbol = shared.intern(word);
        // Overflowed words are not remembered: the cache stays as bounded as the vocabulary.
        if symbol != Symbol::OVERFLOW {
            self.known.insert(word.into(), symbol);
        }
        symbol
    }
}
