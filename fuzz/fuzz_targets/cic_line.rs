//! No panic, bounded memory and outputs, and the same result however the reads cut the
//! stream, in the CIC line dialect's framing and session: see `rta_fuzz::cic_line`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rta_fuzz::cic_line(data));
