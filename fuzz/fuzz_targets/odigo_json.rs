//! No panic, stable results, bounded items, borrowed texts inside the body, reasons that echo
//! nothing, and agreement with the form decoder, for Odigo JSON bodies: see
//! `rta_fuzz::odigo_json`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rta_fuzz::odigo_json(data));
