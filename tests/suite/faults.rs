//! Failures, fallbacks, health checks, capacity that changes over time and
//! incidents: each rule pinned on a replayed trace with deterministic turns
//! (exact values), and a capacity schedule against Erlang B in each of its
//! windows.

use crate::common::*;
use crate::semantics::traced;
use simcall::runs::replicate;
use simcall::statistics::ReplicationMetrics;

/// One call from 0 s for 100 s; a turn 10 s after the agent's last answer;
/// one `llm` request of 1 s through limit `llm` (with `llm_extra` keys),
/// which falls back to standby `backup`; `more` adds incidents.
fn one_call_with_turns(llm_extra: &str, more: &str) -> ReplicationMetrics {
    let dir = tempfile::tempdir().unwrap();
    let turns = "turns = { interval = { dist = \"deterministic\", value = \"10s\" }, requests = [\n\
                 { name = \"llm\", service = { dist = \"deterministic\", value = \"1s\" } } ] }";
    let limits = format!(
        "[[limits]]\nname = \"llm\"\ncapacity = 10\nscope = \"request\"\nrequests = [\"llm\"]\n\
         fallback = \"backup\"\n{llm_extra}\n\
         [[limits]]\nname = \"backup\"\ncapacity = 10\nscope = \"request\"\nstandby = true\n{more}"
    );
    let m = traced(dir.path(), &[(0.0, 100.0)], "horizon = \"100s\"\nreplications = 2", turns, &limits);
    replicate(&m, 0).remove(0)
}

#[test]
fn detection_and_retries_are_in_the_turn_latency_and_each_request_tries_the_primary_again() {
    // Every llm admission fails: 2 s to detect, a retry 3 s later, 2 s to
    // detect again, then the backup's 1 s: 8 s a turn. Turns at 10, 28, 46,
    // 64 and 82 s (the next would start at 100 s, as the call ends).
    let r = one_call_with_turns(
        "failure = { probability = 1, detection = \"2s\", retries = 1, retry_interval = \"3s\" }",
        "",
    );
    let (llm, backup) = (&r.limits[0].metrics, &r.limits[1].metrics);
    assert_eq!(r.total.turns, 5.0);
    assert!((r.total.mean_turn_latency_s - 8.0).abs() < 1e-9, "{}", r.total.mean_turn_latency_s);
    assert_eq!((llm.admitted, llm.failures, llm.fallbacks_out), (10.0, 10.0, 5.0));
    assert_eq!((backup.admitted, backup.fallbacks_in, backup.failures), (5.0, 5.0, 0.0));
    assert_eq!((r.total.failed_after_connect, r.total.carried_calls), (0.0, 1.0));
}

#[test]
fn a_call_sticks_to_the_fallback_with_stickiness_call() {
    // The first turn moves the call (8 s); the next seven go straight to the
    // backup (1 s each): turns at 10, 28, 39, …, 94 s.
    let r = one_call_with_turns(
        "failure = { probability = 1, detection = \"2s\", retries = 1, retry_interval = \"3s\" }\nstickiness = \"call\"",
        "",
    );
    let (llm, backup) = (&r.limits[0].metrics, &r.limits[1].metrics);
    assert_eq!(r.total.turns, 8.0);
    assert!((r.total.mean_turn_latency_s - 15.0 / 8.0).abs() < 1e-9, "{}", r.total.mean_turn_latency_s);
    assert_eq!((llm.admitted, llm.failures, llm.fallbacks_out), (2.0, 2.0, 8.0));
    assert_eq!(backup.admitted, 8.0);
}

#[test]
fn an_unhealthy_limit_is_skipped_until_a_probe_succeeds() {
    // An incident fails every llm admission until 30 s. Turn at 10 s: fails
    // twice; the second failure (15 s) is the 2nd in a row: unhealthy, probed
    // every 10 s. Turn at 28 s goes straight to the backup (1 s). The probe
    // at 25 s fails (still in the incident); the one at 35 s succeeds: the
    // turns from 39 s on use llm again.
    let r = one_call_with_turns(
        "failure = { probability = 0, detection = \"2s\", retries = 1, retry_interval = \"3s\" }\n\
         health = { unhealthy_after = 2, probe_interval = \"10s\" }",
        "[[incidents]]\nname = \"llm-5xx\"\nlimit = \"llm\"\nstart = \"0s\"\nduration = \"30s\"\nfailure_probability = 1\n",
    );
    let (llm, backup) = (&r.limits[0].metrics, &r.limits[1].metrics);
    assert_eq!(r.total.turns, 8.0);
    assert!((r.total.mean_turn_latency_s - 15.0 / 8.0).abs() < 1e-9, "{}", r.total.mean_turn_latency_s);
    assert_eq!((llm.failures, llm.fallbacks_out, llm.admitted), (2.0, 2.0, 8.0));
    assert_eq!(backup.admitted, 2.0);
    // Unhealthy from 15 s to 35 s of the 100 s.
    assert!((llm.unhealthy_share - 0.2).abs() < 1e-12, "{}", llm.unhealthy_share);
    assert_eq!(llm.incidents, 1.0);
}

#[test]
fn a_request_that_fails_everywhere_ends_the_call_failed_after_connect() {
    let r = one_call_with_turns(
        "failure = { probability = 1, detection = \"2s\", retries = 0 }",
        "failure = { probability = 1, detection = \"2s\", retries = 0 }\n",
    );
    // Turn at 10 s: llm fails (12 s), the backup fails (14 s): the call ends.
    assert_eq!((r.total.failed_after_connect, r.total.carried_calls, r.total.turns), (1.0, 0.0, 0.0));
    assert_eq!((r.limits[0].metrics.failures, r.limits[1].metrics.failures), (1.0, 1.0));
}

/// Three 50 s calls at 1, 2 and 3 s and a 5 s one at 15 s on 3 agents, cut
/// to 1 agent from 10 s to 30 s with `on_drop`.
fn agents_cut_to_one(on_drop: &str) -> ReplicationMetrics {
    let dir = tempfile::tempdir().unwrap();
    let calls = [(1.0, 50.0), (2.0, 50.0), (3.0, 50.0), (15.0, 5.0)];
    let limits = format!(
        "[[limits]]\nname = \"agents\"\ncapacity = 3\non_drop = \"{on_drop}\"\n\
         [[incidents]]\nname = \"cut\"\nlimit = \"agents\"\nstart = \"10s\"\nduration = \"20s\"\ncapacity_factor = 0.34\n"
    );
    let m = traced(dir.path(), &calls, "horizon = \"100s\"\nreplications = 2", "", &limits);
    replicate(&m, 0).remove(0)
}

#[test]
fn a_capacity_drop_drains_or_preempts_the_newest_calls() {
    let drain = agents_cut_to_one("drain");
    assert_eq!(
        (drain.total.carried_calls, drain.total.blocked_calls, drain.total.failed_after_connect),
        (3.0, 1.0, 0.0)
    );
    assert_eq!(drain.limits[0].metrics.preempted, 0.0);
    let preempt = agents_cut_to_one("preempt");
    // The calls of 3 s and 2 s are cut at 10 s; the one of 15 s finds the one slot taken.
    assert_eq!(
        (preempt.total.carried_calls, preempt.total.blocked_calls, preempt.total.failed_after_connect),
        (1.0, 1.0, 2.0)
    );
    assert_eq!(preempt.limits[0].metrics.preempted, 2.0);
    // 1–10 s: 1, 2, 3 holders; then 1 until 51 s: (1 + 2·1 + 3·7 + 41) / 100.
    assert!((preempt.limits[0].metrics.mean_occupancy - 0.65).abs() < 1e-12);
}

#[test]
fn an_outage_window_refuses_every_arrival_inside_it_and_none_outside() {
    // A 0.1 s call every 0.5 s from 0.25 s; an outage [10 s, 20 s) every 30 s:
    // 20 of each 60 calls of a minute fall in it.
    let dir = tempfile::tempdir().unwrap();
    let calls: Vec<(f64, f64)> = (0..240).map(|k| (0.25 + 0.5 * k as f64, 0.1)).collect();
    let limits = "[[limits]]\nname = \"trunk\"\ncapacity = 1\n\
                  [[incidents]]\nname = \"outage\"\nlimit = \"trunk\"\nstart = \"10s\"\nduration = \"10s\"\nevery = \"30s\"\ncapacity_factor = 0\n";
    let m = traced(dir.path(), &calls, "horizon = \"120s\"\nreplications = 2", "", limits);
    let r = replicate(&m, 0).remove(0);
    assert_eq!((r.total.offered_calls, r.total.blocked_calls, r.total.carried_calls), (240.0, 80.0, 160.0));
    assert_eq!(r.limits[0].metrics.incidents, 4.0);
}

#[test]
fn a_capacity_schedule_blocks_as_erlang_b_at_each_windows_own_capacity() {
    // 10 Erl on 8 slots from midnight to noon, 14 after; judged over
    // hours well inside each window (holding 10 s ≪ a window).
    let mut failures = Vec::new();
    for (window, capacity) in [("mon 01:00-11:00", 8), ("mon 13:00-23:00", 14)] {
        let m = model(&format!(
            r#"
            name = "schedule"
            [run]
            horizon = "24h"
            replications = 30
            seed = 11
            [[sources]]
            name = "callers"
            arrivals = {{ rate = "1/s" }}
            holding = {{ dist = "exponential", mean = "10s" }}
            [sla]
            over = "window"
            window = "{window}"
            max_blocking = 0.5
            [[limits]]
            name = "agents"
            capacity = 14
            schedule = [{{ hours = "mon 00:00-12:00", capacity = 8 }}]
            "#
        ));
        let reps = replicate(&m, 0);
        let blocking: Vec<f64> = reps.iter().map(|r| r.hours[0].total.blocking_probability).collect();
        let (t, mean, _) = t_stat(&blocking, erlang_b(10.0, capacity));
        println!("{window}: blocking {mean:.5}, Erlang B {:.5}, T {t:+.2}", erlang_b(10.0, capacity));
        if t.abs() > 4.0 {
            failures.push(format!("{window}: T {t:+.2}"));
        }
    }
    assert!(failures.is_empty(), "{failures:?}");
}

#[test]
fn failure_and_incident_keys_are_checked_at_their_key() {
    let base = |extra: &str| {
        format!(
            "name = \"t\"\n[run]\nhorizon = \"1h\"\n[[sources]]\nname = \"s\"\narrivals = {{ rate = \"1/s\" }}\n\
             holding = {{ dist = \"exponential\", mean = \"10s\" }}\n[[limits]]\nname = \"a\"\ncapacity = 4\n{extra}"
        )
    };
    let cases = [
        ("failure = { probability = 1.5 }", "limits.a.failure.probability", "not a probability"),
        ("health = { unhealthy_after = 2 }", "limits.a.health", "is for a limit with `failure` or `fallback`"),
        ("schedule = [{ hours = \"mon 09:00-08:00\", capacity = 2 }]", "limits.a.schedule[0].hours", "is not a window"),
        ("schedule = [{ hours = \"mon 09:00-18:00\", max = 2 }]", "limits.a.schedule[0].max", "gives `capacity`, not `max`"),
        (
            "[[incidents]]\nname = \"x\"\nlimit = \"b\"\nstart = \"mon 10:00\"\nduration = \"30m\"\ncapacity_factor = 0",
            "incidents.x.limit",
            "no limit is named \"b\"",
        ),
        (
            "[[incidents]]\nname = \"x\"\nlimit = \"a\"\nstart = \"mon 10:00\"\nduration = \"30m\"\nevery = \"10m\"\ncapacity_factor = 0",
            "incidents.x.every",
            "windows would overlap",
        ),
        (
            "[[incidents]]\nname = \"x\"\nlimit = \"a\"\nstart = \"mon 10:00\"\nduration = \"30m\"\nfailure_probability = 0.5",
            "incidents.x.failure_probability",
            "has no `failure` or `fallback`",
        ),
    ];
    for (extra, key, message) in cases {
        assert_refused_at(&base(extra), key, message);
    }
}

#[test]
fn a_slow_provider_incident_multiplies_the_service_of_the_requests_it_serves() {
    // Service × 3 for requests admitted from 15 s to 35 s. Turns: 10 → 11
    // (1 s), 21 → 24 (3 s), 34 → 37 (3 s), then 47, 58, 69, 80, 91 (1 s each).
    let r = one_call_with_turns(
        "failure = { probability = 0 }",
        "[[incidents]]\nname = \"slow\"\nlimit = \"llm\"\nstart = \"15s\"\nduration = \"20s\"\nservice_factor = 3\n",
    );
    assert_eq!(r.total.turns, 8.0);
    assert!((r.total.mean_turn_latency_s - 12.0 / 8.0).abs() < 1e-9, "{}", r.total.mean_turn_latency_s);
}

#[test]
fn a_dated_maintenance_window_is_placed_from_run_week_of() {
    // Simulated Monday 00:00 is 2026-12-07; the outage on Tuesday 2026-12-08
    // from 02:00 to 04:00 is hours 26–28 of the run: every call in it is refused.
    let dir = tempfile::tempdir().unwrap();
    let calls: Vec<(f64, f64)> = (0..48).map(|h| (h as f64 * 3600.0 + 1800.0, 60.0)).collect();
    let limits = "[[limits]]\nname = \"trunk\"\ncapacity = 1\n\
                  [[incidents]]\nname = \"maintenance\"\nlimit = \"trunk\"\nstart = \"2026-12-08 02:00\"\nduration = \"2h\"\ncapacity_factor = 0\n";
    let m = traced(dir.path(), &calls, "horizon = \"2d\"\nreplications = 2\nweek_of = \"2026-12-07\"", "", limits);
    let r = replicate(&m, 0).remove(0);
    assert_eq!((r.total.offered_calls, r.total.blocked_calls), (48.0, 2.0));
    // Without run.week_of a date cannot be placed.
    let text = "name = \"t\"\n[run]\nhorizon = \"2d\"\n[[sources]]\nname = \"s\"\narrivals = { rate = \"1/min\" }\n\
                holding = { dist = \"exponential\", mean = \"1m\" }\n[[limits]]\nname = \"trunk\"\ncapacity = 1\n\
                [[incidents]]\nname = \"maintenance\"\nlimit = \"trunk\"\nstart = \"2026-12-08 02:00\"\nduration = \"2h\"\ncapacity_factor = 0\n";
    assert_refused_at(text, "incidents.maintenance.start", "give `run.week_of`");
}
