//! Control variates: on M/M/c/c, the regression estimator of blocking with
//! the replication's offered work as the control (its mean known from the
//! rate), as verdicts use it, covers the exact Erlang B value at the
//! nominal rate, and its variance is below the plain mean's; the control's
//! known mean is the replications' mean on the shipped models.

use crate::common::model;
use simcall::capacity::erlang_b;
use simcall::runs::replicate;
use simcall::statistics::control::control_variate;

#[test]
fn the_control_variate_interval_covers_erlang_b_at_its_nominal_rate_with_less_variance() {
    let (erl, c, hold_s, horizon_h) = (40.0, 45u64, 180.0, 10.0);
    let rate_per_s = erl / hold_s;
    let m = model(&format!(
        r#"
        name = "mmcc"
        [run]
        horizon = "{horizon_h}h"
        warmup = "1h"
        replications = 10
        seed = 24
        [[sources]]
        name = "calls"
        arrivals = {{ offered_load = "{erl} erl" }}
        holding = {{ dist = "exponential", mean = "{hold_s}s" }}
        [[limits]]
        name = "trunk"
        capacity = {c}
        "#
    ));
    let exact = erlang_b(erl, c);
    let horizon_s = horizon_h * 3600.0;
    let mu = [rate_per_s * horizon_s * hold_s];
    let sets = 400;
    let (mut covered, mut covered_plain) = (0, 0);
    let (mut se_cv, mut se_plain, mut ratio) = (0.0, 0.0, 0.0);
    for set in 0..sets {
        let reps = replicate(&m, set as u64);
        let y: Vec<f64> = reps.iter().map(|r| r.total.blocking_probability).collect();
        let x = vec![reps.iter().map(|r| r.total.offered_load_erl * horizon_s).collect::<Vec<_>>()];
        let e = control_variate(&y, &x, &mu).expect("ten replications, a control that varies");
        if (e.mean - exact).abs() <= e.half_width(0.95) {
            covered += 1;
        }
        let plain = simcall::statistics::Estimate::new(y.clone());
        if (plain.mean - exact).abs() <= plain.ci95 {
            covered_plain += 1;
        }
        se_cv += (e.mean - exact).powi(2);
        se_plain += (plain.mean - exact).powi(2);
        ratio += e.variance_ratio / sets as f64;
    }
    let coverage = covered as f64 / sets as f64;
    let binomial = 2.0 * (0.95f64 * 0.05 / sets as f64).sqrt();
    println!(
        "coverage {coverage:.3} (plain {:.3}) ± {binomial:.3}; squared error plain / control {:.2}; mean estimated variance ratio {ratio:.2}",
        covered_plain as f64 / sets as f64,
        se_plain / se_cv
    );
    assert!((coverage - 0.95).abs() <= binomial + 0.005, "coverage {coverage}");
    assert!(se_plain / se_cv > 1.5, "squared error plain {se_plain} vs control {se_cv}");
}

/// The control's known mean is the replications' mean: the expected
/// offered load of first attempts where each shipped model's SLA is judged
/// (the busy hour of a weekday profile, overdispersed or with conversation
/// turns, or the run) against 200 replications' `offered_load_erl` there,
/// within 4 standard errors.
#[test]
fn the_expected_offered_load_is_the_mean_of_the_replications_where_the_sla_is_judged() {
    use simcall::config::ModelDoc;
    use simcall::statistics::Summary;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for (path, horizon) in [
        ("models/plan-stack.toml", "1d"),
        ("models/daily-profile.toml", "2d"),
        ("models/voice-agent.toml", "2h"),
        ("models/tts-semaphore.toml", "2h"),
    ] {
        let mut doc = ModelDoc::load(&root.join(path)).unwrap();
        doc.set("run.replications", simcall::config::overrides::parse_value("200")).unwrap();
        doc.set("run.horizon", simcall::config::overrides::parse_value(&format!("\"{horizon}\""))).unwrap();
        let m = doc.build().unwrap_or_else(|e| panic!("{e}"));
        let reps = replicate(&m, 0);
        let s = Summary::new(&m, &reps);
        let (offered, expected) = match &s.judged {
            Some(w) => (&w.offered_load_erl, w.expected_offered_load_erl),
            None => (&s.total.offered_load_erl, s.expected_offered_load_erl),
        };
        let expected = expected.unwrap_or_else(|| panic!("{path}: the mean is known"));
        let z = (offered.mean - expected) / offered.std_error;
        println!(
            "{path}: offered {:.4} ± {:.4} Erl against {expected:.4} (z = {z:.2})",
            offered.mean, offered.std_error
        );
        assert!(z.abs() < 4.0, "{path}: {} vs {expected} (z = {z})", offered.mean);
    }
}

/// A sweep's cell judged with a control variate takes its first look after
/// half its replications and stops there when decided; `simcall run` and a
/// cell whose lost callers cannot be controlled (the busiest days are
/// picked from the run) run `replications` first.
#[test]
fn a_controlled_cell_is_decided_at_its_first_look_and_a_run_is_not() {
    use simcall::runs::{run_jobs, run_judged};
    let text = |days: &str| {
        format!(
            r#"
            name = "far"
            [run]
            horizon = "3d"
            warmup = "1h"
            replications = {{ min = 10, max = 40 }}
            seed = 24
            [sla]
            max_blocking = "1%"
            {days}
            [[sources]]
            name = "calls"
            arrivals = {{ offered_load = "5 erl" }}
            holding = {{ dist = "exponential", mean = "3m" }}
            [[limits]]
            name = "trunk"
            capacity = 20
            "#
        )
    };
    let reps = |s: &simcall::statistics::Summary| s.total.attempts.replications.len();
    let m = model(&text(""));
    let (cell, verdict) = run_jobs(&[(&m, 0)], &|| {}).remove(0);
    assert_eq!((reps(&cell), verdict.verdict), (5, simcall::statistics::Verdict::Pass));
    assert_eq!(reps(&run_judged(&m, 0).0), 10);
    let busiest = model(&text("over = \"busy_hour\"\ndays = \"2 busiest\""));
    assert_eq!(reps(&run_jobs(&[(&busiest, 0)], &|| {}).remove(0).0), 10);
}
