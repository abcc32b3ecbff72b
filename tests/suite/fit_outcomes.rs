//! A log with outcomes: patience recovered from waits censored by answers
//! (while the abandoned callers' own waits are biased low), holding times
//! from talk times only, redials from repeated callers.

use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Exp, LogNormal};
use simcall::config::{read_call_log_for_fit, CallColumns, OutcomeColumns};
use simcall::fit::{Counts, LogFit};

/// A log of `n` first calls: each caller waits for an answer that would
/// come after Exp(mean 40 s); patience is `patience`; an abandoned caller
/// redials with probability 0.6 after Exp(mean 300 s), at most 3 attempts
/// in all. Talk times are lognormal, mean 180 s, cv 0.8; an answered call's
/// logged duration is its wait plus its talk, an abandoned one's its wait.
fn log(n: usize, patience: &dyn Fn(&mut rand_xoshiro::Xoshiro256PlusPlus) -> f64, seed: u64) -> String {
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
    let answer = Exp::new(1.0 / 40.0).unwrap();
    let delay = Exp::new(1.0 / 300.0).unwrap();
    let s2 = (1.0f64 + 0.64).ln();
    let talk = LogNormal::new(180f64.ln() - s2 / 2.0, s2.sqrt()).unwrap();
    let mut rows: Vec<(f64, String)> = Vec::new();
    for caller in 0..n {
        let mut t = caller as f64 * 20.0;
        for attempt in 1..=3 {
            let (a, p) = (answer.sample(&mut rng), patience(&mut rng));
            if p < a {
                rows.push((t, format!("{t:.3},{p:.3},abandoned,{p:.3},,c{caller}")));
                if attempt == 3 || !rng.random_bool(0.6) {
                    break;
                }
                t += p + delay.sample(&mut rng);
            } else {
                let x = talk.sample(&mut rng);
                rows.push((t, format!("{t:.3},{:.3},answered,{a:.3},{x:.3},c{caller}", a + x)));
                break;
            }
        }
    }
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut csv = String::from("start,duration,outcome,wait,talk,caller\n");
    for (_, r) in rows {
        csv += &r;
        csv.push('\n');
    }
    csv
}

fn fit_of(csv: &str) -> LogFit {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.csv");
    std::fs::write(&path, csv).unwrap();
    let log = read_call_log_for_fit(&path, &CallColumns::default(), &OutcomeColumns::default(), None).unwrap();
    let calls: Vec<(f64, f64)> = log.starts_s.iter().copied().zip(log.durations_s.iter().copied()).collect();
    let mut f = LogFit::new(&Counts::of_starts(log.starts_s.iter().copied(), 300.0), Some(&calls));
    f.with_outcomes(&log, &LogFit::holding_durations(&log));
    f
}

#[test]
fn censored_patience_is_recovered_where_the_abandoned_waits_are_biased() {
    let exp = Exp::new(1.0 / 60.0).unwrap();
    let f = fit_of(&log(20_000, &|r| exp.sample(r), 1));
    let p = f.patience.as_ref().unwrap();
    let (mean, lo, hi) = p.exponential;
    println!(
        "patience Exp(60 s) censored by answers Exp(40 s): exponential MLE {mean:.1} s ({lo:.1}–{hi:.1}), \
         Kaplan-Meier median {:.1} s (exact {:.1}), naive mean of abandoned waits {:.1} s (exact E[P | P < A] = 24.0)",
        p.km_median_s,
        60.0 * 2f64.ln(),
        p.naive_mean_s
    );
    assert!(lo <= 60.0 && 60.0 <= hi, "exponential mean {mean} ({lo}–{hi})");
    assert_eq!(p.chosen(), "exponential", "{p:?}");
    // The naive mean is E[P | P < A] = 1/(1/60 + 1/40) = 24 s: far below 60.
    assert!((p.naive_mean_s / 24.0 - 1.0).abs() < 0.05, "naive {}", p.naive_mean_s);
    assert!((p.km_median_s / (60.0 * 2f64.ln()) - 1.0).abs() < 0.1, "median {}", p.km_median_s);
    // Holding from the answered calls' talk times (lognormal, mean 180 s),
    // not from their logged durations (wait + talk) or the abandoned ones'.
    assert_eq!(f.holding_from, "the answered calls' talk times");
    assert_eq!(f.holding[0].dist, "lognormal");
    assert!((f.holding[0].mean_s / 180.0 - 1.0).abs() < 0.03, "holding {}", f.holding[0].mean_s);
    // Redials: 0.6 after the 1st and 2nd failures (none after the 3rd, the
    // last attempt), delays Exp(300 s).
    let r = f.redial.as_ref().unwrap();
    let probs = r.probabilities();
    for (k, (p, (n, _))) in probs.iter().zip(&r.by_attempt).take(2).enumerate() {
        let se = (0.6f64 * 0.4 / *n as f64).sqrt();
        assert!((p - 0.6).abs() < 4.0 * se, "after attempt {}: {p} of {n}", k + 1);
    }
    assert_eq!(probs.get(2).copied(), Some(0.0));
    assert_eq!(r.max_attempts, 3);
    let d = &f.redial_delay[0];
    assert!((d.mean_s / 300.0 - 1.0).abs() < 0.05, "delay {} {}", d.dist, d.mean_s);
    // The snippet carries them, and makes a model.
    let snippet = f.snippet("inbound", "log.csv");
    assert!(
        snippet.contains("patience = { dist = \"exponential\", mean = \"")
            && snippet.contains("redial = { max_attempts = 3"),
        "{snippet}"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("arrivals.csv"), f.arrivals_csv().unwrap()).unwrap();
    let text = format!("name = \"refit\"\n[run]\nhorizon = \"1d\"\n{snippet}[[limits]]\nname = \"agents\"\ncapacity = 5\non_full = \"queue\"\n");
    let path = dir.path().join("refit.toml");
    std::fs::write(&path, &text).unwrap();
    let m = simcall::config::ModelDoc::load(&path).and_then(|d| d.build()).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let s = &m.sources[0];
    assert!((s.patience.as_ref().unwrap().mean_s() - mean).abs() < 0.1);
    assert_eq!(s.redial.as_ref().unwrap().max_attempts, 3);
}

#[test]
fn fit_prints_patience_and_redials_of_a_log_with_outcomes() {
    let exp = Exp::new(1.0 / 60.0).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cdr.csv");
    std::fs::write(&path, log(2_000, &|r| exp.sample(r), 3)).unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_simcall"))
        .arg("fit")
        .arg(&path)
        .arg("--out")
        .arg(dir.path().join("fit"))
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for want in [
        "holding time fitted to the answered calls' talk times",
        "answered after waiting: censored):",
        "the abandoned callers' own waits average",
        "redials (the same caller again within a day): after failed attempt 1:",
    ] {
        assert!(printed.contains(want), "{want}\n{printed}");
    }
    assert!(dir.path().join("fit/patience.csv").exists());
}

#[test]
fn a_lognormal_patience_is_told_from_an_exponential_one() {
    let s2 = (1.0f64 + 1.5 * 1.5).ln();
    let ln = LogNormal::new(60f64.ln() - s2 / 2.0, s2.sqrt()).unwrap();
    let f = fit_of(&log(20_000, &|r| ln.sample(r), 2));
    let p = f.patience.as_ref().unwrap();
    assert_eq!(p.chosen(), "lognormal", "{p:?}");
    let (mean, lo, hi, cv) = p.lognormal.unwrap();
    println!(
        "patience lognormal(60 s, cv 1.5): censored MLE mean {mean:.1} s ({lo:.1}–{hi:.1}), cv {cv:.2}; naive {:.1} s",
        p.naive_mean_s
    );
    let se = (hi - lo) / (2.0 * 1.96);
    assert!((mean - 60.0).abs() <= 4.0 * se, "mean {mean} ({lo}–{hi})");
    assert!((cv / 1.5 - 1.0).abs() < 0.15, "cv {cv}");
    assert!(p.naive_mean_s < 0.6 * 60.0, "naive {}", p.naive_mean_s);
}

#[test]
fn an_outcome_that_is_not_one_is_refused_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.csv");
    std::fs::write(&path, "start,duration,outcome,wait\n0,10,answered,1\n5,3,hung up,3\n").unwrap();
    let e = read_call_log_for_fit(&path, &CallColumns::default(), &OutcomeColumns::default(), None).unwrap_err();
    assert!(e.contains("line 3: outcome: \"hung up\" is not an outcome"), "{e}");
}
