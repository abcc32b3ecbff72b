//! A model file's text through the parser and the builder
//! (`simcall::config::invariants::model_bytes`).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    simcall::config::invariants::model_bytes(data);
});
