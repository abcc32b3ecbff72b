//! The whole limit chain against exact theory: rate limits, pools, per-source
//! caps inside a shared cap, token budgets; and conservation and turn
//! latency with every outcome in play. Same rule as `theory.rs`: R = 100
//! replications, |T| > 4.06 fails.

use crate::common::*;
use simcall::runs::replicate;

const R: usize = 100;

/// The T check of one estimate per replication against `exact`.
fn check(label: &str, values: &[f64], exact: f64) {
    let (t, mean, se) = t_stat(values, exact);
    println!("{label}: estimate {mean:.6} exact {exact:.6} rel.se {:.3}% T {t:+.2}", 100.0 * se / exact);
    assert!(t.abs() < T_CRIT, "{label}: estimate {mean} exact {exact} T {t}");
}

/// A model with one Poisson source of `rate_per_s` and the given limits (TOML).
fn one_source(rate_per_s: f64, holding: &str, horizon_s: f64, limits: &str) -> String {
    one_source_model(&format!("{{ rate = \"{rate_per_s}/s\" }}"), holding, "", limits, horizon_s, horizon_s * 0.02, 99)
}

fn poisson_pmf(mean: f64, k: usize) -> f64 {
    (-mean + k as f64 * mean.ln() - (1..=k).map(|i| (i as f64).ln()).sum::<f64>()).exp()
}

#[test]
fn fixed_window_rejects_the_poisson_excess() {
    // At most `max` admissions per window; arrivals in a window are
    // Poisson(λw), so the blocked share is E[(X − max)⁺] / E[X].
    let (lam, w, max) = (4.0, 1.0, 5usize);
    let mean = lam * w;
    let excess: f64 = (max + 1..200).map(|k| (k - max) as f64 * poisson_pmf(mean, k)).sum();
    let exact = excess / mean;
    let m = model(&one_source(
        lam,
        "{ dist = \"deterministic\", value = \"10ms\" }",
        2.0e4,
        "[[limits]]\nname = \"cps\"\nkind = \"rate\"\nmax = 5\nwindow = \"1s\"\nalgorithm = \"fixed_window\"",
    ));
    check("fixed window", &total(&replicate(&m, 0), |m| m.blocking_probability), exact);
}

/// Blocking of M/D/1/K (service time 1/r, Poisson arrivals λ), from the
/// embedded chain at departures (Gross & Harris, Fundamentals of Queueing
/// Theory, M/G/1/K): π over 0..K−1 left behind, then
/// P(block) = 1 − 1/(π₀ + ρ), ρ = λ/r.
// Transition-matrix code reads best with the textbook's indices.
#[allow(clippy::needless_range_loop)]
fn md1k_blocking(lam: f64, r: f64, k: usize) -> f64 {
    let rho = lam / r;
    let a: Vec<f64> = (0..=k + 1).map(|j| poisson_pmf(rho, j)).collect();
    let mut p = vec![vec![0.0; k]; k];
    for i in 0..k {
        let from = if i == 0 { 0 } else { i - 1 };
        let mut mass = 0.0;
        for j in from..k - 1 {
            let arrivals = if i == 0 { j } else { j + 1 - i };
            p[i][j] = a[arrivals];
            mass += a[arrivals];
        }
        p[i][k - 1] = 1.0 - mass;
    }
    let mut pi = vec![1.0 / k as f64; k];
    for _ in 0..100_000 {
        let next: Vec<f64> = (0..k).map(|j| (0..k).map(|i| pi[i] * p[i][j]).sum()).collect();
        let diff: f64 = next.iter().zip(&pi).map(|(x, y)| (x - y).abs()).sum();
        pi = next;
        if diff < 1e-15 {
            break;
        }
    }
    1.0 - 1.0 / (pi[0] + rho)
}

#[test]
fn token_bucket_with_reject_is_an_md1k_queue() {
    // Derivation: let D = b − tokens, the bucket's deficit. An admission adds
    // 1 to D, which drains at rate r: D is the workload of a single server
    // with deterministic service 1/r. An arrival is admitted iff tokens ≥ 1,
    // i.e. D ≤ b − 1; with N in that system (residual service R ∈ (0, 1/r]),
    // D = (N − 1)/r + R ≤ (b − 1)/r holds iff N ≤ b − 1. So admission ⇔ fewer
    // than b in an M/D/1 system: the token bucket rejects exactly as
    // M/D/1/K with K = b rejects.
    let (lam, r, b) = (9.0, 10.0, 4);
    let exact = md1k_blocking(lam, r, b);
    assert!((md1k_blocking(0.5, 1.0, 1) - 0.5 / 1.5).abs() < 1e-12, "K = 1 is the M/G/1/1 loss system");
    let m = model(&one_source(
        lam,
        "{ dist = \"deterministic\", value = \"10ms\" }",
        2.0e4,
        "[[limits]]\nname = \"bucket\"\nkind = \"rate\"\nmax = 10\nwindow = \"1s\"\nalgorithm = \"token_bucket\"\nburst = 4",
    ));
    check("token bucket", &total(&replicate(&m, 0), |m| m.blocking_probability), exact);
}

#[test]
fn sliding_window_never_admits_more_than_max_per_window() {
    // Admissions in any window (t − w, t] stay ≤ max, so the admitted rate is
    // at most max/w and the blocked share is at least that of an ideal
    // rate cap (1 − (max/w)/λ) and at least the fixed window's.
    let m = model(&one_source(
        8.0,
        "{ dist = \"deterministic\", value = \"10ms\" }",
        5.0e3,
        "[[limits]]\nname = \"cps\"\nkind = \"rate\"\nmax = 5\nwindow = \"1s\"\nalgorithm = \"sliding_window\"",
    ));
    let reps = replicate(&m, 0);
    for r in &reps {
        let admitted = r.limits[0].metrics.admitted;
        assert!(admitted <= 5.0 * (5.0e3 + 1.0), "admitted {admitted}");
    }
    let blocked = total(&reps, |m| m.blocking_probability);
    assert!(blocked.iter().all(|b| *b >= 1.0 - 5.0 / 8.0 - 0.01), "{blocked:?}");
}

#[test]
fn per_source_caps_inside_a_shared_cap_match_the_product_form() {
    // Kelly (1991, Ann. Appl. Probab. 1:319): with all limits `reject`, the
    // state (n1, n2) has probability ∝ a1^n1/n1! · a2^n2/n2! on
    // {n1 ≤ C1, n2 ≤ C2, n1 + n2 ≤ C}; class i is blocked in the states where
    // n_i = C_i or n1 + n2 = C (PASTA).
    let (a1, a2, c1, c2, c) = (8.0_f64, 12.0_f64, 10usize, 14usize, 20usize);
    let mut z = 0.0;
    let (mut b1, mut b2) = (0.0, 0.0);
    let lf = |n: usize| (1..=n).map(|i| (i as f64).ln()).sum::<f64>();
    for n1 in 0..=c1 {
        for n2 in 0..=c2 {
            if n1 + n2 > c {
                continue;
            }
            let w = (n1 as f64 * a1.ln() - lf(n1) + n2 as f64 * a2.ln() - lf(n2)).exp();
            z += w;
            if n1 == c1 || n1 + n2 == c {
                b1 += w;
            }
            if n2 == c2 || n1 + n2 == c {
                b2 += w;
            }
        }
    }
    let (b1, b2) = (b1 / z, b2 / z);
    let m = model(&format!(
        r#"
        name = "tenants"
        [run]
        horizon = "{h}"
        warmup = "20m"
        replications = {R}
        seed = 7
        [[sources]]
        name = "a"
        arrivals = {{ offered_load = "{a1} erl" }}
        holding = {{ dist = "exponential", mean = "1m" }}
        [[sources]]
        name = "b"
        arrivals = {{ offered_load = "{a2} erl" }}
        holding = {{ dist = "lognormal", mean = "1m", cv = 1.5 }}
        [[limits]]
        name = "tenant-a"
        capacity = {c1}
        sources = ["a"]
        [[limits]]
        name = "tenant-b"
        capacity = {c2}
        sources = ["b"]
        [[limits]]
        name = "platform"
        capacity = {c}
        "#,
        h = secs(3.0e5),
    ));
    let reps = replicate(&m, 0);
    let per = |i: usize| reps.iter().map(|r| r.sources[i].blocking_probability).collect::<Vec<_>>();
    check("kelly class a", &per(0), b1);
    check("kelly class b", &per(1), b2);
}

fn pool_model(select: &str) -> String {
    format!(
        r#"
        name = "pool"
        [run]
        horizon = "{h}"
        warmup = "20m"
        replications = {R}
        seed = 3
        [[sources]]
        name = "s"
        arrivals = {{ offered_load = "40 erl" }}
        holding = {{ dist = "exponential", mean = "1m" }}
        [[limits]]
        name = "keys"
        capacity = 12
        pool = 4
        select = "{select}"
        "#,
        h = secs(2.0e5)
    )
}

#[test]
fn pools_random_is_independent_erlang_b_and_least_loaded_is_full_availability() {
    // Random selection splits Poisson traffic into k Poisson streams of A/k:
    // k independent Erlang B systems. Least-loaded blocks only when every
    // copy is full: one group of k·c slots.
    let random = replicate(&model(&pool_model("random")), 0);
    check("pool random", &total(&random, |m| m.blocking_probability), erlang_b(10.0, 12));
    let least = replicate(&model(&pool_model("least_loaded")), 0);
    check("pool least_loaded", &total(&least, |m| m.blocking_probability), erlang_b(40.0, 48));
    let mean = |v: Vec<f64>| v.iter().sum::<f64>() / v.len() as f64;
    assert!(mean(total(&least, |m| m.blocking_probability)) < mean(total(&random, |m| m.blocking_probability)));
    // Per-copy statistics add up to the pool's.
    for r in &random {
        let admitted: f64 = r.limits[0].copies.iter().map(|c| c.admitted).sum();
        assert_eq!(admitted, r.limits[0].metrics.admitted);
    }
}

#[test]
fn a_token_budget_without_growth_is_a_concurrency_cap() {
    // Each call uses 1,000 tokens/min and the budget is 10,000: at most 10 calls.
    let m = model(&one_source(
        8.0 / 60.0,
        "{ dist = \"exponential\", mean = \"1m\" }",
        2.0e5,
        "[[limits]]\nname = \"llm\"\nkind = \"tokens\"\ntokens_per_minute = 10000\ntokens_per_call_minute = 1000",
    ));
    let reps = replicate(&m, 0);
    check("token budget", &total(&reps, |m| m.blocking_probability), erlang_b(8.0, 10));
    // Utilization of the budget equals the carried load × 1,000 / 10,000.
    for r in &reps {
        let carried = r.total.mean_concurrency;
        assert!((r.limits[0].metrics.utilization - carried / 10.0).abs() < 1e-9);
    }
}

/// Every outcome at once: two sources, a CPS rate limit with a queue, a
/// pooled per-number cap, a platform cap that connects to silence, a TTS
/// request limit with 429 retries, turns, redials.
fn everything(seed: u64) -> String {
    format!(
        r#"
        name = "everything"
        [run]
        horizon = "2h"
        warmup = "10m"
        replications = 6
        seed = {seed}
        [[sources]]
        name = "inbound"
        arrivals = {{ rate = "40/min" }}
        holding = {{ dist = "lognormal", mean = "2m", cv = 1.0 }}
        patience = {{ dist = "exponential", mean = "30s" }}
        redial = {{ max_attempts = 2, delay = {{ dist = "exponential", mean = "1m" }} }}
        turns = {{ interval = {{ dist = "exponential", mean = "6s" }}, requests = [
            {{ name = "stt", service = {{ dist = "deterministic", value = "200ms" }} }},
            {{ name = "llm", service = {{ dist = "gamma", mean = "600ms", cv = 0.5 }} }},
            {{ name = "tts", service = {{ dist = "exponential", mean = "300ms" }} }},
        ] }}
        retry = {{ max_attempts = 3, backoff = "linear", base = "2s", jitter = 0.1 }}
        [[sources]]
        name = "outbound"
        arrivals = {{ rate = "20/min" }}
        holding = {{ dist = "exponential", mean = "1m" }}
        [[limits]]
        name = "cps"
        kind = "rate"
        max = 1
        window = "1s"
        algorithm = "token_bucket"
        burst = 2
        on_full = {{ queue = {{ timeout = "10s" }} }}
        [[limits]]
        name = "numbers"
        capacity = 8
        pool = 4
        select = "sticky"
        sources = ["outbound"]
        [[limits]]
        name = "platform"
        capacity = 70
        when_refused = "silence"
        silence_patience = {{ dist = "exponential", mean = "15s" }}
        [[limits]]
        name = "tts"
        capacity = 3
        scope = "request"
        requests = ["tts"]
        on_full = {{ queue = {{ timeout = "50ms" }} }}
        "#
    )
}

#[test]
fn conservation_holds_with_every_outcome() {
    for seed in [1, 2] {
        let m = model(&everything(seed));
        for r in replicate(&m, 0) {
            for counts in r.sources.iter().chain([&r.total]) {
                let v = counts;
                assert_eq!(
                    v.attempts,
                    v.carried_calls + v.blocked_calls + v.abandoned_calls + v.failed_after_connect + v.waiting_at_end,
                );
            }
            let g = &r.total;
            let exercised = [
                ("blocked_calls", g.blocked_calls),
                ("abandoned_calls", g.abandoned_calls),
                ("failed_after_connect", g.failed_after_connect),
                ("requests_refused", g.requests_refused),
                ("turns", g.turns),
            ];
            for (n, v) in exercised {
                assert!(v > 0.0, "the model must exercise {n}");
            }
            let losses: f64 = r.limits.iter().map(|l| l.metrics.losses_caused).sum();
            assert_eq!(losses, g.blocked_calls + g.abandoned_calls + g.failed_after_connect);
            let shares: f64 = r.limits.iter().map(|l| l.metrics.loss_share).sum();
            assert!((shares - 1.0).abs() < 1e-9);
            let refused: f64 = r.limits.iter().map(|l| l.metrics.requests_refused).sum();
            assert_eq!(refused, g.requests_refused);
        }
    }
}

#[test]
fn turn_latency_is_the_sum_of_request_times_without_contention() {
    let m = model(
        r#"
        name = "turns"
        [run]
        horizon = "1h"
        replications = 3
        seed = 1
        [[sources]]
        name = "s"
        arrivals = { rate = "2/min" }
        holding = { dist = "exponential", mean = "2m" }
        turns = { interval = { dist = "exponential", mean = "5s" }, requests = [
            { name = "stt", service = { dist = "deterministic", value = "250ms" } },
            { name = "llm", service = { dist = "deterministic", value = "500ms" } },
            { name = "tts", service = { dist = "deterministic", value = "125ms" } },
        ] }
        latency_budget = "1s"
        [[limits]]
        name = "trunk"
        capacity = 100
        [[limits]]
        name = "tts"
        capacity = 100
        scope = "request"
        requests = ["tts"]
        "#,
    );
    let reps = replicate(&m, 0);
    for r in &reps {
        let g = &r.total;
        assert!(g.turns > 100.0);
        assert!((g.mean_turn_latency_s - 0.875).abs() < 1e-9, "{}", g.mean_turn_latency_s);
        assert!((g.p95_turn_latency_s - 0.875).abs() < 0.001);
        assert_eq!(g.turns_over_budget, 0.0);
    }
}

#[test]
fn a_binding_limit_is_named() {
    let m = model(&everything(5));
    let s = simcall::statistics::Summary::new(&m, &replicate(&m, 0));
    let b = s.binding_limit().expect("a model with limits has a binding one");
    let share = |i: usize| s.limits[i].metrics.loss_share.mean;
    assert!((0..s.limits.len()).all(|i| share(b) >= share(i)));
}

#[test]
fn a_setup_scoped_limit_blocks_like_erlang_b_over_the_setup_time() {
    // Slots held only for the setup (2 s) while calls last minutes: the
    // setup limit is a loss system whose holding time is the setup time,
    // so it blocks B(λ·setup, c) whatever the call durations (insensitivity).
    let lam = 3.0;
    let m = model(&one_source(
        lam,
        "{ dist = \"lognormal\", mean = \"3m\", cv = 1.0 }",
        2.0e4,
        "[[limits]]\nname = \"sbc\"\ncapacity = 8\nscope = \"setup\"\nsetup_time = { dist = \"exponential\", mean = \"2s\" }",
    ));
    check("setup scope", &total(&replicate(&m, 0), |m| m.blocking_probability), erlang_b(lam * 2.0, 8));
}
