//! Rows written by the encoder read back equal, and parsed rows re-encode to themselves: see
//! `rta_fuzz::avaya_roundtrip`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rta_fuzz::avaya_roundtrip(data));
