//! The README's semantics, each rule pinned on a minimal model, most with
//! deterministic traffic (a replayed trace) so the expected value is exact:
//! what counts after the warm-up, what a pool's copies report, who redials,
//! how each outcome is counted, how `round_robin` picks, what a later
//! refusal leaves used.

use crate::common::*;
use simcall::config::ModelDoc;
use simcall::model::Model;
use simcall::runs::replicate;
use simcall::statistics::{LimitMetrics, ReplicationMetrics};
use std::path::Path;

/// A model whose one source `s` replays `calls` (start s, duration s),
/// written next to it; `extra` are more source keys, `limits` the limits.
pub(crate) fn traced(dir: &Path, calls: &[(f64, f64)], run: &str, extra: &str, limits: &str) -> Model {
    let rows: String = calls.iter().map(|(t, d)| format!("{t},{d}\n")).collect();
    std::fs::write(dir.join("calls.csv"), format!("start,duration\n{rows}")).unwrap();
    let text = format!(
        "name = \"t\"\n[run]\n{run}\n[[sources]]\nname = \"s\"\narrivals = {{ trace = \"calls.csv\" }}\n{extra}\n{limits}\n"
    );
    ModelDoc::parse(&text, &dir.join("m.toml")).and_then(|d| d.build()).unwrap_or_else(|e| panic!("{e}"))
}

/// Every per-limit metric, NaN compared as equal to NaN.
fn same_metrics(a: &LimitMetrics, b: &LimitMetrics) -> bool {
    a.fields().zip(b.fields()).all(|((_, x), (_, y))| x == y || (x.is_nan() && y.is_nan()))
}

#[test]
fn every_per_limit_metric_is_the_same_at_any_warmup() {
    // A call every 4 s (from 2 s, so none at a window's edge), 1 s long:
    // a rate limit of 1 per second is used 1/4 of its cap, and a 2-slot
    // concurrency limit holds 1/4 call on average (utilization 1/8), in
    // every window, whatever the warm-up before it.
    let dir = tempfile::tempdir().unwrap();
    let calls: Vec<(f64, f64)> = (0..20 * 900).map(|k| (2.0 + 4.0 * k as f64, 1.0)).collect();
    let limits = "[[limits]]\nname = \"cps\"\nkind = \"rate\"\nmax = 1\nwindow = \"1s\"\n\
                  [[limits]]\nname = \"slots\"\ncapacity = 2\n\
                  [[limits]]\nname = \"numbers\"\nkind = \"rate\"\nmax = 1\nwindow = \"1s\"\npool = 4\n";
    let at = |warmup: &str| {
        let m = traced(
            dir.path(),
            &calls,
            &format!("horizon = \"8h\"\nwarmup = \"{warmup}\"\nreplications = 2"),
            "",
            limits,
        );
        replicate(&m, 0).remove(0)
    };
    let runs: Vec<ReplicationMetrics> = ["0s", "4h", "12h"].into_iter().map(at).collect();
    for r in &runs {
        let (cps, slots, numbers) = (&r.limits[0], &r.limits[1], &r.limits[2]);
        assert_eq!(cps.metrics.admitted, 7200.0);
        assert_eq!(cps.metrics.utilization, 0.25);
        assert_eq!(slots.metrics.utilization, 0.125);
        assert_eq!(slots.metrics.p99_occupancy, 1.0);
        // A pool of 4 numbers, each used for every 4th call.
        assert_eq!(numbers.metrics.utilization, 0.0625);
        assert!(numbers.copies.iter().all(|c| c.utilization == 0.0625 && c.admitted == 1800.0));
    }
    for r in &runs[1..] {
        for (a, b) in runs[0].limits.iter().zip(&r.limits) {
            assert!(same_metrics(&a.metrics, &b.metrics), "{:?} vs {:?}", a.metrics, b.metrics);
            assert_eq!(a.copies, b.copies);
        }
    }
}

#[test]
fn copies_utilizations_average_to_the_pools_for_every_kind() {
    let m = model(&one_source_model(
        "{ rate = \"40/min\" }",
        "{ dist = \"exponential\", mean = \"1m\" }",
        "",
        "[[limits]]\nname = \"slots\"\ncapacity = 12\npool = 3\nselect = \"least_loaded\"\n\
         [[limits]]\nname = \"numbers\"\nkind = \"rate\"\nmax = 20\nwindow = \"1m\"\nalgorithm = \"sliding_window\"\npool = 3\nselect = \"random\"\n\
         [[limits]]\nname = \"keys\"\nkind = \"tokens\"\ntokens_per_minute = 20000\ntokens_per_call_minute = 1000\n\
         growth_per_minute = 100\npool = 3\n",
        7200.0,
        600.0,
        3,
    ));
    for r in replicate(&m, 0).iter().take(10) {
        for l in &r.limits {
            let mean = l.copies.iter().map(|c| c.utilization).sum::<f64>() / l.copies.len() as f64;
            let pool = l.metrics.utilization;
            assert!(pool > 0.05, "the pool is used: {pool}");
            assert!((mean - pool).abs() < 1e-9 * pool, "copies average {mean}, pool {pool}");
        }
    }
}

/// A source whose calls all connect to silence after the first one (a rate
/// limit of one admission a month that answers with silence), with a
/// 10-second silence patience and redials 1 minute later.
fn silent(redial: &str) -> Model {
    model(&one_source_model(
        "{ rate = \"2/min\" }",
        "{ dist = \"deterministic\", value = \"3m\" }",
        &format!("redial = {{ max_attempts = 3, delay = {{ dist = \"deterministic\", value = \"1m\" }}{redial} }}"),
        "[[limits]]\nname = \"ai\"\nkind = \"rate\"\nmax = 1\nwindow = \"30d\"\nwhen_refused = \"silence\"\n\
         silence_patience = { dist = \"deterministic\", value = \"10s\" }",
        7200.0,
        600.0,
        5,
    ))
}

#[test]
fn callers_redial_after_a_failure_unless_told_not_to() {
    for r in replicate(&silent(""), 0).iter().take(5) {
        // Every caller hears silence three times, then gives up.
        assert!(r.total.attempts_per_caller > 2.9, "{}", r.total.attempts_per_caller);
        assert!(r.total.loss_probability > 0.95, "{}", r.total.loss_probability);
    }
    for r in replicate(&silent(", after_failure = false"), 0).iter().take(5) {
        assert_eq!(r.total.attempts_per_caller, 1.0);
        assert!(r.total.loss_probability > 0.95, "{}", r.total.loss_probability);
        assert_eq!(r.total.failure_probability, 1.0);
    }
}

#[test]
fn a_silent_call_is_in_progress_but_neither_carried_nor_served() {
    // A call every 60 s (after the first, silent), each listening to 30 s of
    // silence: half a call in progress at any time, none carried.
    let dir = tempfile::tempdir().unwrap();
    let calls: Vec<(f64, f64)> = (0..200).map(|k| (2.0 + 60.0 * k as f64, 20.0)).collect();
    let m = traced(
        dir.path(),
        &calls,
        "horizon = \"2h\"\nwarmup = \"10m\"\nreplications = 2",
        "",
        "[[limits]]\nname = \"ai\"\nkind = \"rate\"\nmax = 1\nwindow = \"30d\"\nwhen_refused = \"silence\"\n\
         silence_patience = { dist = \"deterministic\", value = \"30s\" }",
    );
    let r = replicate(&m, 0).remove(0);
    assert_eq!(r.total.mean_concurrency, 0.5);
    assert_eq!(r.total.peak_concurrency, 1.0);
    assert_eq!((r.total.carried_calls, r.total.service_level), (0.0, 0.0));
    assert_eq!(r.total.failure_probability, 1.0);
}

#[test]
fn a_call_that_fails_on_a_turn_is_not_carried_nor_in_the_service_level() {
    // The LLM key admits one request a month: every call's first turn after
    // that is refused for good, so (almost) every call fails after connecting.
    let m = model(&one_source_model(
        "{ rate = \"2/min\" }",
        "{ dist = \"exponential\", mean = \"2m\" }",
        "turns = { interval = { dist = \"deterministic\", value = \"5s\" }, requests = [\
         { name = \"llm\", service = { dist = \"deterministic\", value = \"500ms\" } }] }",
        "[[limits]]\nname = \"trunk\"\ncapacity = 100\n\
         [[limits]]\nname = \"llm-key\"\nkind = \"rate\"\nmax = 1\nwindow = \"30d\"\nscope = \"request\"\nrequests = [\"llm\"]",
        7200.0,
        600.0,
        7,
    ));
    for r in replicate(&m, 0).iter().take(5) {
        let t = &r.total;
        assert!(t.failure_probability > 0.9, "{}", t.failure_probability);
        // Served within the threshold implies carried: failures are neither.
        assert!(
            t.service_level <= t.carried_calls / t.attempts,
            "{} vs {}",
            t.service_level,
            t.carried_calls / t.attempts
        );
        assert_eq!(
            t.attempts,
            t.carried_calls + t.blocked_calls + t.abandoned_calls + t.failed_after_connect + t.waiting_at_end
        );
    }
}

/// Calls at 1 s (1,000 s long), 11 s and 21 s (5 s long) through `limits`;
/// blocked attempts per limit.
fn three_calls(select: &str, limits: &str) -> Vec<f64> {
    let dir = tempfile::tempdir().unwrap();
    let limits = limits.replace("SELECT", select);
    let m = traced(
        dir.path(),
        &[(1.0, 1000.0), (11.0, 5.0), (21.0, 5.0)],
        "horizon = \"1h\"\nreplications = 2",
        "",
        &limits,
    );
    replicate(&m, 0).remove(0).limits.iter().map(|l| l.metrics.blocked_by).collect()
}

#[test]
fn round_robin_moves_on_to_a_copy_with_room_and_strict_round_robin_does_not() {
    // Two lines of one call each: the first call holds line 0; the second
    // takes line 1 and is gone by 16 s; the third's turn is line 0, full.
    let pool = "[[limits]]\nname = \"lines\"\ncapacity = 1\npool = 2\nselect = \"SELECT\"";
    assert_eq!(three_calls("round_robin", pool), vec![0.0]);
    assert_eq!(three_calls("strict_round_robin", pool), vec![1.0]);
}

#[test]
fn a_rate_admission_stays_used_when_a_later_limit_blocks() {
    // Two admissions an hour, then one line: the second call uses the second
    // admission and is blocked at the line; the third finds no admission left.
    let chain = "[[limits]]\nname = \"cps\"\nkind = \"rate\"\nmax = 2\nwindow = \"1h\"\n\
                 [[limits]]\nname = \"line\"\ncapacity = 1\nselect = \"SELECT\"";
    assert_eq!(three_calls("round_robin", chain), vec![1.0, 1.0]);
}

#[test]
fn turns_count_for_attempts_that_arrive_after_the_warmup() {
    // Calls at 90 s and 110 s, 50 s long, a turn every 10 s of 1 s: four
    // turns each; the warm-up ends at 100 s, so only the second call's count.
    let dir = tempfile::tempdir().unwrap();
    let m = traced(
        dir.path(),
        &[(90.0, 50.0), (110.0, 50.0)],
        "horizon = \"1h\"\nwarmup = \"100s\"\nreplications = 2",
        "turns = { interval = { dist = \"deterministic\", value = \"10s\" }, requests = [\
         { name = \"llm\", service = { dist = \"deterministic\", value = \"1s\" } }] }",
        "[[limits]]\nname = \"trunk\"\ncapacity = 10",
    );
    let r = replicate(&m, 0).remove(0);
    assert_eq!(r.total.turns, 4.0);
    assert_eq!(r.total.offered_calls, 1.0);
}

/// Per-copy figures of limit 0 of a traced run: (admitted, refused) per copy.
fn per_copy(m: &Model) -> (Vec<f64>, Vec<f64>) {
    let r = replicate(m, 0).remove(0);
    let copies = &r.limits[0].copies;
    (copies.iter().map(|c| c.admitted).collect(), copies.iter().map(|c| c.refused).collect())
}

#[test]
fn round_robin_passes_the_turn_to_the_copy_after_the_one_it_gave() {
    // Three lines of one call each. 1 s and 2 s take lines 0 and 1; 3 s
    // takes line 2 and is gone by 8 s; at 10 s the turn is line 0 (full),
    // so the call moves on to line 2, and the turn to line 0. At 11 s and
    // 20 s no line is free: each call is refused at the line whose turn it
    // is (0, then 1), and the turn still moves on.
    let dir = tempfile::tempdir().unwrap();
    let m = traced(
        dir.path(),
        &[(1.0, 1000.0), (2.0, 1000.0), (3.0, 5.0), (10.0, 1000.0), (11.0, 5.0), (20.0, 5.0)],
        "horizon = \"1h\"\nreplications = 2",
        "",
        "[[limits]]\nname = \"lines\"\ncapacity = 1\npool = 3\nselect = \"round_robin\"",
    );
    assert_eq!(per_copy(&m), (vec![1.0, 1.0, 2.0], vec![1.0, 1.0, 0.0]));
}

#[test]
fn least_loaded_counts_waiters_on_rate_and_token_copies() {
    // Two copies of one admission (or one call's tokens) each. 1 s and 2 s
    // take copies 0 and 1 (100 s long). At 3 s both are as loaded: the call
    // waits at copy 0, the lower index. At 4 s copy 0 has a holder and a
    // waiter, copy 1 a holder: the call waits at copy 1. Counting holders
    // alone would send it to copy 0 too, behind the 3 s call, where it would
    // wait for ever; here each copy admits its waiter once it has room.
    let dir = tempfile::tempdir().unwrap();
    let calls = [(1.0, 100.0), (2.0, 100.0), (3.0, 5000.0), (4.0, 5000.0)];
    for limit in [
        "kind = \"rate\"\nmax = 1\nwindow = \"1h\"",
        "kind = \"tokens\"\ntokens_per_minute = 1000\ntokens_per_call_minute = 1000",
    ] {
        let m = traced(
            dir.path(),
            &calls,
            "horizon = \"2h\"\nreplications = 2",
            "",
            &format!("[[limits]]\nname = \"keys\"\n{limit}\npool = 2\nselect = \"least_loaded\"\non_full = \"queue\""),
        );
        assert_eq!(per_copy(&m).0, vec![2.0, 2.0], "{limit}");
    }
}

#[test]
fn max_waiting_holds_per_copy_not_per_pool() {
    // Two lines taken in strict turn with room for one waiter each: 3 s
    // waits at line 0 and 4 s at line 1 (per pool, the second would find one
    // waiting already and be refused); 5 s finds line 0's queue full.
    let dir = tempfile::tempdir().unwrap();
    let m = traced(
        dir.path(),
        &[(1.0, 1000.0), (2.0, 1000.0), (3.0, 1000.0), (4.0, 1000.0), (5.0, 1000.0)],
        "horizon = \"1h\"\nreplications = 2",
        "",
        "[[limits]]\nname = \"lines\"\ncapacity = 1\npool = 2\nselect = \"strict_round_robin\"\n\
         on_full = { queue = { max_waiting = 1 } }",
    );
    assert_eq!(per_copy(&m).1, vec![1.0, 0.0]);
    assert_eq!(replicate(&m, 0).remove(0).limits[0].metrics.blocked_by, 1.0);
}

#[test]
fn admissions_count_after_the_warmup_and_losses_by_the_attempts_arrival() {
    // One line with a queue of 100 s; the warm-up ends at 50 s.
    let dir = tempfile::tempdir().unwrap();
    let run = "horizon = \"1h\"\nwarmup = \"50s\"\nreplications = 2";
    let line = "[[limits]]\nname = \"line\"\ncapacity = 1\non_full = { queue = { timeout = \"100s\" } }";
    // 20 s arrives before the warm-up ends and is admitted after it, at
    // 110 s: the line counts the admission, the source not the attempt.
    let m = traced(dir.path(), &[(10.0, 100.0), (20.0, 30.0)], run, "", line);
    let r = replicate(&m, 0).remove(0);
    assert_eq!((r.limits[0].metrics.admitted, r.total.attempts), (1.0, 0.0));
    // 20 s and 60 s wait behind a long call and leave after 100 s, both
    // after the warm-up: only 60 s arrived after it, and only it is counted,
    // at the line as at the source, so the line's losses add up to the
    // source's.
    let m = traced(dir.path(), &[(10.0, 1000.0), (20.0, 5.0), (60.0, 5.0)], run, "", line);
    let r = replicate(&m, 0).remove(0);
    assert_eq!((r.limits[0].metrics.abandoned_at, r.total.abandoned_calls), (1.0, 1.0));
}
