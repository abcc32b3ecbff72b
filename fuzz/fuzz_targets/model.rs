//! A model file's text through the parser and the builder
//! (`invariants::model_bytes`).
#![no_main]
#[path = "../../tests/invariants.rs"]
mod invariants;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    invariants::model_bytes(data);
});
