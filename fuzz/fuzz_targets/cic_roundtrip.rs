//! CIC statuses written by the encoder read back equal in both dialects, and parsed status
//! lines re-encode to themselves: see `rta_fuzz::cic_roundtrip`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rta_fuzz::cic_roundtrip(data));
