//! No panic, ordered events and figures that add up in the adherence evaluator, whatever the
//! configuration, statuses, clock and health: see `rta_fuzz::adherence_evaluator`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rta_fuzz::adherence_evaluator(data));
