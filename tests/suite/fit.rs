//! `simcall fit` on the shipped example log (models/calls-example.csv, made
//! by `simcall generate` from models/calls-example.toml): fitting recovers the
//! profile and the holding-time distribution the log was made from.

use simcall::config::{read_call_log, ModelDoc};
use simcall::model::Arrivals;
use statrs::distribution::{ChiSquared, ContinuousCDF};
use std::path::Path;

fn repo(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

#[test]
fn the_example_log_is_what_generate_makes() {
    let model = ModelDoc::load(&repo("models/calls-example.toml")).unwrap().build().unwrap();
    let generated = simcall::arrivals::generate_log(&model, 14.0).unwrap();
    let shipped = read_call_log(&repo("models/calls-example.csv")).unwrap();
    assert_eq!(generated.len(), shipped.len());
    for (g, s) in generated.iter().zip(&shipped) {
        // The CSV keeps milliseconds.
        assert!((g.start_s - s.start_s).abs() < 1e-3 && (g.duration_s - s.duration_s).abs() < 1e-3);
    }
}

#[test]
fn fitting_recovers_the_profile_and_the_holding_distribution() {
    let model = ModelDoc::load(&repo("models/calls-example.toml")).unwrap().build().unwrap();
    let Arrivals::Profile(profile) = &model.sources[0].arrivals else { panic!("the example is a profile") };
    let calls = read_call_log(&repo("models/calls-example.csv")).unwrap();

    // Profile: 14 days cover each hour of the week twice, so the count in
    // slot h is Poisson with mean 2 × ∫ rate over that hour. The fit pools
    // the weekdays' (and the weekends') shapes, which only lowers the
    // variance of each slot's estimate: Σ (O − E)²/E over the slots is at
    // most χ² with one degree of freedom per slot; fail above its 0.9999
    // quantile.
    let pairs: Vec<(f64, f64)> = calls.iter().map(|c| (c.start_s, c.duration_s)).collect();
    let fit =
        simcall::fit::LogFit::new(&simcall::fit::Counts::of_starts(pairs.iter().map(|c| c.0), 3600.0), Some(&pairs));
    let rates = &fit.profile.rates_per_h;
    assert_eq!(rates.len(), 168);
    let rate_at = |t: f64| {
        let k = profile.starts_s.partition_point(|s| *s <= t).saturating_sub(1);
        profile.rates_per_s[k]
    };
    let mut chi2 = 0.0;
    for (h, fitted) in rates.iter().enumerate() {
        // ∫ over the hour, by minutes (the profile changes on half hours).
        let expected_per_h: f64 = (0..60).map(|m| rate_at(h as f64 * 3600.0 + m as f64 * 60.0 + 30.0) * 60.0).sum();
        let (observed, expected) = (fitted * 2.0, expected_per_h * 2.0);
        chi2 += (observed - expected).powi(2) / expected;
    }
    let limit = ChiSquared::new(168.0).unwrap().inverse_cdf(0.9999);
    assert!(chi2 < limit, "chi-square {chi2:.1} over 168 slots, limit {limit:.1}");

    // Holding: lognormal, mean 180 s, cv 0.8. With 17k calls the standard
    // error of the mean is 0.6% and of the cv about 1.5%: allow 3% and 6%.
    let fits = &fit.holding;
    assert_eq!(fits[0].dist, "lognormal", "{fits:?}");
    assert!((fits[0].mean_s / 180.0 - 1.0).abs() < 0.03, "mean {}", fits[0].mean_s);
    assert!((fits[0].cv / 0.8 - 1.0).abs() < 0.06, "cv {}", fits[0].cv);

    // The snippet is a valid model source.
    let snippet = fit.snippet("inbound", "calls-example.csv");
    let text =
        format!("name = \"refit\"\n[run]\nhorizon = \"1d\"\n{snippet}[[limits]]\nname = \"trunk\"\ncapacity = 10\n");
    let refit = ModelDoc::parse(&text, Path::new("refit.toml")).and_then(|d| d.build()).unwrap();
    assert!((refit.sources[0].holding.mean_s() / 180.0 - 1.0).abs() < 0.03);
}
