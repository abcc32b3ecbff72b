//! The unit parsers (`invariants::unit_bytes`).
#![no_main]
#[path = "../../tests/invariants.rs"]
mod invariants;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    invariants::unit_bytes(data);
});
