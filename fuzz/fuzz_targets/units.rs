//! The unit parsers (`simcall::config::invariants::unit_bytes`).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    simcall::config::invariants::unit_bytes(data);
});
