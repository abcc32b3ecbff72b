//! What any input must give, whatever its bytes: a result within the
//! bounds or errors, never a panic, a hang or an allocation beyond the
//! bounds. The fuzz targets (`fuzz/`, libFuzzer) and the short fuzz run of
//! the test suite (`tests/suite/fuzz.rs`, stable Rust) include this file
//! (it is no part of the library's API); each check panics, as a harness
//! expects, when an input breaks the rule. They hold the soft bounds (no
//! harness passes `--yes`).

use simcall::config::bounds::{self, Reach};
use simcall::config::{load_experiment, ModelDoc};
use simcall::units::{parse_duration_s, parse_load_erl, parse_rate_per_s, weekday_index};
use simcall::work;
use std::path::Path;

/// A model file's text through the parser, the builder and the limits: a
/// model that builds is within every limit. Returns whether it built.
///
/// Panics when a built model is beyond a limit (or when a library panics).
pub fn model_bytes(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else { return false };
    let Ok(doc) = ModelDoc::parse(text, Path::new("fuzz.toml")) else { return false };
    let (model, _) = doc.check();
    let Some(m) = model else { return false };
    {
        assert!(work::arrivals_per_replication(&m) <= bounds::MAX_ARRIVALS_PER_REPLICATION);
        assert!(m.run.horizon_s.is_finite() && m.run.horizon_s > 0.0);
        assert!(m.run.max_replications <= bounds::MAX_REPLICATIONS);
        assert!(m.limits.iter().map(|l| l.pool as u64).sum::<u64>() <= bounds::MAX_COPIES);
        let w = work::work(&m, 1);
        assert!(w.memory_bytes.is_finite() && w.core_s.is_finite(), "{w:?}");
    }
    true
}

/// An experiment file's text, written as `e.toml` into `dir` (which holds
/// the model it names), through `load_experiment`: a grid within the
/// limits with a name that stays inside `output/`, or errors. Returns
/// whether it loaded.
///
/// Panics when a loaded grid is beyond a limit (or when a library panics).
pub fn experiment_bytes(data: &[u8], dir: &Path) -> bool {
    let Ok(text) = std::str::from_utf8(data) else { return false };
    let path = dir.join("e.toml");
    if std::fs::write(&path, text).is_err() {
        return false;
    }
    let Ok(exp) = load_experiment(&path, &[], Reach::Soft) else { return false };
    assert!(exp.cells.len() <= bounds::MAX_CELLS);
    assert!(bounds::file_name(&exp.name).is_ok());
    assert!(exp.work.memory_bytes.is_finite());
    true
}

/// The unit parsers: any text gives a finite value ≥ 0 or an error.
/// Returns whether any parser took it.
///
/// Panics when a parser returns a value that is not finite or negative.
pub fn unit_bytes(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else { return false };
    let values = [parse_duration_s(text), parse_rate_per_s(text), parse_load_erl(text)];
    for v in values.iter().flatten() {
        assert!(v.is_finite() && *v >= 0.0, "{text:?} gave {v}");
    }
    values.iter().any(Result::is_ok) | weekday_index(text).is_some()
}
