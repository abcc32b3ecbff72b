//! `simcall validate --self-test`: a short run of the theory checks on the
//! user's own machine and build, each estimate against its exact value
//! with the validation rule's T statistic: T = (mean − exact) / (s/√R),
//! |T| > 4.06 fails (a false failure once in 10⁴ under normality, with R =
//! 100). Exact values: Erlang B and C, M/M/c/K and Erlang A from
//! `tests/data/vectors.csv` (computed at 60 digits by two routes each);
//! Engset from its formula (Iversen, Teletraffic Engineering Handbook, ch. 8;
//! call congestion = time congestion with N − 1 sources); the M/M/1 retrial
//! queue's mean orbit ρ(λ + ρν)/(ν(1 − ρ)) (Falin & Templeton 1997, §1.2).

use crate::config::ModelDoc;
use crate::runs::replicate;
use crate::statistics::SourceMetrics;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Where `validate --self-test` saves its result, for the reports.
pub const SAVED_FILE: &str = "output/self-test.json";

/// The self-test saved by the last `simcall validate --self-test` run from
/// this folder ([`SAVED_FILE`]), if there is a readable one.
pub fn load_saved() -> Option<SelfTest> {
    std::fs::read_to_string(SAVED_FILE).ok().and_then(|t| serde_json::from_str(&t).ok())
}

/// |T| above this fails: the two-sided 1e-4 point of the normal.
pub const T_CRIT: f64 = 4.06;

/// One check: the estimate, the exact value and T.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// What is checked, e.g. "Erlang B, A = 45, c = 50: blocking".
    pub name: String,
    /// The mean over replications.
    pub estimate: f64,
    /// The exact value.
    pub exact: f64,
    /// (mean − exact) / (s/√R).
    pub t: f64,
    /// |T| ≤ [`T_CRIT`].
    pub pass: bool,
}

/// The self-test's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelfTest {
    /// simcall's version.
    pub version: String,
    /// Each check.
    pub checks: Vec<Check>,
    /// Replications per check.
    pub replications: u32,
}

impl SelfTest {
    /// Whether every check passed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.pass)
    }
}

/// Replications per check (each check simulates about 2·10⁶ calls in all).
const R: u32 = 100;

/// One check: a model with one source and one limit; `source` and `limit`
/// are TOML lines; `metric` reads the total.
fn check(
    name: &str,
    lam_per_s: f64,
    source: &str,
    limit: &str,
    metric: fn(&SourceMetrics) -> f64,
    exact: f64,
) -> Check {
    let horizon_s = 20_000.0 / lam_per_s;
    let text = format!(
        "name = \"self-test\"\n[run]\nhorizon = \"{horizon_s}s\"\nwarmup = \"{}s\"\nreplications = {R}\nseed = 20261201\n\
         [[sources]]\nname = \"callers\"\n{source}\n[[limits]]\nname = \"servers\"\n{limit}\n",
        horizon_s / 10.0
    );
    let model = ModelDoc::parse(&text, Path::new("self-test.toml"))
        .and_then(|d| d.build())
        .unwrap_or_else(|e| panic!("the self-test's own model is valid: {e}"));
    let values: Vec<f64> = replicate(&model, 0).iter().map(|r| metric(&r.total)).collect();
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let t = (mean - exact) / (sd / n.sqrt());
    Check { name: name.to_string(), estimate: mean, exact, t, pass: t.abs() <= T_CRIT }
}

/// Engset time congestion with `s` sources of offered traffic `beta` each on `c` servers.
fn engset_time_congestion(s: u32, beta: f64, c: u32) -> f64 {
    let terms: Vec<f64> = (0..=c)
        .map(|n| (0..n).fold(1.0, |acc, k| acc * (s - k) as f64 / (k + 1) as f64) * beta.powi(n as i32))
        .collect();
    terms[c as usize] / terms.iter().sum::<f64>()
}

/// Runs the checks (about half a minute on 2 cores).
pub fn run() -> SelfTest {
    let exp = |mean_s: f64| format!("{{ dist = \"exponential\", mean = \"{mean_s}s\" }}");
    let (lam, mu, nu) = (0.6, 1.0, 0.5);
    let checks = vec![
        check(
            "Erlang B, A = 45, c = 50: blocking",
            45.0,
            &format!("arrivals = {{ rate = \"45/s\" }}\nholding = {}", exp(1.0)),
            "capacity = 50",
            |m| m.blocking_probability,
            0.05410447216462617,
        ),
        check(
            "Erlang C, λ = 9, μ = 1, c = 10: probability of waiting",
            9.0,
            &format!("arrivals = {{ rate = \"9/s\" }}\nholding = {}", exp(1.0)),
            "capacity = 10\non_full = { queue = {} }",
            |m| m.wait_probability,
            0.668731524107697,
        ),
        check(
            "M/M/c/K, λ = 50, μ = 10, c = 4, K = 6: blocking",
            50.0,
            &format!("arrivals = {{ rate = \"50/s\" }}\nholding = {}", exp(0.1)),
            "capacity = 4\non_full = { queue = { max_waiting = 2 } }",
            |m| m.blocking_probability,
            0.2935429934809972,
        ),
        check(
            "Erlang A, λ = 10/3, μ = 1/3, θ = 0.2, c = 14: abandonment",
            10.0 / 3.0,
            &format!("arrivals = {{ rate = \"200/min\" }}\nholding = {}\npatience = {}", exp(3.0), exp(5.0)),
            "capacity = 14\non_full = { queue = {} }",
            |m| m.abandonment_probability,
            0.013983744122408938,
        ),
        check(
            "Engset, N = 30, γ = 0.5/min, c = 10: call congestion",
            0.2,
            &format!("arrivals = {{ population = 30, rate_per_idle = \"0.5/min\" }}\nholding = {}", exp(60.0)),
            "capacity = 10",
            |m| m.blocking_probability,
            engset_time_congestion(29, 0.5, 10),
        ),
        check(
            "M/M/1 retrial, λ = 0.6, ν = 0.5: mean orbit",
            lam,
            &format!(
                "arrivals = {{ rate = \"{lam}/s\" }}\nholding = {}\nredial = {{ max_attempts = 1000, delay = {} }}",
                exp(1.0 / mu),
                exp(1.0 / nu)
            ),
            "capacity = 1",
            |m| m.mean_redialing,
            (lam / mu) * (lam + (lam / mu) * nu) / (nu * (1.0 - lam / mu)),
        ),
    ];
    SelfTest { version: env!("CARGO_PKG_VERSION").to_string(), checks, replications: R }
}
