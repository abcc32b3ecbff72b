//! Backtesting: a model backtested on a log it generated itself is
//! calibrated (each prediction band holds about its level of the
//! intervals); a model with the wrong holding time is not.

use crate::common::model;
use simcall::backtest::{backtest, Backtest, LEVELS};
use simcall::simulation::{simulate_keeping, Keep};

/// The shipped call centre for 28 days, short of agents on Mondays.
fn centre(holding_mean: &str) -> simcall::model::Model {
    let text = std::fs::read_to_string(crate::cli::repo("models/call-centre.toml")).unwrap();
    model(
        &text
            .replace("horizon = \"91d\"", "horizon = \"28d\"")
            .replace("mean = \"4m\"", &format!("mean = \"{holding_mean}\"")),
    )
}

/// Each band level's share of the informative intervals, over every metric.
fn pooled(b: &Backtest) -> [f64; 4] {
    let c = b.calibration();
    let n: usize = c.iter().map(|x| x.2).sum();
    let mut out = [0.0; 4];
    for (_, share, k) in &c {
        for (o, s) in out.iter_mut().zip(share) {
            *o += s * *k as f64 / n as f64;
        }
    }
    out
}

#[test]
fn a_model_backtested_on_its_own_log_is_calibrated_and_a_wrong_one_is_not() {
    let m = centre("4m");
    let mut span = m.clone();
    (span.run.warmup_s, span.run.horizon_s) = (0.0, 28.0 * 86_400.0);
    // The log `simcall generate --outcomes` writes, less days 3 and 17.
    let mut attempts = simulate_keeping(&span, 0, 0, Keep { dials: false, attempts: true }).attempts.unwrap();
    let drop: Vec<usize> =
        (0..attempts.len()).filter(|&i| [3, 17].contains(&((attempts.starts_s[i] / 86_400.0) as u32))).collect();
    attempts
        .starts_s
        .iter_mut()
        .enumerate()
        .filter(|(i, _)| drop.binary_search(i).is_ok())
        .for_each(|(_, t)| *t = f64::NAN);
    let mut log = attempts.to_call_log(None);
    let keep: Vec<usize> = (0..log.starts_s.len()).filter(|&i| !log.starts_s[i].is_nan()).collect();
    log.starts_s = keep.iter().map(|&i| log.starts_s[i]).collect();
    log.durations_s = keep.iter().map(|&i| log.durations_s[i]).collect();
    for v in [&mut log.waits_s, &mut log.talks_s] {
        *v = v.take().map(|v| keep.iter().map(|&i| v[i]).collect());
    }
    log.outcomes = log.outcomes.take().map(|v| keep.iter().map(|&i| v[i]).collect());
    log.callers = log.callers.take().map(|v| keep.iter().map(|&i| v[i]).collect());

    let b = backtest(&m, &log, 3600.0, 100).unwrap();
    assert_eq!(b.missing_days, vec![3, 17]);
    assert!(b.outcomes);
    let shares = pooled(&b);
    println!("own log: {:?} of the intervals in the {:?} bands", shares, LEVELS);
    for (share, level) in shares.iter().zip(LEVELS) {
        assert!((share - level).abs() < 0.05, "band {level}: {share}");
    }
    let metrics: Vec<usize> = b.calibration().iter().map(|c| c.0).collect();
    assert!(metrics.contains(&0) && metrics.contains(&3) && metrics.contains(&6), "{metrics:?}");

    // Calls 25% shorter than the log's: the replayed outcomes (how many
    // calls are in progress, who waits) leave the bands.
    let wrong = backtest(&centre("3m"), &log, 3600.0, 100).unwrap();
    let peak = wrong.calibration().into_iter().find(|c| c.0 == 6).unwrap();
    println!("3-minute calls: peak concurrency in the 95% band in {:.3} of intervals", peak.1[3]);
    assert!(peak.1[3] < 0.8, "{:?}", peak);
}

#[test]
fn the_attempt_log_holds_every_resolved_attempt_the_counts_hold() {
    use simcall::model::LoggedOutcome::*;
    let mut m = centre("4m");
    (m.run.warmup_s, m.run.horizon_s) = (3600.0, 7.0 * 86_400.0);
    let r = simulate_keeping(&m, 0, 2, Keep { dials: false, attempts: true });
    let log = r.attempts.as_ref().unwrap();
    let c = &r.total;
    let count = |o| log.outcomes.iter().filter(|x| **x == o).count() as u64;
    assert_eq!(log.len() as u64, c.attempts - c.waiting_at_end);
    assert_eq!(count(Answered), c.carried_calls + c.failed_after_connect);
    assert_eq!(count(Abandoned), c.abandoned_calls);
    assert_eq!(count(Blocked), c.blocked_calls);
    assert!(count(Abandoned) > 100, "the centre is short on Mondays");
    // After the warm-up only, each caller numbered once, redials keeping it.
    assert!(log.starts_s.iter().all(|t| *t >= 3600.0));
    let callers: std::collections::HashSet<u64> = log.callers.iter().copied().collect();
    // Every caller offered after the warm-up (less those still waiting at
    // the end), and the few from before it who redial after it.
    let distinct = callers.len() as i64;
    assert!(
        (distinct - c.offered_calls as i64).abs() <= c.waiting_at_end as i64 + 50,
        "{distinct} vs {}",
        c.offered_calls
    );
    assert!(log.len() > callers.len(), "some callers redialed");
    // Without asking, nothing is kept.
    assert!(simulate_keeping(&m, 0, 2, Keep::default()).attempts.is_none());
}

#[test]
fn generate_outcomes_then_fit_and_backtest_from_the_command_line() {
    use crate::cli::{repo, simcall, text};
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.csv");
    let model = repo("models/call-centre.toml");
    let out =
        simcall(&["generate", &model, "--days", "7", "--outcomes", "--drop-days", "2", "--out", log.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = std::fs::read_to_string(&log).unwrap();
    assert_eq!(csv.lines().next().unwrap(), "start,duration,source,caller,outcome,wait,talk");
    assert!(csv.lines().skip(1).all(|l| !l.starts_with("2026-09-09")), "day 2 (Wednesday 2026-09-09) is left out");
    assert!(csv.contains(",abandoned,") && csv.contains(",answered,"));
    let fit = simcall(&["fit", log.to_str().unwrap(), "--out", dir.path().join("fit").to_str().unwrap()]);
    assert!(fit.status.success(), "{}", text(&fit.stderr));
    assert!(text(&fit.stdout).contains("redials left out"), "{}", text(&fit.stdout));
    let bt_dir = dir.path().join("bt");
    let bt = simcall(&[
        "backtest",
        &model,
        log.to_str().unwrap(),
        "--replications",
        "20",
        "--out",
        bt_dir.to_str().unwrap(),
    ]);
    assert!(bt.status.success(), "{}", text(&bt.stderr));
    assert!(text(&bt.stdout).contains("backtest over 6 days of the log (1 missing, left out)"), "{}", text(&bt.stdout));
    for f in [
        "intervals.csv",
        "daily.csv",
        "calibration.csv",
        "calibration.png",
        "calibration.svg",
        "daily.png",
        "daily.svg",
    ] {
        assert!(bt_dir.join(f).is_file(), "{f}");
    }
    for (args, needle) in [
        (vec!["backtest", &model, log.to_str().unwrap(), "--replications", "5"], "use 20 to 1000"),
        (vec!["backtest", &model, log.to_str().unwrap(), "--interval", "7min"], "--interval"),
        (vec!["backtest", &model, "no/such/log.csv"], "cannot read"),
        (vec!["generate", &model, "--outcomes", "--counts", "15min", "--out", "x.csv"], "leave out --counts"),
    ] {
        let out = simcall(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains(needle), "{args:?}: {}", text(&out.stderr));
    }
    // A model with two inbound sources: whose calls the log holds is not said.
    let two = dir.path().join("two.toml");
    let text_two = std::fs::read_to_string(&model).unwrap().replace("[[limits]]", "[[sources]]\nname = \"other\"\narrivals = { rate = \"1/min\" }\nholding = { dist = \"exponential\", mean = \"3m\" }\n\n[[limits]]");
    std::fs::write(&two, text_two).unwrap();
    let out = simcall(&["backtest", two.to_str().unwrap(), log.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("replays one source's calls"), "{}", text(&out.stderr));
}
