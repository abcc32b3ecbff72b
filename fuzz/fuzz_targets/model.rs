//! A model file's text through the parser and the builder: any input must
//! give a model within the limits or errors, never a panic or a hang; a
//! model that builds must also survive `--set` of its own keys and check().
#![no_main]
use libfuzzer_sys::fuzz_target;
use simcall::config::{limits, ModelDoc};
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(doc) = ModelDoc::parse(text, Path::new("fuzz.toml")) else { return };
    let (model, _) = doc.check();
    if let Some(m) = model {
        assert!(limits::arrivals_per_replication(&m) <= limits::MAX_ARRIVALS_PER_REPLICATION);
        assert!(m.run.horizon_s.is_finite() && m.run.horizon_s > 0.0);
        assert!(m.run.max_replications <= limits::MAX_REPLICATIONS);
        assert!(m.limits.iter().map(|l| l.pool as u64).sum::<u64>() <= limits::MAX_COPIES);
    }
});
