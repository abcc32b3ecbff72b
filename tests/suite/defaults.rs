//! Right by default: a busy-hour sweep shows, in every table, the figures
//! its verdicts were judged on; `validate` warns about what would make a
//! verdict wrong (an objective no capacity meets, identical tiers, the peak
//! averaged away).

use crate::cli::{repo, simcall, text};
use polars::prelude::*;

/// The judged value and limit of each lost-caller objective of a
/// `summary.csv` row decide its verdict: a value above its limit with the
/// whole interval above is a fail, a fail has some value above its limit.
#[test]
fn a_busy_hour_sweep_shows_the_busy_hours_figures_that_decided_every_cell() {
    let dir = tempfile::tempdir().unwrap();
    let out = simcall(&["sweep", &repo("experiments/daily-tiers.toml"), "--out", dir.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("busy-hour offered load, Erl (run average)"), "{stdout}");
    assert!(stdout.contains("SLA judged over the busy hour 10:00-11:00 (by default, since source \"inbound\""));
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(dir.path().join("summary.csv")))
        .unwrap()
        .finish()
        .unwrap();
    let strings = |c: &str| -> Vec<String> {
        let col = df.column(c).unwrap().str().unwrap();
        (0..df.height()).map(|i| col.get(i).unwrap_or_default().to_string()).collect()
    };
    let floats = |c: &str| -> Vec<f64> {
        let col = df.column(c).unwrap().f64().unwrap();
        (0..df.height()).map(|i| col.get(i).unwrap()).collect()
    };
    let (over, verdict) = (strings("judged_over"), strings("verdict"));
    let (load, nominal) = (floats("judged_offered_load_erl_mean"), floats("nominal_offered_load_erl"));
    let limits = [("judged_blocking", 0.01), ("judged_abandonment", 0.01), ("judged_failure", 0.01)];
    let mut seen = [0; 2];
    for row in 0..df.height() {
        assert_eq!(over[row], "busy hour 10:00-11:00");
        assert!(
            load[row] > 2.0 * nominal[row],
            "the busy hour's load, not the day's: {} vs {}",
            load[row],
            nominal[row]
        );
        let above: Vec<bool> = limits.iter().map(|(c, l)| floats(&format!("{c}_mean"))[row] > *l).collect();
        let clearly_above: Vec<bool> = limits
            .iter()
            .map(|(c, l)| floats(&format!("{c}_mean"))[row] - floats(&format!("{c}_ci95"))[row] > *l)
            .collect();
        match verdict[row].as_str() {
            "pass" => assert!(!above.iter().any(|a| *a), "row {row} passes with a judged value above its limit"),
            "fail" => assert!(above.iter().any(|a| *a), "row {row} fails with every judged value inside"),
            _ => assert!(!clearly_above.iter().any(|a| *a), "row {row} undecided with a value clearly above"),
        }
        seen[usize::from(verdict[row] == "pass")] += 1;
    }
    assert!(seen[0] > 0 && seen[1] > 0, "the shipped busy-hour sweep has passing and failing cells: {seen:?}");
    // The report's answer is a table of busy-hour loads, with the warnings beside it.
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("<table id=\"holds\">") && html.contains("busy-hour Erl"), "the answer's table");
    assert!(html.contains("<th>busy-hour offered load, Erl</th><th>run average offered load, Erl</th>"));
    // The assumptions say what each cell had: the swept scale and each tier's capacities.
    assert!(html.contains("scale: 0.5–2.0 over 4 sweep points"), "the swept axis as a range");
    assert!(html.contains("capacity per tier: 60 channels 60, 100 channels 100, 160 channels 160"));
}

#[test]
fn validate_warns_about_what_would_make_a_verdict_wrong() {
    let dir = tempfile::tempdir().unwrap();
    // An objective no capacity meets: seed 001's 1.4 s against the requests' own 2.29 s.
    let out = simcall(&["validate", &repo("models/tts-semaphore.toml")]);
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("p95 turn latency 2.29 s > 1.4 s even with no limit at all"), "{err}");
    // Judged over the run on a profile with a busy hour 2.4× its mean.
    let profile = std::fs::read_to_string(repo("models/daily-profile.toml")).unwrap();
    let over_run = dir.path().join("over-run.toml");
    std::fs::write(&over_run, profile.replace("[sla]\n", "[sla]\nover = \"run\"\n")).unwrap();
    let err = text(&simcall(&["validate", over_run.to_str().unwrap()]).stderr);
    assert!(err.contains("the busy hour offers 2.4") && err.contains("averages the peak away"), "{err}");
    // Failures the chain can cause and an SLA that judges only waits.
    let silence = std::fs::read_to_string(repo("models/workspace-silence.toml")).unwrap();
    let start = silence.find("[sla]\n").unwrap();
    let end = start + silence[start..].find("\n\n").unwrap();
    let waits_only = dir.path().join("waits-only.toml");
    std::fs::write(&waits_only, format!("{}[sla]\nmax_p95_wait = \"20s\"{}", &silence[..start], &silence[end..]))
        .unwrap();
    let err = text(&simcall(&["validate", waits_only.to_str().unwrap()]).stderr);
    assert!(err.contains("limit \"elevenlabs-workspace\" can cause failure, and nothing in [sla] judges it"), "{err}");
    assert!(err.contains("can cause blocking") && err.contains("can cause abandonment"), "{err}");
    // Two identical tiers.
    let tiers = std::fs::read_to_string(repo("experiments/tiers.toml")).unwrap();
    let twin = tiers
        + "\n[[tiers]]\nname = \"Starter again\"\nprice_per_month = 150\nset = { \"limits.trunk.capacity\" = 50, \"limits.platform.capacity\" = 50, \"limits.call-manager.capacity\" = 50, \"limits.tts-connections.capacity\" = 50 }\n";
    let file = dir.path().join("twin.toml");
    std::fs::write(&file, twin.replace("../models/voice-agent.toml", &repo("models/voice-agent.toml"))).unwrap();
    let out = simcall(&["validate", file.to_str().unwrap()]);
    let err = text(&out.stderr);
    assert!(err.contains("tiers \"Starter\" and \"Starter again\" set the same keys to the same values"), "{err}");
}
