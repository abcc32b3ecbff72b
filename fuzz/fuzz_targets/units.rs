//! The unit parsers: any text gives a finite value ≥ 0 or an error.
#![no_main]
use libfuzzer_sys::fuzz_target;
use simcall::units::{parse_duration_s, parse_load_erl, parse_rate_per_s, weekday_index};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for v in [parse_duration_s(text), parse_rate_per_s(text), parse_load_erl(text)].into_iter().flatten() {
        assert!(v.is_finite() && v >= 0.0);
    }
    let _ = weekday_index(text);
});
