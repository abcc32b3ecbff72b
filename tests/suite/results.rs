//! Results are data: a run's summary and a sweep's cells are saved as JSON
//! and read back unchanged (the cell store, resumable sweeps, costs and the
//! report build on this), NaN estimates included.

use simcall::config::bounds::Reach;
use simcall::config::{load_experiment, ModelDoc};
use simcall::runs;
use simcall::statistics::Summary;
use simcall::statistics::SweepResult;
use std::path::Path;

fn repo(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The bits of every number in a JSON value, in document order: a round
/// trip must keep each one exactly.
fn numbers(v: &serde_json::Value, out: &mut Vec<Option<u64>>) {
    match v {
        serde_json::Value::Number(n) => out.push(n.as_f64().map(f64::to_bits)),
        serde_json::Value::Null => out.push(None),
        serde_json::Value::Array(a) => a.iter().for_each(|x| numbers(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| numbers(x, out)),
        _ => {}
    }
}

#[test]
fn a_summary_round_trips_through_a_file() {
    // Pools, rate and token limits (NaN p99), a time series and a campaign.
    for (model, sets) in [
        ("models/outbound.toml", vec![("run.horizon", "2h"), ("run.replications", "3"), ("run.timeseries", "\"30m\"")]),
        (
            "models/campaign.toml",
            vec![("run.horizon", "1d"), ("run.replications", "2"), ("campaigns.renewals.leads", "300")],
        ),
    ] {
        let mut doc = ModelDoc::load(&repo(model)).unwrap();
        for (k, v) in sets {
            doc.set(k, simcall::config::overrides::parse_value(v)).unwrap();
        }
        let m = doc.build().unwrap();
        let s = runs::run_model(&m, 0);
        assert!(s.limits.iter().any(|l| l.metrics.p99_occupancy.mean.is_nan()) || !s.campaigns.is_empty());
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("summary.json");
        std::fs::write(&file, s.to_json()).unwrap();
        let back = Summary::from_json(&std::fs::read_to_string(&file).unwrap(), &file).unwrap();
        assert_eq!(back.to_json(), s.to_json(), "{model}");
        let (mut a, mut b) = (Vec::new(), Vec::new());
        numbers(&serde_json::from_str(&s.to_json()).unwrap(), &mut a);
        numbers(&serde_json::from_str(&back.to_json()).unwrap(), &mut b);
        assert_eq!(a, b);
        assert!(a.len() > 100, "{model}: {} numbers", a.len());
        // Typed fields survive: names, kinds and every finite estimate.
        assert_eq!(
            back.limits.iter().map(|l| &l.kind).collect::<Vec<_>>(),
            s.limits.iter().map(|l| &l.kind).collect::<Vec<_>>()
        );
        assert_eq!(back.total.blocking_probability, s.total.blocking_probability);
        assert_eq!(back.series, s.series);
    }
    let bad = Summary::from_json("{\"sources\": 3}", Path::new("x.json")).unwrap_err();
    assert_eq!(bad.exit_code(), 2);
    assert!(bad.to_string().contains("x.json") && bad.to_string().contains("not a saved simcall summary"), "{bad}");
}

#[test]
fn a_sweeps_cells_round_trip_through_json() {
    let dir = tempfile::tempdir().unwrap();
    let exp_path = dir.path().join("e.toml");
    std::fs::write(
        &exp_path,
        format!(
            "name = \"e\"\nmodel = \"{}\"\nrun = {{ replications = 3, horizon = \"1h\" }}\n\
             sweep = {{ \"sources.inbound.arrivals.rate\" = [\"5/min\", \"10/min\"] }}\n\
             [[tiers]]\nname = \"small\"\nprice_per_month = 1\nset = {{ \"limits.trunk.capacity\" = 20 }}\n\
             [[tiers]]\nname = \"large\"\nprice_per_month = 2\n",
            repo("models/voice-agent.toml").display()
        ),
    )
    .unwrap();
    let exp = load_experiment(&exp_path, &[], Reach::Soft).unwrap();
    let res = runs::run_grid(&exp, &|| {});
    let text = serde_json::to_string(&res).unwrap();
    let back: SweepResult = serde_json::from_str(&text).unwrap();
    assert_eq!(serde_json::to_string(&back).unwrap(), text);
    assert_eq!(back.recommendation, res.recommendation);
    assert_eq!(back.cells.len(), 4);
}
