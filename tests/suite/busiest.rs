//! Judging the busiest days (ITU-T E.500): the days a run picks are the
//! ones a direct computation picks, and what they carry is what the day
//! factor implies for the k busiest of n days.

use crate::common::{model, t_stat};
use simcall::config::ModelDoc;
use simcall::runs::replicate;
use simcall::statistics::busiest_days;

#[test]
fn the_busiest_days_are_the_days_of_highest_busy_hour_load_ties_to_the_earlier() {
    assert_eq!(busiest_days(&[3.0, 9.0, 1.0, 9.0, 5.0], 3), vec![1, 3, 4]);
    assert_eq!(busiest_days(&[2.0, 1.0], 5), vec![0, 1]);
    assert!(busiest_days(&[], 5).is_empty());
}

/// A trace whose day d's busy hour (10:00-11:00) carries `n[d]` calls of
/// 360 s, the first `simultaneous[d]` of them at 10:00:00 and the rest one
/// every 6 minutes from 10:06:30 (after those have ended, one at a time);
/// and one call at 03:00 each day.
fn trace(n: &[usize], simultaneous: &[usize]) -> String {
    let mut csv = String::from("start,duration\n");
    for (d, (&n, &s)) in n.iter().zip(simultaneous).enumerate() {
        let day = d as f64 * 86_400.0;
        csv += &format!("{},{}\n", day + 3.0 * 3600.0, 60.0);
        for k in 0..n {
            let at = if k < s { 10.0 * 3600.0 } else { 10.0 * 3600.0 + 30.0 + 360.0 * (k - s + 1) as f64 };
            csv += &format!("{},360\n", day + at);
        }
    }
    csv
}

#[test]
fn a_run_judges_the_busy_hour_of_the_days_a_direct_computation_picks() {
    // Seven days; the 3 busiest by busy-hour load are days 4 (9 calls), 1
    // and 6 (8 each; day 3 has 6). On those days 3, 5 and 1 calls arrive
    // at 10:00 at once at a trunk of 2: 1, 3 and 0 are blocked.
    let n = [5, 8, 2, 6, 9, 4, 8];
    let simultaneous = [1, 5, 1, 6, 3, 1, 1];
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("calls.csv"), trace(&n, &simultaneous)).unwrap();
    let text = r#"
        name = "busiest"
        [run]
        horizon = "7d"
        replications = 2
        [[sources]]
        name = "log"
        arrivals = { trace = "calls.csv" }
        [[limits]]
        name = "trunk"
        capacity = 2
        [sla]
        max_blocking = "1%"
        days = "3 busiest"
        "#;
    let m = ModelDoc::parse(text, &dir.path().join("m.toml")).and_then(|d| d.build()).unwrap();
    assert_eq!(m.busy_clock_hour(), 10);
    for r in replicate(&m, 0) {
        let h = &r.hours[0];
        assert_eq!(h.label, "busy hour 10:00-11:00 of the 3 busiest of 7 days");
        // Days 4, 1, 6: 9 + 8 + 8 calls of 0.1 h over 3 hours.
        assert_eq!(h.total.offered_calls, 25.0);
        assert!((h.offered_load_erl - 25.0 * 0.1 / 3.0).abs() < 1e-12, "{}", h.offered_load_erl);
        assert_eq!(h.total.blocked_calls, 1.0 + 3.0 + 0.0);
        assert!((h.total.blocking_probability - 4.0 / 25.0).abs() < 1e-12);
    }
    // All days: the busy hour pooled over the seven.
    let all = ModelDoc::parse(&text.replace("days = \"3 busiest\"", ""), &dir.path().join("m.toml"))
        .and_then(|d| d.build())
        .unwrap();
    let h = &replicate(&all, 0)[0].hours;
    let busy = h.iter().find(|x| x.label == "busy hour 10:00-11:00").unwrap();
    assert_eq!(busy.total.offered_calls, n.iter().sum::<usize>() as f64);
}

#[test]
fn the_busiest_days_carry_what_the_day_factor_implies() {
    // A constant 600 calls an hour of 60 s (10 Erl), days scaled by a
    // gamma factor of cv 0.2, 60 days a replication. The busy hour of the
    // 5 busiest days carries E[mean of the 5 largest of 60 hourly loads],
    // each (Poisson(600·D) calls × 60 s)/3600 s: the expectation comes
    // from 20,000 independent draws of the same two stages here.
    let cv = 0.2;
    let m = model(&format!(
        r#"
        name = "days"
        [run]
        horizon = "60d"
        replications = 40
        seed = 7
        [[sources]]
        name = "calls"
        arrivals = {{ rate = "600/h", day_to_day = {{ dist = "gamma", cv = {cv} }} }}
        holding = {{ dist = "deterministic", value = "60s" }}
        [[limits]]
        name = "trunk"
        capacity = 1000
        [sla]
        max_blocking = "1%"
        days = "5 busiest"
        "#
    ));
    let judged: Vec<f64> = replicate(&m, 0).iter().map(|r| r.hours[0].offered_load_erl).collect();

    use rand::SeedableRng;
    use rand_distr::{Distribution, Gamma, Poisson};
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(99);
    let gamma = Gamma::new(1.0 / (cv * cv), cv * cv).unwrap();
    let draws = 20_000;
    let mut sum = 0.0;
    for _ in 0..draws {
        let mut loads: Vec<f64> = (0..60)
            .map(|_| Poisson::new(600.0 * gamma.sample(&mut rng)).unwrap().sample(&mut rng) * 60.0 / 3600.0)
            .collect();
        loads.sort_by(|a, b| b.total_cmp(a));
        sum += loads[..5].iter().sum::<f64>() / 5.0;
    }
    let expected = sum / draws as f64;
    let (t, mean, _) = t_stat(&judged, expected);
    println!(
        "5 busiest of 60 days, gamma cv {cv}: judged load {mean:.4} Erl vs {expected:.4} Erl expected (T {t:+.2})"
    );
    assert!(t.abs() < 4.0, "judged load {mean:.4} vs {expected:.4} (T {t:.2})");
    // Far above the mean load of 10 Erl: about 10 × (1 + 1.9 × 0.2).
    assert!(expected > 13.0 && mean > 13.0, "{expected} {mean}");
}

#[test]
fn the_days_over_target_are_the_days_whose_own_busy_hour_breaks_an_objective() {
    // The trace above at a trunk of 2: on each day the calls that arrive
    // together at 10:00 beyond 2 are blocked: 0, 3, 0, 4, 1, 0, 0 of
    // 5, 8, 2, 6, 9, 4, 8 calls. Days 1, 3 and 4 break 1% blocking in
    // their busy hour: 3 of 7 days, 42.9%.
    use simcall::runs::run_judged;
    use simcall::statistics::Verdict;
    let n = [5, 8, 2, 6, 9, 4, 8];
    let simultaneous = [1, 5, 1, 6, 3, 1, 1];
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("calls.csv"), trace(&n, &simultaneous)).unwrap();
    let text = |extra: &str| {
        format!(
            r#"
            name = "days over"
            [run]
            horizon = "7d"
            replications = 3
            [[sources]]
            name = "log"
            arrivals = {{ trace = "calls.csv" }}
            [[limits]]
            name = "trunk"
            capacity = 2
            [sla]
            {extra}
            "#
        )
    };
    let build =
        |extra: &str| ModelDoc::parse(&text(extra), &dir.path().join("m.toml")).and_then(|d| d.build()).unwrap();
    let over = build("max_blocking = \"1%\"\nmax_days_over = \"30%\"");
    for r in replicate(&over, 0) {
        assert_eq!(r.days.len(), 7);
        let blocked: Vec<f64> = r.days.iter().map(|d| d.total.blocked_calls).collect();
        assert_eq!(blocked, vec![0.0, 3.0, 0.0, 4.0, 1.0, 0.0, 0.0]);
    }
    let (s, v) = run_judged(&over, 0);
    let d = s.days_over.as_ref().unwrap();
    assert_eq!(d.days, 7);
    assert!((d.share.mean - 3.0 / 7.0).abs() < 1e-12);
    let dv = v.days_over.as_ref().unwrap();
    assert_eq!(dv.verdict, Verdict::Fail);
    assert_eq!(dv.describe(), "days over target 42.9% > 30% of 7 days");
    // The pooled busy hour's blocking (8 of 42, 19%) fails as well; with
    // the blocking objective 20% it passes, and so do the days: day 3
    // blocks 4 of 6 (67%) and day 1 3 of 8 (38%), 2 of 7 days over (28.6%).
    let loose = build("max_blocking = \"20%\"\nmax_days_over = \"30%\"");
    let (s, v) = run_judged(&loose, 0);
    assert!((s.days_over.as_ref().unwrap().share.mean - 2.0 / 7.0).abs() < 1e-12);
    assert_eq!(v.days_over.as_ref().unwrap().verdict, Verdict::Pass);
    // Without it, no day is kept.
    let plain = build("max_blocking = \"1%\"\nover = \"busy_hour\"");
    assert!(replicate(&plain, 0).iter().all(|r| r.days.is_empty()));
    assert!(run_judged(&plain, 0).0.days_over.is_none());
}
