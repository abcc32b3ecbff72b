//! Day-level variation: `simcall fit` recovers what a log generated from a
//! known model (models/call-centre.toml: Monday peaks, a lognormal day
//! factor of cv 0.10, a half-day factor of cv 0.04) was made with, from
//! call records and from interval counts, with days missing; and finds
//! none where the log has none.

use simcall::config::ModelDoc;
use simcall::fit::{Counts, LogFit, SPLIT_S};
use simcall::model::Model;
use std::path::Path;

fn repo(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The shipped call-centre model with its text edited by `edit`.
fn call_centre(edit: impl Fn(String) -> String) -> Model {
    let text = edit(std::fs::read_to_string(repo("models/call-centre.toml")).unwrap());
    ModelDoc::parse(&text, Path::new("call-centre.toml")).and_then(|d| d.build()).unwrap()
}

/// Starts (s) and durations of `days` days of `model`'s calls, without the
/// days `missing` says.
fn log(model: &Model, days: f64, missing: impl Fn(i64) -> bool) -> Vec<(f64, f64)> {
    simcall::arrivals::generate_log(model, days)
        .unwrap()
        .into_iter()
        .filter(|c| !missing((c.start_s / 86_400.0).floor() as i64))
        .map(|c| (c.start_s, c.duration_s))
        .collect()
}

fn fit(calls: &[(f64, f64)], resolution_s: f64) -> LogFit {
    LogFit::new(&Counts::of_starts(calls.iter().map(|c| c.0), resolution_s), Some(calls))
}

/// Whether `want` is within 4 standard errors of estimate `e` (the
/// project's validation rule, |T| ≤ 4), the standard error read from its
/// 95% interval's width (a quarter of it, as for a normal estimate).
fn agrees(e: &simcall::fit::Estimate, want: f64) -> bool {
    let se = (e.hi - e.lo) / (2.0 * 1.96);
    (e.value - want).abs() <= 4.0 * se
}

/// Mondays of three weeks, a Wednesday and a Saturday missing.
fn missing(d: i64) -> bool {
    [14, 63, 140, 30, 40].contains(&d)
}

#[test]
fn a_year_with_days_missing_gives_back_the_models_variation_and_day_of_week_factors() {
    let model = call_centre(|t| t);
    let calls = log(&model, 364.0, missing);
    let f = fit(&calls, 300.0);
    assert_eq!((f.span_days, f.observed_days), (364, 359));
    assert_eq!(f.profile.observed, [49, 52, 51, 52, 52, 51, 52]);

    // Day of week: each factor over its kind's mean.
    let dow = [1.15, 1.02, 1.0, 0.97, 0.92, 0.30, 0.15];
    let (weekday_mean, weekend_mean) = (dow[..5].iter().sum::<f64>() / 5.0, (dow[5] + dow[6]) / 2.0);
    for (w, factor) in dow.iter().enumerate() {
        let want = factor / if w < 5 { weekday_mean } else { weekend_mean };
        let e = f.day_of_week[w].unwrap();
        assert!(agrees(&e, want), "day {w}: {want} against {}", e.text(3));
    }

    // Missing Mondays do not dilute Monday's level: its busy hour (10:00)
    // is 540/h × 1.15 on average over its 49 days (day factor cv 0.10: a
    // standard error of 1.4%).
    let slots = 288;
    let monday_10 = f.profile.rates_per_h[10 * 12..11 * 12].iter().sum::<f64>() / 12.0;
    assert!((monday_10 / (540.0 * 1.15) - 1.0).abs() < 0.05, "Monday 10:00 {monday_10}/h");
    let tuesday_10 = f.profile.rates_per_h[slots + 10 * 12..slots + 11 * 12].iter().sum::<f64>() / 12.0;
    assert!((tuesday_10 / (540.0 * 1.02) - 1.0).abs() < 0.05, "Tuesday 10:00 {tuesday_10}/h");
    assert_eq!(f.profile.busy_hour, 10);

    // Day-level variation: the day factor's cv 0.10, the half-day's 0.04,
    // and the busy hour's √((1 + 0.10²)(1 + 0.04²) − 1).
    let v = f.variation.as_ref().expect("enough weekdays");
    assert_eq!(v.days, 52 * 5 - 3 - 1);
    let busy_hour_cv = ((1.01f64) * 1.0016 - 1.0).sqrt();
    for (name, e, want) in
        [("day", v.day_cv, 0.10), ("half-day", v.within_cv, 0.04), ("busy hour", v.busy_hour_cv, busy_hour_cv)]
    {
        assert!(agrees(&e, want), "{name} cv {want} against {}", e.text(3));
    }
    // Daily totals understate the busy hour's variation (they average the halves).
    assert!(v.daily_cv.value < v.busy_hour_cv.value, "{} vs {}", v.daily_cv.text(3), v.busy_hour_cv.text(3));
    // Within an hour the counts are Poisson given the half-day's level.
    assert!((v.dispersion_index - 1.0).abs() < 0.03, "dispersion index {}", v.dispersion_index);
    // With 255 busy days the log's own factors are resampled; their cv is the day factor's.
    let chosen = v.chosen.factor.as_ref().unwrap();
    assert_eq!(chosen.name(), "empirical");
    assert!((chosen.cv() - v.day_cv.value).abs() < 1e-9, "{} vs {}", chosen.cv(), v.day_cv.value);
    assert!(v.chosen.within.is_some());
    // The busiest days are Mondays, as the day-of-week factors make them.
    assert!(v.busiest_5_weekdays[0] >= 4, "{:?}", v.busiest_5_weekdays);
}

#[test]
fn a_log_without_variation_beyond_poisson_gets_none() {
    let model = call_centre(|t| {
        t.replace(
            ", day_to_day = { dist = \"lognormal\", cv = 0.10 }, within_day = { cv = 0.04, split = \"12:00\" }",
            "",
        )
    });
    assert!(model.sources[0].day_variation.is_none());
    let f = fit(&log(&model, 182.0, missing), 300.0);
    let v = f.variation.clone().unwrap();
    // Every interval starts at zero, and ends well below the 0.10 and 0.04
    // of the model with variation.
    for (name, e) in [("day", v.day_cv), ("half-day", v.within_cv), ("busy hour", v.busy_hour_cv)] {
        assert_eq!(e.lo, 0.0, "{name} cv {}", e.text(3));
        assert!(e.hi < 0.04, "{name} cv {}", e.text(3));
    }
    assert_eq!(v.chosen, simcall::model::DayVariation::default());
    assert!(v.tails.is_empty());
    let snippet = f.snippet("inbound", "log.csv");
    assert!(!snippet.contains("day_to_day") && !snippet.contains("within_day"), "{snippet}");
    assert!(snippet.contains("no variation beyond Poisson"), "{snippet}");
}

#[test]
fn the_fitted_tail_is_the_one_the_log_was_made_with() {
    // A year of weekdays with a strong day factor (cv 0.35): the lognormal's
    // heavier upper tail against the gamma's, told apart by AIC, and the
    // simulated busiest-5 ratio of each beside the log's.
    for (dist, other) in [("lognormal", "gamma"), ("gamma", "lognormal")] {
        let model = call_centre(|t| {
            t.replace("dist = \"lognormal\", cv = 0.10", &format!("dist = \"{dist}\", cv = 0.35"))
                .replace(", within_day = { cv = 0.04, split = \"12:00\" }", "")
        });
        let f = fit(&log(&model, 364.0, |_| false), 900.0);
        let v = f.variation.unwrap();
        let aic = |name: &str| v.tails.iter().find(|t| t.dist == name).unwrap().aic;
        assert!(aic(dist) < aic(other), "{dist}: AIC {} vs {other} {}", aic(dist), aic(other));
        assert!(agrees(&v.day_cv, 0.35), "{dist}: {}", v.day_cv.text(3));
        let empirical = v.tails.iter().find(|t| t.dist == "empirical").unwrap();
        assert!(
            (empirical.busiest_5_ratio / v.busiest_5_ratio - 1.0).abs() < 0.1,
            "{dist}: busiest-5 ratio {} resampled vs {} in the log",
            empirical.busiest_5_ratio,
            v.busiest_5_ratio
        );
    }
}

#[test]
fn interval_counts_fit_as_the_calls_they_count() {
    // The same log as 15-minute interval counts (empty intervals left out,
    // as exports do) gives the same profile and the same variation.
    let model = call_centre(|t| t);
    let calls = log(&model, 91.0, missing);
    let from_calls = fit(&calls, 900.0);
    let counts = Counts::of_starts(calls.iter().map(|c| c.0), 900.0);
    let mut csv = String::from("interval_start,offered\n");
    for (d, v) in &counts.days {
        for (s, n) in v.iter().enumerate().filter(|(_, n)| **n > 0.0) {
            csv += &format!("{},{n}\n", *d as f64 * 86_400.0 + s as f64 * 900.0);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("counts.csv");
    std::fs::write(&path, csv).unwrap();
    let rows = simcall::config::read_interval_counts(&path, "interval_start", "offered").unwrap();
    let from_counts = LogFit::new(&Counts::of_intervals(&rows, None).unwrap(), None);
    assert_eq!(from_counts.profile, from_calls.profile);
    // (Debug text: an empirical tail's AIC is NaN, which is not equal to itself.)
    assert_eq!(format!("{:?}", from_counts.variation), format!("{:?}", from_calls.variation));
    assert_eq!(from_counts.day_of_week, from_calls.day_of_week);
    assert!(from_counts.holding.is_empty() && from_counts.concurrency.is_none());
    // Its snippet says the holding time is not in the log.
    let snippet = from_counts.snippet("inbound", "counts.csv");
    assert!(snippet.contains("interval counts have no durations"), "{snippet}");
    assert_eq!(from_counts.variation.unwrap().split_s, SPLIT_S);
}

#[test]
fn the_snippet_and_its_profile_file_make_a_model_with_the_fitted_traffic() {
    let model = call_centre(|t| t);
    let f = fit(&log(&model, 91.0, missing), 300.0);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("arrivals.csv"), f.arrivals_csv().unwrap()).unwrap();
    let text = format!(
        "name = \"refit\"\n[run]\nhorizon = \"7d\"\n{}[[limits]]\nname = \"agents\"\ncapacity = 60\n",
        f.snippet("inbound", "log.csv")
    );
    let path = dir.path().join("refit.toml");
    std::fs::write(&path, &text).unwrap();
    let refit = ModelDoc::load(&path).and_then(|d| d.build()).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let s = &refit.sources[0];
    // The weekly profile's mean rate is the log's mean over its observed days.
    let weekly_calls = s.arrival_rate_per_s * 7.0 * 86_400.0;
    let levels: f64 = f.profile.levels.iter().map(|l| l.unwrap()).sum();
    assert!((weekly_calls / levels - 1.0).abs() < 1e-3, "{weekly_calls} vs {levels}");
    // The day variation written is the one chosen (factors to 4 decimals).
    let chosen = &f.variation.as_ref().unwrap().chosen;
    let (got, want) = (s.day_variation.factor.as_ref().unwrap(), chosen.factor.as_ref().unwrap());
    assert_eq!(got.name(), want.name());
    assert!((got.cv() - want.cv()).abs() < 1e-3, "{} vs {}", got.cv(), want.cv());
    assert_eq!(s.day_variation.within.is_some(), chosen.within.is_some());
    assert!((s.holding.mean_s() / 240.0 - 1.0).abs() < 0.02, "{}", s.holding.mean_s());
}

#[test]
fn the_shipped_interval_counts_are_what_generate_makes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("counts.csv");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_simcall"))
        .args([
            "generate",
            "models/call-centre.toml",
            "--days",
            "91",
            "--counts",
            "15min",
            "--drop-days",
            "14,30,63,75",
        ])
        .arg("--out")
        .arg(&out)
        .current_dir(repo(""))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("over 91 days (4 left out)"));
    let made = std::fs::read_to_string(&out).unwrap();
    assert_eq!(made, std::fs::read_to_string(repo("models/call-centre-counts.csv")).unwrap());
    // Dated from run.week_of (Monday 2026-09-07), 15-minute starts, the
    // dropped days absent: day 14 is Monday 2026-09-21.
    assert!(made.starts_with("start,count\n2026-09-07T00:00:00.000,"), "{}", &made[..60]);
    assert!(!made.contains("2026-09-21T") && made.contains("2026-09-22T10:15:00.000,"));
}
