//! Whole runs with `least_loaded` pools behind their indexes against the
//! same runs scanning every copy: byte for byte the same replication, over
//! random models of every limit kind with queues, patience, redials and
//! heavy-tailed holding times (what `pool_index`'s property test feeds the
//! indexes by hand, here as the simulation does).

use crate::config::ModelDoc;
use crate::simulation::Sim;
use proptest::prelude::*;
use std::path::Path;

/// A random model: one Poisson source and a `least_loaded` pool of `pool`
/// copies (more than the scan threshold, so it is indexed) of `kind`.
fn model_toml(kind: usize, pool: u32, rate_per_min: u32, queue: bool, patience: bool, seed: u64) -> String {
    let limit = [
        "capacity = 2",
        "kind = \"rate\"\nmax = 3\nwindow = \"1m\"\nalgorithm = \"sliding_window\"",
        "kind = \"rate\"\nmax = 3\nwindow = \"1m\"\nalgorithm = \"fixed_window\"",
        "kind = \"rate\"\nmax = 3\nwindow = \"1m\"\nalgorithm = \"token_bucket\"",
        "kind = \"tokens\"\ntokens_per_minute = 4000\ntokens_per_call_minute = 1800",
        "kind = \"tokens\"\ntokens_per_minute = 6000\ntokens_per_call_minute = 1800\ngrowth_per_minute = 300",
        "kind = \"tokens\"\ntokens_per_minute = 20000\ntokens_per_call_minute = 1800\ngrowth_per_minute = 60",
    ][kind];
    let on_full = if queue { "on_full = { queue = { timeout = \"40s\" } }" } else { "" };
    let patience = if patience { "patience = { dist = \"exponential\", mean = \"30s\" }" } else { "" };
    format!(
        r#"
        name = "index-vs-scan"
        [run]
        horizon = "40m"
        warmup = "5m"
        replications = 1
        seed = {seed}
        [[sources]]
        name = "s"
        arrivals = {{ rate = "{rate_per_min}/min" }}
        holding = {{ dist = "lognormal", mean = "2m", cv = 1.5 }}
        {patience}
        redial = {{ max_attempts = 3, delay = {{ dist = "exponential", mean = "20s" }} }}
        [[limits]]
        name = "pool"
        pool = {pool}
        select = "least_loaded"
        {limit}
        {on_full}
        "#
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Indexed and scanned, a run ends with the same records, bit for bit
    /// (`Debug` prints every float exactly).
    #[test]
    fn an_indexed_pool_runs_exactly_as_a_scanned_one(
        kind in 0usize..7,
        pool in 65u32..160,
        rate_per_min in 20u32..400,
        queue in any::<bool>(),
        patience in any::<bool>(),
        seed in 0u64..1000,
    ) {
        let text = model_toml(kind, pool, rate_per_min, queue, patience, seed);
        let model = ModelDoc::parse(&text, Path::new("index-vs-scan.toml")).unwrap().build().unwrap();
        let indexed = Sim::new(&model, 0, 0, super::super::Keep::default());
        prop_assert!(indexed.limits[0].index.is_some());
        let mut scanned = Sim::new(&model, 0, 0, super::super::Keep::default());
        scanned.limits[0].index = None;
        let (a, b) = (indexed.run(), scanned.run());
        prop_assert!(a.total.attempts > 0);
        prop_assert_eq!(format!("{a:?}"), format!("{b:?}"));
    }
}
