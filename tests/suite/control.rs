//! Control variates: on M/M/c/c, the regression estimator of blocking with
//! the replication's offered work, or with its lost-calls-held overflow, as
//! the control (their means known from the rate), as verdicts use them,
//! covers the exact Erlang B value at the nominal rate, and its variance is
//! below the plain mean's; the controls' known means are the replications'
//! means on the shipped models, and the held overflow's is Molina's formula
//! in the stationary case.

use crate::common::model;
use simcall::capacity::erlang_b;
use simcall::runs::replicate;
use simcall::statistics::control::control_variate_ratio;

/// The coverage tests' M/M/c/c: offered Erlangs, lines, mean holding time
/// (s), horizon (h).
const MMCC: (f64, u64, f64, f64) = (40.0, 45, 180.0, 10.0);

/// [`MMCC`] after a 1 h warm-up, `replications` from `seed`, with `sla` (a
/// table's lines, or nothing).
fn mmcc(replications: usize, seed: u64, sla: &str) -> simcall::model::Model {
    let (erl, c, hold_s, horizon_h) = MMCC;
    model(&format!(
        r#"
        name = "mmcc"
        [run]
        horizon = "{horizon_h}h"
        warmup = "1h"
        replications = {replications}
        seed = {seed}
        {sla}
        [[sources]]
        name = "calls"
        arrivals = {{ offered_load = "{erl} erl" }}
        holding = {{ dist = "exponential", mean = "{hold_s}s" }}
        [[limits]]
        name = "trunk"
        capacity = {c}
        "#
    ))
}

#[test]
fn the_control_variate_interval_covers_erlang_b_at_its_nominal_rate_with_less_variance() {
    let (erl, c, hold_s, horizon_h) = MMCC;
    let rate_per_s = erl / hold_s;
    let m = mmcc(10, 24, "");
    let exact = erlang_b(erl, c);
    let horizon_s = horizon_h * 3600.0;
    let mu = [rate_per_s * horizon_s * hold_s];
    let sets = 400;
    let (mut covered, mut covered_plain) = (0, 0);
    let (mut se_cv, mut se_plain, mut ratio) = (0.0, 0.0, 0.0);
    for set in 0..sets {
        let reps = replicate(&m, set as u64);
        let y: Vec<f64> = reps.iter().map(|r| r.total.blocking_probability).collect();
        let (blocked, attempts): (Vec<f64>, Vec<f64>) =
            reps.iter().map(|r| (r.total.blocked_calls, r.total.attempts)).unzip();
        let x = vec![reps.iter().map(|r| r.total.offered_load_erl * horizon_s).collect::<Vec<_>>()];
        let e = control_variate_ratio(&blocked, &attempts, &x, &mu).expect("ten replications, a control that varies");
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

/// The lost-calls-held control as verdicts use it (the pooled ratio of
/// blocked calls to attempts), at the first look of 5 replications and at
/// 10: on the M/M/c/c above the interval covers Erlang B at 95% within its
/// binomial error over 400 replication sets, and its squared error is far
/// below the plain mean's and the offered-load control's.
#[test]
fn the_held_overflow_control_covers_erlang_b_from_five_replications() {
    let (erl, c, _, _) = MMCC;
    let exact = erlang_b(erl, c);
    for n in [5, 10] {
        let m = mmcc(n, 25, "[sla]\nmax_blocking = \"1%\"");
        assert_eq!(m.held_capacity(), Some(c as u32));
        let mu_held = m.expected_held_overflow_per_h(None).unwrap();
        let mu_offered = m.expected_offered_load_erl(None).unwrap();
        let sets = 400;
        let mut covered = 0;
        let (mut se_held, mut se_offered, mut se_plain) = (0.0, 0.0, 0.0);
        for set in 0..sets {
            let reps = replicate(&m, 1000 + set as u64);
            let y: Vec<f64> = reps.iter().map(|r| r.total.blocking_probability).collect();
            let (blocked, attempts): (Vec<f64>, Vec<f64>) =
                reps.iter().map(|r| (r.total.blocked_calls, r.total.attempts)).unzip();
            let held = vec![reps.iter().map(|r| r.held_overflow_per_h).collect::<Vec<_>>()];
            let offered = vec![reps.iter().map(|r| r.total.offered_load_erl).collect::<Vec<_>>()];
            let e = control_variate_ratio(&blocked, &attempts, &held, &[mu_held]).expect("a control that varies");
            if (e.mean - exact).abs() <= e.half_width(0.95) {
                covered += 1;
            }
            se_held += (e.mean - exact).powi(2);
            se_offered += control_variate_ratio(&blocked, &attempts, &offered, &[mu_offered])
                .map_or(f64::NAN, |o| (o.mean - exact).powi(2));
            se_plain += (y.iter().sum::<f64>() / n as f64 - exact).powi(2);
        }
        let coverage = covered as f64 / sets as f64;
        let binomial = 2.0 * (0.95f64 * 0.05 / sets as f64).sqrt();
        println!(
            "{n} replications: coverage {coverage:.3} ± {binomial:.3}; squared error plain / held {:.1}, offered / held {:.1}",
            se_plain / se_held,
            se_offered / se_held
        );
        assert!((coverage - 0.95).abs() <= binomial + 0.005, "coverage {coverage} with {n} replications");
        assert!(se_plain / se_held > 4.0 && se_offered / se_held > 1.5, "{se_plain} {se_offered} {se_held}");
    }
}

/// The held overflow's known mean in the stationary case is Molina's
/// lost-calls-held formula: first attempts per hour × P(Poisson(A) ≥ c),
/// summed here term by term (a warm-up of 40 h forgets the empty start even
/// for a lognormal holding time of cv 1.5, whose calls older than 10 h
/// still hold 2·10⁻⁶ of the load).
#[test]
fn the_held_overflow_mean_is_molinas_formula_when_stationary() {
    for (erl, c, holding) in [
        (40.0f64, 45u32, r#"{ dist = "exponential", mean = "180s" }"#),
        (8.0, 10, r#"{ dist = "lognormal", mean = "180s", cv = 1.5 }"#),
        (25.0, 20, r#"{ dist = "deterministic", value = "180s" }"#),
    ] {
        let m = model(&format!(
            r#"
            name = "molina"
            [run]
            horizon = "3h"
            warmup = "40h"
            [sla]
            max_blocking = "1%"
            [[sources]]
            name = "calls"
            arrivals = {{ offered_load = "{erl} erl" }}
            holding = {holding}
            [[limits]]
            name = "trunk"
            capacity = {c}
            "#
        ));
        let mut term = (-erl).exp();
        let mut below = 0.0;
        for k in 0..c {
            below += term;
            term *= erl / (k + 1) as f64;
        }
        let molina = erl / 180.0 * 3600.0 * (1.0 - below);
        let got = m.expected_held_overflow_per_h(None).unwrap();
        println!("A = {erl} Erl, c = {c}, holding {holding}: {got:.6} per hour, Molina {molina:.6}");
        assert!((got / molina - 1.0).abs() < 1e-6, "{got} vs {molina}");
    }
}

/// The control's known mean is the replications' mean: the expected
/// offered load of first attempts where each shipped model's SLA is judged
/// (the busy hour of a weekday profile, overdispersed or with conversation
/// turns, or the run) against 200 replications' `offered_load_erl` there,
/// within 4 standard errors; and the same for the lost-calls-held overflow
/// where a model has one that is not rare.
#[test]
fn the_expected_offered_load_is_the_mean_of_the_replications_where_the_sla_is_judged() {
    use simcall::config::ModelDoc;
    use simcall::statistics::Summary;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut held = 0;
    for (path, horizon, scale) in [
        ("models/plan-stack.toml", "1d", None),
        // Its busy hour at 24 Erl, where 30 calls are often in progress.
        ("models/plan-stack.toml", "1d", Some("0.4")),
        ("models/daily-profile.toml", "2d", None),
        ("models/voice-agent.toml", "2h", None),
        ("models/tts-semaphore.toml", "2h", None),
        ("models/turns-stack.toml", "2h", None),
        ("models/workspace-silence.toml", "2h", None),
    ] {
        let mut doc = ModelDoc::load(&root.join(path)).unwrap();
        if let Some(scale) = scale {
            doc.set("sources.inbound.arrivals.scale", simcall::config::overrides::parse_value(scale)).unwrap();
        }
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
        // The lost-calls-held overflow there, where the model has one and
        // it is not so rare that most replications see none.
        let held_control = s.judged.as_ref().map_or(s.held.as_ref(), |w| w.held.as_ref());
        if let Some(h) = held_control.filter(|h| h.expected_per_h >= 1.0) {
            let o = &h.overflow_per_h;
            let z = (o.mean - h.expected_per_h) / o.std_error;
            println!(
                "{path}: held overflow at {} calls {:.4} ± {:.4} per hour against {:.4} (z = {z:.2})",
                h.capacity, o.mean, o.std_error, h.expected_per_h
            );
            assert!(
                o.std_error > 0.0 && z.abs() < 4.0,
                "{path}: held overflow {} vs {} (z = {z})",
                o.mean,
                h.expected_per_h
            );
            held += 1;
        }
    }
    assert!(held >= 3, "only {held} of the models have a held control");
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

/// Near the limit, the verdicts' control-variate estimate is of the pooled
/// fraction Erlang B gives, not of the mean of per-replication fractions
/// (which sits about 2.5% below it on 2-hour windows of 200 calls, and
/// which a control-variate interval is narrow enough to tell apart): over
/// 60 runs of 40 replications of M/M/10/10 at 5 Erl, its mean is within 3
/// standard errors of B(5, 10).
#[test]
fn the_controlled_estimate_is_of_the_pooled_fraction_erlang_b_gives() {
    use simcall::runs::run_judged;
    let exact = erlang_b(5.0, 10);
    let text = |seed: u64| {
        format!(
            "name = \"b\"\n[run]\nhorizon = \"2h\"\nwarmup = \"10m\"\nreplications = 40\nseed = {seed}\n\
             [sla]\nmax_blocking = {exact}\n\
             [[sources]]\nname = \"s\"\narrivals = {{ offered_load = \"5 erl\" }}\nholding = {{ dist = \"exponential\", mean = \"3m\" }}\n\
             [[limits]]\nname = \"lines\"\ncapacity = 10\n"
        )
    };
    let runs = 60;
    let estimates: Vec<f64> = (0..runs)
        .map(|seed| {
            let (_, v) = run_judged(&model(&text(seed)), 0);
            v.objectives[0].controlled.as_ref().expect("controlled").mean
        })
        .collect();
    let e = simcall::statistics::Estimate::new(estimates);
    let z = (e.mean - exact) / e.std_error;
    println!("controlled {:.5} ± {:.5} against B(5, 10) = {exact:.5} (z = {z:.2})", e.mean, e.std_error);
    assert!(z.abs() < 3.0, "{} vs {exact} (z = {z})", e.mean);
}
