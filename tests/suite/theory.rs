//! The simulator against exact queueing theory: every row of
//! `tests/data/vectors.csv` (exact values computed at 60 digits by two
//! routes each, checked against published tables) is judged by the
//! validation rule: R = 100 replications from fixed streams,
//! T = (mean − exact)/(s/√R), |T| > 4.06 fails.
//!
//! Each parameter set gets about 1.5e7 arrivals in all. That puts the
//! standard error near 0.3% of the value for most rows (the README's target,
//! catching a 2% bias with probability 0.99); for the rare-event rows
//! (blocking of 0.4% at c = 1000) it is a few percent, still an exact-level
//! test of bias, with less power. The test prints each row's estimate,
//! exact value, relative standard error and T (`--nocapture`).

use crate::common::*;
use simcall::runs::replicate;
use simcall::statistics::ReplicationMetrics;
use std::collections::BTreeMap;

const R: u32 = 100;
const ARRIVALS_PER_SET: f64 = 1.5e7;

struct Row {
    params: BTreeMap<String, f64>,
    metric: String,
    exact: f64,
}

fn number(text: &str) -> f64 {
    match text.split_once('/') {
        Some((a, b)) => a.parse::<f64>().unwrap() / b.parse::<f64>().unwrap(),
        None => text.parse().unwrap(),
    }
}

/// The rows of one model family, grouped by parameter set, in file order.
fn vectors(family: &str) -> Vec<(String, Vec<Row>)> {
    let mut rdr = csv::Reader::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/vectors.csv")).unwrap();
    let mut groups: Vec<(String, Vec<Row>)> = Vec::new();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        if &rec[0] != family {
            continue;
        }
        let mut params = BTreeMap::new();
        for kv in rec[1].split(';') {
            let (k, v) = kv.split_once('=').unwrap();
            if k != "dist" {
                params.insert(k.to_string(), number(v));
            }
        }
        let row = Row { params, metric: rec[2].to_string(), exact: rec[3].parse().unwrap() };
        match groups.last_mut() {
            Some((p, rows)) if p == &rec[1] => rows.push(row),
            _ => groups.push((rec[1].to_string(), vec![row])),
        }
    }
    assert!(!groups.is_empty(), "no vectors for {family}");
    groups
}

/// The model of a parameter set: one limit of `c` slots with the given
/// `on_full`, Poisson arrivals, the given holding distribution (a TOML
/// inline table), optional exponential patience, `answer_within = t`.
fn run_set(p: &BTreeMap<String, f64>, holding: &str, on_full: &str, t: Option<f64>) -> Vec<ReplicationMetrics> {
    let lam = p["lam"];
    let mu = p.get("mu").copied().unwrap_or_else(|| 1.0 / p["mean_hold"]);
    let c = p["c"] as u32;
    let rho = lam / (c as f64 * mu);
    // Warm-up per the README: 20 holding times for loss systems, at least
    // 10/(cμ(1−√ρ)²) for queues (capped where ρ ≥ 1: abandonment keeps those stable).
    let queue_warmup = if rho < 1.0 { 10.0 / (c as f64 * mu * (1.0 - rho.sqrt()).powi(2)) } else { 0.0 };
    let warmup = (20.0 / mu).max(queue_warmup.min(400.0 / mu));
    let horizon = ARRIVALS_PER_SET / R as f64 / lam;
    let patience = match p.get("theta") {
        Some(theta) => format!("patience = {{ dist = \"exponential\", mean = \"{}\" }}", secs(1.0 / theta)),
        None => String::new(),
    };
    let m = model(&format!(
        r#"
        name = "vector"
        [run]
        horizon = "{h}"
        warmup = "{w}"
        replications = {R}
        seed = 20261121
        [[sources]]
        name = "callers"
        arrivals = {{ rate = "{lam}/s" }}
        holding = {holding}
        {patience}
        [sla]
        answer_within = "{t}"
        [[limits]]
        name = "servers"
        capacity = {c}
        on_full = {on_full}
        "#,
        h = secs(horizon),
        w = secs(warmup),
        t = secs(t.unwrap_or(20.0)),
    ));
    replicate(&m, 0)
}

fn exponential(p: &BTreeMap<String, f64>) -> String {
    format!("{{ dist = \"exponential\", mean = \"{}\" }}", secs(1.0 / p["mu"]))
}

/// A threshold in a metric name such as `P_wait_gt(t=1/3)`.
fn threshold(metric: &str) -> Option<f64> {
    metric.split_once("(t=").map(|(_, rest)| number(rest.trim_end_matches(')')))
}

/// Judges one estimate; returns a failure line or None, and prints the row.
fn judge(label: &str, values: &[f64], exact: f64) -> Option<String> {
    let (t, mean, se) = t_stat(values, exact);
    let line = format!(
        "{label}: estimate {mean:.6} exact {exact:.6} rel.se {:.3}% T {t:+.2}",
        100.0 * se / exact.abs().max(1e-300)
    );
    println!("{line}");
    (t.abs() > T_CRIT || !t.is_finite()).then_some(line)
}

fn assert_none_failed(failures: Vec<String>) {
    assert!(failures.is_empty(), "|T| > {T_CRIT}:\n{}", failures.join("\n"));
}

#[test]
fn erlang_b_blocking_and_busy_servers() {
    let mut failures = Vec::new();
    for (label, rows) in vectors("erlang_b") {
        let reps = run_set(&rows[0].params, &exponential(&rows[0].params), "\"reject\"", None);
        for row in &rows {
            let values = match row.metric.as_str() {
                "P_block" => total(&reps, |m| m.blocking_probability),
                "mean_busy_servers" => total(&reps, |m| m.mean_concurrency),
                other => panic!("unexpected metric {other}"),
            };
            failures.extend(judge(&format!("erlang_b {label} {}", row.metric), &values, row.exact));
        }
    }
    assert_none_failed(failures);
}

#[test]
fn erlang_b_is_insensitive_to_the_holding_distribution() {
    let mut failures = Vec::new();
    for (label, rows) in vectors("erlang_b_insensitive") {
        let p = &rows[0].params;
        let cv = p["cv"];
        let holding = format!("{{ dist = \"lognormal\", mean = \"{}\", cv = {cv} }}", secs(p["mean_hold"]));
        let reps = run_set(p, &holding, "\"reject\"", None);
        failures.extend(judge(&format!("lognormal {label}"), &total(&reps, |m| m.blocking_probability), rows[0].exact));
    }
    // Deterministic holding at the same (A, c): Sevastyanov's insensitivity
    // covers every holding distribution with that mean.
    let p: BTreeMap<String, f64> =
        [("lam", 45.0), ("mean_hold", 1.0), ("c", 50.0)].map(|(k, v)| (k.to_string(), v)).into();
    let reps = run_set(&p, "{ dist = \"deterministic\", value = \"1s\" }", "\"reject\"", None);
    failures.extend(judge("deterministic A=45;c=50", &total(&reps, |m| m.blocking_probability), erlang_b(45.0, 50)));
    assert_none_failed(failures);
}

#[test]
fn erlang_c_waits() {
    let mut failures = Vec::new();
    for (label, rows) in vectors("erlang_c") {
        let t = rows.iter().find_map(|r| threshold(&r.metric));
        let reps = run_set(&rows[0].params, &exponential(&rows[0].params), "{ queue = {} }", t);
        for row in &rows {
            let values = match row.metric.as_str() {
                "P_wait" => total(&reps, |m| m.wait_probability),
                "mean_wait" => total(&reps, |m| m.mean_wait_s),
                // Without abandonment every caller is answered: P(W > t) = 1 − service level.
                m if m.starts_with("P_wait_gt") => total(&reps, |m| m.service_level).iter().map(|s| 1.0 - s).collect(),
                other => panic!("unexpected metric {other}"),
            };
            failures.extend(judge(&format!("erlang_c {label} {}", row.metric), &values, row.exact));
        }
    }
    assert_none_failed(failures);
}

#[test]
fn mmck_finite_queue() {
    let mut failures = Vec::new();
    for (label, rows) in vectors("mmck") {
        let p = &rows[0].params;
        let places = p["K"] - p["c"];
        let reps = run_set(p, &exponential(p), &format!("{{ queue = {{ max_waiting = {places} }} }}"), None);
        for row in &rows {
            let values = match row.metric.as_str() {
                "P_block" => total(&reps, |m| m.blocking_probability),
                // Blocked attempts wait 0, so the admitted mean is the
                // all-attempts mean rescaled to the admitted ones.
                "mean_wait_admitted" => {
                    let (w, n, q, b) = (
                        total(&reps, |m| m.mean_wait_s),
                        total(&reps, |m| m.attempts),
                        total(&reps, |m| m.waiting_at_end),
                        total(&reps, |m| m.blocked_calls),
                    );
                    (0..reps.len()).map(|i| w[i] * (n[i] - q[i]) / (n[i] - q[i] - b[i])).collect()
                }
                other => panic!("unexpected metric {other}"),
            };
            failures.extend(judge(&format!("mmck {label} {}", row.metric), &values, row.exact));
        }
    }
    assert_none_failed(failures);
}

/// `P_wait_gt(t)` rows are not checked here: with abandonment they count
/// callers who left before t, which `service_level` does not separate; the
/// same rows' `P_served_within(t)` is checked instead.
#[test]
fn erlang_a_abandonment() {
    let mut failures = Vec::new();
    for (label, rows) in vectors("erlang_a") {
        let t = rows.iter().find_map(|r| threshold(&r.metric));
        let reps = run_set(&rows[0].params, &exponential(&rows[0].params), "{ queue = {} }", t);
        for row in &rows {
            let values = match row.metric.as_str() {
                "P_wait" => total(&reps, |m| m.wait_probability),
                "P_abandon" => total(&reps, |m| m.abandonment_probability),
                "mean_wait" => total(&reps, |m| m.mean_wait_s),
                m if m.starts_with("P_served_within") => total(&reps, |m| m.service_level),
                m if m.starts_with("P_wait_gt") => continue,
                other => panic!("unexpected metric {other}"),
            };
            failures.extend(judge(&format!("erlang_a {label} {}", row.metric), &values, row.exact));
        }
    }
    assert_none_failed(failures);
}
