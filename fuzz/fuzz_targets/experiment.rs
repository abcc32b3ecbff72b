//! An experiment file's text (naming the shipped voice-agent model) through
//! Experiment::load: any input gives a grid within the limits or errors,
//! never a panic, a hang or an allocation beyond the grid limit.
#![no_main]
use libfuzzer_sys::fuzz_target;
use simcall::config::{limits, Experiment};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let dir = std::env::temp_dir().join(format!("simcall-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let model = concat!(env!("CARGO_MANIFEST_DIR"), "/../models/voice-agent.toml");
    let _ = std::fs::copy(model, dir.join("voice-agent.toml"));
    let path = dir.join("e.toml");
    if std::fs::write(&path, text).is_err() {
        return;
    }
    if let Ok(exp) = Experiment::load(&path, &[]) {
        assert!(exp.cells.len() <= limits::MAX_CELLS);
        assert!(limits::file_name(&exp.name).is_ok());
    }
});
