//! No panic and bounded memory in the Avaya framing and assembler, whatever the bytes and
//! however the reads cut them: see `rta_fuzz::avaya_codec`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rta_fuzz::avaya_codec(data));
