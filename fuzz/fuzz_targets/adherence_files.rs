//! No panic, sane line numbers and row counts in the four CSV readers of `rta-adherence`,
//! however the bytes are read: see `rta_fuzz::adherence_files`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rta_fuzz::adherence_files(data));
