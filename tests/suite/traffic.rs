//! Traffic as it really arrives, against exact theory: a constant profile is
//! plain Poisson, a finite population follows Engset, persistent redialing
//! follows the retrial queue; a replayed trace reproduces itself exactly.
//! Same rule as `theory.rs`: R = 100 replications, |T| > 4.06 fails.

use crate::common::*;
use simcall::config::ModelDoc;
use simcall::record::SeriesTotals;
use simcall::runs::replicate;

fn check(label: &str, values: &[f64], exact: f64) {
    let (t, mean, se) = t_stat(values, exact);
    println!("{label}: estimate {mean:.6} exact {exact:.6} rel.se {:.3}% T {t:+.2}", 100.0 * se / exact);
    assert!(t.abs() < T_CRIT, "{label}: estimate {mean} exact {exact} T {t}");
}

fn source_model(arrivals: &str, extra_source: &str, limits: &str, horizon_s: f64, warmup_s: f64) -> String {
    one_source_model(
        arrivals,
        "{ dist = \"exponential\", mean = \"1m\" }",
        extra_source,
        limits,
        horizon_s,
        warmup_s,
        17,
    )
}

#[test]
fn a_constant_profile_is_plain_poisson() {
    // 24 equal hourly rates of 10/min with 1 min holding: 10 Erl on 12 slots.
    let hourly = format!("{{ profile = \"flat\", hourly = [{}] }}", vec!["\"10/min\""; 24].join(", "));
    let m = model(&source_model(&hourly, "", "[[limits]]\nname = \"c\"\ncapacity = 12", 5.0e4, 1200.0));
    check("constant profile", &total(&replicate(&m, 0), |m| m.blocking_probability), erlang_b(10.0, 12));
    assert!((m.sources[0].arrival_rate_per_s - 10.0 / 60.0).abs() < 1e-12);
}

/// Engset time congestion with `s` sources of idle-to-busy ratio β on c
/// servers: P(n) ∝ C(s, n)·βⁿ, n = 0..c, at n = c.
fn engset_time_congestion(s: u32, beta: f64, c: u32) -> f64 {
    let terms: Vec<f64> = (0..=c)
        .map(|n| {
            let binom = (0..n).fold(1.0, |acc, k| acc * (s - k) as f64 / (k + 1) as f64);
            binom * beta.powi(n as i32)
        })
        .collect();
    terms[c as usize] / terms.iter().sum::<f64>()
}

#[test]
fn a_finite_population_follows_engset() {
    // Iversen, Teletraffic Engineering Handbook (ITU-D 2005), ch. 8: with N
    // sources, call congestion equals time congestion with N − 1 sources.
    let (n, gamma_per_min, c) = (30u32, 0.5, 10u32);
    let beta = gamma_per_min * 1.0; // γ × mean holding (1 min)
    let exact = engset_time_congestion(n - 1, beta, c);
    let m = model(&source_model(
        &format!("{{ population = {n}, rate_per_idle = \"{gamma_per_min}/min\" }}"),
        "",
        &format!("[[limits]]\nname = \"c\"\ncapacity = {c}"),
        5.0e4,
        1200.0,
    ));
    let reps = replicate(&m, 0);
    check("engset call congestion", &total(&reps, |m| m.blocking_probability), exact);
    // Time congestion with N sources, seen in the limit's occupancy: P(n = c).
    assert!(engset_time_congestion(n, beta, c) > exact, "time congestion exceeds call congestion");
}

#[test]
fn persistent_redialing_follows_the_mm1_retrial_queue() {
    // Falin & Templeton (1997), Retrial Queues, §1.2: M/M/1 with retrial rate
    // ν per caller in orbit; E[orbit] = ρ(λ + ρν) / (ν(1 − ρ)), and a first
    // attempt is blocked with probability ρ (the server is busy; PASTA).
    let (lam, mu, nu) = (0.6_f64, 1.0_f64, 0.5_f64);
    let rho = lam / mu;
    let exact_orbit = rho * (lam + rho * nu) / (nu * (1.0 - rho));
    let m = model(&one_source_model(
        &format!("{{ rate = \"{lam}/s\" }}"),
        &format!("{{ dist = \"exponential\", mean = \"{}\" }}", secs(1.0 / mu)),
        &format!(
            "redial = {{ max_attempts = 1000, delay = {{ dist = \"exponential\", mean = \"{}\" }} }}",
            secs(1.0 / nu)
        ),
        "[[limits]]\nname = \"server\"\ncapacity = 1",
        4000.0,
        400.0,
        5,
    ));
    let reps = replicate(&m, 0);
    check("M/M/1 retrial mean orbit", &total(&reps, |m| m.mean_redialing), exact_orbit);
    check("M/M/1 retrial first-attempt blocking", &total(&reps, |m| m.first_attempt_blocking), rho);
}

/// Stationary distribution of the M/M/c retrial queue truncated at
/// `j_max` callers in orbit, by Gauss–Seidel on the balance equations.
/// States (i busy servers, j in orbit): arrivals λ to (i+1, j) if i < c else
/// (i, j+1); retrials jν to (i+1, j−1) if i < c; services iμ to (i−1, j).
/// Returns (E[orbit], P(i = c)).
fn mmc_retrial(lam: f64, mu: f64, nu: f64, c: usize, j_max: usize) -> (f64, f64) {
    let idx = |i: usize, j: usize| j * (c + 1) + i;
    let n = (c + 1) * (j_max + 1);
    let mut p = vec![1.0 / n as f64; n];
    let out_rate = |i: usize, j: usize| {
        let arrive = if i < c || j < j_max { lam } else { 0.0 };
        let retry = if i < c { j as f64 * nu } else { 0.0 };
        arrive + retry + i as f64 * mu
    };
    for _ in 0..20_000 {
        let mut delta = 0.0;
        for j in 0..=j_max {
            for i in 0..=c {
                // Inflow into (i, j).
                let mut inflow = 0.0;
                if i > 0 {
                    inflow += p[idx(i - 1, j)] * lam; // arrival finding i − 1 < c busy
                    if j < j_max {
                        inflow += p[idx(i - 1, j + 1)] * (j + 1) as f64 * nu; // successful retrial
                    }
                }
                if i == c && j > 0 {
                    inflow += p[idx(c, j - 1)] * lam; // blocked arrival joins the orbit
                }
                if i < c {
                    inflow += p[idx(i + 1, j)] * (i + 1) as f64 * mu; // service completion
                }
                let new = inflow / out_rate(i, j);
                delta += (new - p[idx(i, j)]).abs();
                p[idx(i, j)] = new;
            }
        }
        let z: f64 = p.iter().sum();
        p.iter_mut().for_each(|x| *x /= z);
        if delta < 1e-13 {
            break;
        }
    }
    let orbit = (0..=j_max).map(|j| j as f64 * (0..=c).map(|i| p[idx(i, j)]).sum::<f64>()).sum();
    let busy = (0..=j_max).map(|j| p[idx(c, j)]).sum();
    (orbit, busy)
}

#[test]
fn persistent_redialing_on_several_lines_matches_the_retrial_ctmc() {
    let (lam, mu, nu, c) = (2.0, 1.0, 0.8, 3usize);
    let (orbit, busy) = mmc_retrial(lam, mu, nu, c, 150);
    // The truncation is harmless: the single-server case matches the closed form.
    let (o1, b1) = mmc_retrial(0.6, 1.0, 0.5, 1, 200);
    assert!((o1 - 0.6 * (0.6 + 0.6 * 0.5) / (0.5 * 0.4)).abs() < 1e-6 && (b1 - 0.6).abs() < 1e-9, "{o1} {b1}");
    let m = model(&one_source_model(
        &format!("{{ rate = \"{lam}/s\" }}"),
        "{ dist = \"exponential\", mean = \"1s\" }",
        &format!(
            "redial = {{ max_attempts = 1000, delay = {{ dist = \"exponential\", mean = \"{}\" }} }}",
            secs(1.0 / nu)
        ),
        &format!("[[limits]]\nname = \"lines\"\ncapacity = {c}"),
        3000.0,
        300.0,
        6,
    ));
    let reps = replicate(&m, 0);
    check("M/M/3 retrial mean orbit", &total(&reps, |m| m.mean_redialing), orbit);
    check("M/M/3 retrial first-attempt blocking", &total(&reps, |m| m.first_attempt_blocking), busy);
    // Redials inflate the offered traffic: attempts per caller > 1.
    assert!(total(&reps, |m| m.attempts_per_caller).iter().all(|a| *a > 1.0));
}

#[test]
fn a_replayed_trace_reproduces_its_own_arrivals() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("start,duration,source\n");
    let mut expected_calls = 0;
    let mut expected_holding = 0.0;
    for k in 0..500 {
        let start = 7.0 * k as f64 + (k % 3) as f64; // irregular starts over 3500 s
        let duration = 30.0 + (k % 7) as f64 * 11.0;
        let source = if k % 5 == 0 { "other" } else { "replay" };
        csv += &format!("{start},{duration},{source}\n");
        if source == "replay" && (100.0..3100.0).contains(&start) {
            expected_calls += 1;
            expected_holding += duration;
        }
    }
    std::fs::write(dir.path().join("calls.csv"), &csv).unwrap();
    let text = r#"
        name = "replay"
        [run]
        horizon = "3000s"
        warmup = "100s"
        replications = 3
        seed = 1
        [[sources]]
        name = "replay"
        arrivals = { trace = "calls.csv" }
        [[limits]]
        name = "trunk"
        capacity = 1000
        "#;
    let m = ModelDoc::parse(text, &dir.path().join("replay.toml")).and_then(|d| d.build()).unwrap();
    for r in replicate(&m, 0) {
        let g = &r.total;
        assert_eq!(g.offered_calls, expected_calls as f64);
        assert_eq!(g.carried_calls, expected_calls as f64);
        assert!((g.offered_load_erl - expected_holding / 3000.0).abs() < 1e-12);
    }
}

#[test]
fn bad_traffic_input_is_reported_with_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let parse =
        |text: &str| ModelDoc::parse(text, &dir.path().join("m.toml")).and_then(|d| d.build()).unwrap_err().to_string();
    let with = |arrivals: &str| {
        format!(
            "name = \"x\"\n[run]\nhorizon = \"1h\"\n[[sources]]\nname = \"s\"\narrivals = {arrivals}\nholding = {{ dist = \"exponential\", mean = \"1m\" }}\n[[limits]]\nname = \"c\"\ncapacity = 5\n"
        )
    };
    let e = parse(&with(&format!("{{ hourly = [{}] }}", vec!["\"1/min\""; 23].join(", "))));
    assert!(e.contains("needs 24 values") && e.contains("got 23"), "{e}");
    let e =
        parse(&with("{ points = [{ at = \"mon 09:00\", rate = \"5/min\" }, { at = \"17:00\", rate = \"1/min\" }] }"));
    assert!(e.contains("every point names a weekday"), "{e}");
    let e = parse(&with("{ hourly = [] , rate = \"1/min\" }"));
    assert!(e.contains("exactly one of"), "{e}");
    let e = parse(&with(&format!("{{ hourly = [{}] }}", vec!["\"0/min\""; 24].join(", "))));
    assert!(e.contains("zero everywhere"), "{e}");
    std::fs::write(dir.path().join("bad.csv"), "start,duration\n0,60\n10,sixty\n").unwrap();
    let e = parse(&with("{ trace = \"bad.csv\" }"));
    assert!(e.contains("line 3") && e.contains("duration"), "{e}");
}

#[test]
fn time_series_buckets_add_up_to_the_run() {
    // Counts per bucket sum to the run's counts; bucket means of calls in
    // progress average to the run's mean concurrency.
    let hourly = format!(
        "{{ hourly = [{}] }}",
        (0..24).map(|h| format!("\"{}/min\"", 2 + h % 7)).collect::<Vec<_>>().join(", ")
    );
    let m = model(&format!(
        r#"
        name = "series"
        [run]
        horizon = "1d"
        warmup = "1h"
        replications = 3
        seed = 8
        timeseries = "10m"
        [[sources]]
        name = "s"
        arrivals = {hourly}
        holding = {{ dist = "exponential", mean = "3m" }}
        patience = {{ dist = "exponential", mean = "30s" }}
        [[limits]]
        name = "agents"
        capacity = 15
        on_full = {{ queue = {{ timeout = "20s" }} }}
        "#
    ));
    let reps = replicate(&m, 0);
    for r in &reps {
        assert_eq!(r.series.len(), 144, "a day of 10-minute buckets");
        assert_eq!(r.series[0].start_s, 3600.0);
        type Pair = (&'static str, fn(&SeriesTotals) -> f64, f64);
        let pairs: [Pair; 4] = [
            ("offered_calls", |t| t.offered_calls, r.total.offered_calls),
            ("attempts", |t| t.attempts, r.total.attempts),
            ("blocked_calls", |t| t.blocked_calls, r.total.blocked_calls),
            ("abandoned_calls", |t| t.abandoned_calls, r.total.abandoned_calls),
        ];
        for (name, get, total) in pairs {
            let sum: f64 = r.series.iter().map(|b| get(&b.totals)).sum();
            assert_eq!(sum, total, "{name}");
        }
        let mean: f64 = r.series.iter().map(|b| b.totals.mean_concurrency).sum::<f64>() / 144.0;
        assert!((mean - r.total.mean_concurrency).abs() < 1e-9 * (1.0 + mean));
        let use_mean: f64 = r.series.iter().map(|b| b.limits[0]).sum::<f64>() / 144.0;
        assert!(
            (use_mean - r.limits[0].metrics.mean_occupancy).abs() < 1e-9 * (1.0 + use_mean),
            "limit use {use_mean} vs {}",
            r.limits[0].metrics.mean_occupancy
        );
    }
}
