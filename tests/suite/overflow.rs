//! Overflow (alternate routing) against exact teletraffic theory, and its
//! rules pinned on replayed traces.
//!
//! A primary group of c₁ servers overflowing to a standby group of c₂, with
//! Poisson arrivals at A Erlangs and exponential holding, is a loss system
//! of c₁ + c₂ servers (the standby is only used when the primary is full,
//! and every call is served by whichever group admits it): it loses
//! B(A, c₁ + c₂) of the calls, and the primary overflows B(A, c₁) of them.
//! With a standby that never refuses, the overflow calls in progress have
//! mean M = A·B(A, c₁) and variance M·Z, peakedness
//! Z = 1 − M + A/(c₁ + 1 − A + M) (Riordan 1956; Wilkinson 1956, BSTJ 35;
//! the moments ITU-T E.521 sizes overflow groups from).

use crate::common::*;
use crate::semantics::traced;
use simcall::runs::replicate;
use simcall::statistics::ReplicationMetrics;

const R: u32 = 60;
/// |T| above this fails (the issue's bar; the validation rule's 4.06 is looser).
const T_MAX: f64 = 4.0;

/// `R` replications of A Erlangs (exponential holding, mean 1 s) offered
/// to `c1` slots overflowing to a standby of `c2`, about 3·10⁶ arrivals in all.
fn primary_and_standby(a: f64, c1: u32, c2: u32, seed: u64) -> Vec<ReplicationMetrics> {
    let horizon_s = 3e6 / R as f64 / a;
    let m = model(&format!(
        r#"
        name = "overflow"
        [run]
        horizon = "{h}"
        warmup = "30s"
        replications = {R}
        seed = {seed}
        [[sources]]
        name = "callers"
        arrivals = {{ rate = "{a}/s" }}
        holding = {{ dist = "exponential", mean = "1s" }}
        [[limits]]
        name = "primary"
        capacity = {c1}
        on_full = {{ overflow = "standby" }}
        [[limits]]
        name = "standby"
        capacity = {c2}
        standby = true
        "#,
        h = secs(horizon_s),
    ));
    replicate(&m, 0)
}

/// A failure line when |T| of `values` against `exact` exceeds [`T_MAX`].
fn check(label: &str, values: &[f64], exact: f64) -> Option<String> {
    let (t, mean, se) = t_stat(values, exact);
    let line = format!("{label}: estimate {mean:.6} ± {:.6} (1 se), exact {exact:.6}, T {t:+.2}", se);
    println!("{line}");
    (t.abs() > T_MAX || !t.is_finite()).then_some(line)
}

#[test]
fn a_primary_overflowing_to_a_standby_loses_erlang_b_of_both_groups() {
    let mut failures = Vec::new();
    // The last set loads its standby heavily: 5.0 Erl of peaked overflow on 4 slots.
    for (a, c1, c2) in [(10.0, 8, 5), (20.0, 18, 6), (30.0, 25, 4)] {
        let reps = primary_and_standby(a, c1, c2, 20261206);
        let label = format!("A={a} c1={c1} c2={c2}");
        failures.extend(check(
            &format!("{label} blocking"),
            &total(&reps, |m| m.blocking_probability),
            erlang_b(a, c1 + c2),
        ));
        let overflow: Vec<f64> = reps.iter().map(|r| r.limits[0].metrics.overflowed_out / r.total.attempts).collect();
        failures.extend(check(&format!("{label} overflow share"), &overflow, erlang_b(a, c1)));
        // Conservation: what leaves the primary enters the standby.
        assert!(reps.iter().all(|r| r.limits[0].metrics.overflowed_out == r.limits[1].metrics.overflowed_in));
        assert!(reps.iter().all(|r| r.limits[1].metrics.blocked_by == r.total.blocked_calls));
    }
    assert!(failures.is_empty(), "|T| > {T_MAX}:\n{}", failures.join("\n"));
}

#[test]
fn overflow_traffic_has_riordans_mean_and_peakedness() {
    let mut failures = Vec::new();
    for (a, c1) in [(10.0, 8), (20.0, 15), (5.0, 7)] {
        // A standby no overflow burst can fill.
        let reps = primary_and_standby(a, c1, 400, 7);
        let b = erlang_b(a, c1);
        let m = a * b;
        let z = 1.0 - m + a / (c1 as f64 + 1.0 - a + m);
        let label = format!("A={a} c1={c1}");
        let mean: Vec<f64> = reps.iter().map(|r| r.limits[1].metrics.mean_occupancy).collect();
        let peakedness: Vec<f64> = reps.iter().map(|r| r.limits[1].metrics.peakedness).collect();
        let variance: Vec<f64> = mean.iter().zip(&peakedness).map(|(m, z)| m * z).collect();
        failures.extend(check(&format!("{label} overflow mean M"), &mean, m));
        failures.extend(check(&format!("{label} overflow peakedness Z"), &peakedness, z));
        failures.extend(check(&format!("{label} overflow variance M·Z"), &variance, m * z));
        assert!(reps.iter().all(|r| r.limits[1].metrics.blocked_by == 0.0));
        // Overflow traffic is peaked: more variable than Poisson's Z = 1.
        assert!(z > 1.0);
    }
    assert!(failures.is_empty(), "|T| > {T_MAX}:\n{}", failures.join("\n"));
}

#[test]
fn a_call_that_overflows_to_a_full_standby_waits_in_the_standbys_own_queue() {
    // primary 1 slot → standby 1 slot, queueing up to 10 s.
    //   c1 1 s (10 s): primary 1–11.   c2 2 s (10 s): overflows, standby 2–12.
    //   c3 3 s (5 s): overflows, standby full: waits there; served at 12 (waited 9 s).
    //   c4 4 s (5 s): overflows, waits behind c3; its 10 s run out at 14: abandoned
    //   at the standby (the primary's free slot from 11 on does not reach it).
    //   c5 11.5 s (1 s): primary free again.
    let dir = tempfile::tempdir().unwrap();
    let calls = [(1.0, 10.0), (2.0, 10.0), (3.0, 5.0), (4.0, 5.0), (11.5, 1.0)];
    let limits = "[[limits]]\nname = \"primary\"\ncapacity = 1\non_full = { overflow = \"standby\" }\n\
                  [[limits]]\nname = \"standby\"\ncapacity = 1\nstandby = true\n\
                  on_full = { queue = { timeout = \"10s\" } }\n";
    let m = traced(dir.path(), &calls, "horizon = \"60s\"\nreplications = 2", "", limits);
    let r = replicate(&m, 0).remove(0);
    let (primary, standby) = (&r.limits[0].metrics, &r.limits[1].metrics);
    assert_eq!((primary.admitted, primary.overflowed_out, primary.blocked_by), (2.0, 3.0, 0.0));
    assert_eq!((standby.overflowed_in, standby.admitted, standby.abandoned_at), (3.0, 2.0, 1.0));
    assert_eq!((r.total.carried_calls, r.total.abandoned_calls, r.total.blocked_calls), (4.0, 1.0, 0.0));
    // Waits 0, 0, 9, 10, 0 over five resolved attempts.
    assert_eq!(r.total.mean_wait_s, 19.0 / 5.0);
    // The standby held c2 for 10 s and c3 for 5 s of the 60 s.
    assert_eq!(standby.mean_occupancy, 15.0 / 60.0);
}

#[test]
fn a_request_overflows_to_a_standby_key_and_keeps_its_latency() {
    // Two calls 0.1 s apart, turns every 5 s, one TTS request of 1 s: the
    // second call's request finds the primary key busy each turn and is
    // served by the standby key at once (3 turns each before the calls end).
    let dir = tempfile::tempdir().unwrap();
    let calls = [(0.0, 20.0), (0.1, 20.0)];
    let turns = "turns = { interval = { dist = \"deterministic\", value = \"5s\" }, requests = [\n\
                 { name = \"tts\", service = { dist = \"deterministic\", value = \"1s\" } } ] }\n\
                 retry = { max_attempts = 1, base = \"1s\" }";
    let limits = "[[limits]]\nname = \"primary-tts\"\ncapacity = 1\nscope = \"request\"\nrequests = [\"tts\"]\n\
                  on_full = { overflow = \"standby-tts\" }\n\
                  [[limits]]\nname = \"standby-tts\"\ncapacity = 1\nscope = \"request\"\nstandby = true\n";
    let m = traced(dir.path(), &calls, "horizon = \"60s\"\nreplications = 2", turns, limits);
    let r = replicate(&m, 0).remove(0);
    let (primary, standby) = (&r.limits[0].metrics, &r.limits[1].metrics);
    assert_eq!((primary.admitted, primary.overflowed_out), (3.0, 3.0));
    assert_eq!((standby.admitted, standby.overflowed_in, standby.requests_refused), (3.0, 3.0, 0.0));
    assert_eq!((r.total.turns, r.total.failed_after_connect), (6.0, 0.0));
    // Every turn's latency is its one request's 1 s: no wait, no retry.
    assert!((r.total.mean_turn_latency_s - 1.0).abs() < 1e-9, "{}", r.total.mean_turn_latency_s);
}

#[test]
fn overflow_routes_that_cannot_be_followed_are_refused_at_their_key() {
    let base = |limits: &str| {
        format!(
            "name = \"t\"\n[run]\nhorizon = \"1h\"\n[[sources]]\nname = \"s\"\narrivals = {{ rate = \"1/s\" }}\n\
             holding = {{ dist = \"exponential\", mean = \"10s\" }}\n{limits}"
        )
    };
    let cases = [
        (
            "[[limits]]\nname = \"a\"\ncapacity = 1\n\
             [[limits]]\nname = \"b\"\ncapacity = 1\nstandby = true\non_full = { overflow = \"c\" }\n\
             [[limits]]\nname = \"c\"\ncapacity = 1\nstandby = true\non_full = { overflow = \"b\" }\n",
            "limits.b.on_full.overflow",
            "routes loop (b → c → b)",
        ),
        (
            // Into a loop from the chain: the standby it re-enters already has its one source.
            "[[limits]]\nname = \"a\"\ncapacity = 1\non_full = { overflow = \"b\" }\n\
             [[limits]]\nname = \"b\"\ncapacity = 1\nstandby = true\non_full = { overflow = \"c\" }\n\
             [[limits]]\nname = \"c\"\ncapacity = 1\nstandby = true\non_full = { overflow = \"b\" }\n",
            "limits.c.on_full.overflow",
            "\"b\" is already where \"a\" overflows or falls back",
        ),
        (
            "[[limits]]\nname = \"a\"\ncapacity = 1\non_full = { overflow = \"b\" }\n\
             [[limits]]\nname = \"b\"\ncapacity = 1\n",
            "limits.a.on_full.overflow",
            "give it standby = true",
        ),
        (
            "[[limits]]\nname = \"a\"\ncapacity = 1\non_full = { overflow = \"nowhere\" }\n",
            "limits.a.on_full.overflow",
            "no limit is named \"nowhere\"",
        ),
        (
            "[[limits]]\nname = \"a\"\ncapacity = 1\non_full = { overflow = \"s\" }\n\
             [[limits]]\nname = \"b\"\ncapacity = 1\non_full = { overflow = \"s\" }\n\
             [[limits]]\nname = \"s\"\ncapacity = 1\nstandby = true\n",
            "limits.b.on_full.overflow",
            "each standby limit serves one limit",
        ),
        (
            "[[limits]]\nname = \"a\"\ncapacity = 1\n\
             [[limits]]\nname = \"s\"\ncapacity = 1\nstandby = true\nsources = [\"s\"]\n",
            "limits.s.sources",
            "a standby limit serves only what overflows into it",
        ),
    ];
    for (limits, key, message) in cases {
        assert_refused_at(&base(limits), key, message);
    }
}
