//! An experiment file's text through `load_experiment`
//! (`invariants::experiment_bytes`), written into an
//! `experiments/` folder beside a copy of the shipped `models/`, so the
//! seeds' `model = "../models/…"` resolve.
#![no_main]
#[path = "../../tests/invariants.rs"]
mod invariants;
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let root = std::env::temp_dir().join(format!("simcall-fuzz-{}", std::process::id()));
        let models = root.join("models");
        std::fs::create_dir_all(&models).unwrap();
        for e in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../models")).unwrap().flatten() {
            std::fs::copy(e.path(), models.join(e.file_name())).unwrap();
        }
        let dir = root.join("experiments");
        std::fs::create_dir_all(&dir).unwrap();
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    invariants::experiment_bytes(data, dir());
});
