//! No panic, stable results, borrowed texts inside the body, reasons that echo nothing, and
//! agreement with the JSON decoder, for Odigo form bodies (and the input as a content type):
//! see `rta_fuzz::odigo_form`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rta_fuzz::odigo_form(data));
