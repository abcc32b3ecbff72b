//! The capacity-review report (`report.html`) a sweep writes: one
//! self-contained file with every section, the verdict of every cell, the
//! charts inline, nothing fetched and user text escaped.

use crate::cli::{simcall, small_experiment, text};

/// Runs the small sweep with the experiment's name replaced by `name`;
/// returns the report's text.
fn report_of(dir: &std::path::Path, name: &str, threads: &str) -> String {
    let exp = small_experiment(dir);
    let body = std::fs::read_to_string(&exp).unwrap().replace("name = \"small\"", &format!("name = {name:?}"));
    std::fs::write(&exp, body).unwrap();
    let out_dir = dir.join(format!("out{threads}"));
    let out = simcall(&["--threads", threads, "sweep", exp.to_str().unwrap(), "--out", out_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    std::fs::read_to_string(out_dir.join("report.html")).expect("a sweep writes report.html")
}

#[test]
fn report_is_self_contained_with_every_section_and_cell() {
    let dir = tempfile::tempdir().unwrap();
    let html = report_of(dir.path(), "small <b>& <i>", "1");
    assert!(html.starts_with("<!DOCTYPE html>"), "{}", &html[..80]);
    for id in ["question", "assumptions", "verdicts", "capacity", "ceiling", "busy-day", "charts", "trust", "reproduce"]
    {
        assert!(html.contains(&format!("<section id=\"{id}\"")), "no section {id}");
    }
    // Nothing loaded from anywhere: no script, stylesheet link, image,
    // frame, font or URL other than the SVG namespace.
    for forbidden in ["<script", "<link", "<img", "<iframe", "@import", "url(", "src=", "href=\"http"] {
        assert!(!html.contains(forbidden), "report has {forbidden}");
    }
    let urls = html.matches("http").count();
    assert_eq!(urls, html.matches("http://www.w3.org/2000/svg").count(), "only SVG namespaces are URLs");
    // The experiment's name is text, not markup.
    assert!(html.contains("small &lt;b&gt;&amp; &lt;i&gt;"));
    assert!(!html.contains("<b>& <i>"));
    // 3 points × 2 tiers: six verdict rows, and the charts inline.
    assert_eq!(html.matches("<tr class=\"verdict").count(), 6, "one row per cell");
    for chart in ["chart-price", "chart-blocking", "chart-p95_wait", "chart-losses"] {
        assert!(html.contains(chart), "no {chart}");
    }
    assert!(html.matches("<svg").count() >= 5);
    assert!(html.contains("viewBox=\"0 0 "), "charts scale with the page");
    // The reproduction line and the model's fingerprint.
    assert!(html.contains("simcall sweep "));
    assert!(html.matches(|c: char| c.is_ascii_hexdigit()).count() > 128, "SHA-256 of the inputs");
}

#[test]
fn run_report_is_one_self_contained_page_with_the_run_over_time() {
    let dir = tempfile::tempdir().unwrap();
    let model = crate::cli::repo("models/voice-agent.toml");
    let file = dir.path().join("nested/review.html");
    let sets = ["--set", "run.replications=3", "--set", "run.horizon=2h", "--set", "run.warmup=10m"];
    let mut args = vec!["run", model.as_str(), "--report", file.to_str().unwrap()];
    args.extend(sets);
    let out = simcall(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let html = std::fs::read_to_string(&file).expect("run --report writes the file, creating its folder");
    for id in ["question", "assumptions", "verdicts", "ceiling", "busy-day", "trust", "reproduce"] {
        assert!(html.contains(&format!("<section id=\"{id}\"")), "no section {id}");
    }
    // No sweep vocabulary: no tier, price, capacity-and-cost or empty charts section.
    for sweep_only in ["<section id=\"capacity\"", "<section id=\"charts\"", "<th>tier</th>", "Verdict per tier"] {
        assert!(!html.contains(sweep_only), "a run's report has {sweep_only}");
    }
    assert!(html.contains("Erl offered, and where is its ceiling?"), "the question states the load");
    assert!(html.contains("not certified by one run"), "the ceiling is said not to be certified");
    for forbidden in ["<script", "<link", "<img", "url(", "src=", "href=\"http"] {
        assert!(!html.contains(forbidden), "report has {forbidden}");
    }
    // One cell, its verdict as the answer; the run's own time series drawn.
    assert_eq!(html.matches("<tr class=\"verdict").count(), 1);
    let verdict = if text(&out.stdout).contains("verdict: pass") { "pass" } else { "fail" };
    assert!(html.contains(&format!("Verdict: {verdict}")), "the answer is the run's verdict ({verdict})");
    assert_eq!(html.matches("<svg").count(), 1, "the run over time, and no sweep chart");
    assert!(html.contains("simcall run "), "the command to reproduce it");
    assert!(html.contains("--set run.replications=3"));
    // One input: the model, hashed once.
    assert_eq!(html.matches("voice-agent.toml</td>").count(), 1);
}

#[test]
fn report_is_byte_identical_across_thread_counts() {
    let dir = tempfile::tempdir().unwrap();
    let one = report_of(dir.path(), "same", "1");
    let two = report_of(dir.path(), "same", "2");
    assert!(one == two, "report.html differs between 1 and 2 threads");
}

#[test]
fn a_two_axis_sweep_draws_one_line_per_second_axis_value() {
    let dir = tempfile::tempdir().unwrap();
    let exp_path = small_experiment(dir.path());
    let body = std::fs::read_to_string(&exp_path).unwrap().replace(
        "sweep = { \"sources.inbound.arrivals.rate\" = { from = \"5/min\", to = \"25/min\", steps = 3 } }",
        "sweep = { \"sources.inbound.arrivals.rate\" = [\"5/min\", \"15/min\", \"25/min\"], \"limits.tts-connections.capacity\" = [20, 40] }",
    );
    std::fs::write(&exp_path, body).unwrap();
    let exp = simcall::config::load_experiment(&exp_path, &[], simcall::config::bounds::Reach::Soft).unwrap();
    assert_eq!(exp.points.len(), 6, "3 rates × 2 capacities");
    let groups = simcall::output::charts::series_groups(&exp);
    let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Starter, limits.tts-connections.capacity = 20",
            "Starter, limits.tts-connections.capacity = 40",
            "Growth, limits.tts-connections.capacity = 20",
            "Growth, limits.tts-connections.capacity = 40",
        ]
    );
    for g in &groups {
        assert_eq!(g.points.len(), 3, "{}: one point per rate", g.name);
        let caps: Vec<_> = g.points.iter().map(|&p| exp.points[p][1].clone()).collect();
        assert!(caps.windows(2).all(|w| w[0] == w[1]), "{}: one capacity per line", g.name);
        let rates: std::collections::BTreeSet<String> =
            g.points.iter().map(|&p| exp.points[p][0].to_string()).collect();
        assert_eq!(rates.len(), 3, "{}: every rate on the line", g.name);
    }
    // A one-axis sweep: one line per tier, named by the tier.
    let one = simcall::config::load_experiment(
        &small_experiment(&dir.path().join("one")),
        &[],
        simcall::config::bounds::Reach::Soft,
    )
    .unwrap();
    let names: Vec<String> = simcall::output::charts::series_groups(&one).into_iter().map(|g| g.name).collect();
    assert_eq!(names, ["Starter", "Growth"]);
}

#[test]
fn the_busy_hour_is_the_sixty_minutes_with_the_most_offered_calls() {
    use simcall::record::{Bucket, SeriesTotals};
    // Five-minute buckets over a day; a peak of 12 buckets from 10:00.
    let bucket = |i: usize| {
        let start_s = 300.0 * i as f64;
        let peak = (120..132).contains(&i);
        let totals =
            SeriesTotals { offered_calls: if peak { 50.0 } else { 10.0 + (i % 7) as f64 }, ..Default::default() };
        Bucket { start_s, totals, limits: vec![] }
    };
    let day: Vec<Bucket> = (0..288).map(bucket).collect();
    assert_eq!(simcall::output::series::busy_hour_start_s(&day), Some(10.0 * 3600.0));
    // Shorter than an hour: the whole run is the busy hour.
    assert_eq!(simcall::output::series::busy_hour_start_s(&day[..5]), Some(0.0));
    assert_eq!(simcall::output::series::busy_hour_start_s(&[]), None);
}

#[test]
fn a_plan_writes_a_self_contained_report_with_its_months_and_ladder() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("plan");
    let out = simcall(&["plan", &crate::cli::repo("experiments/tiers-plan.toml"), "--out", out_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let html = std::fs::read_to_string(out_dir.join("report.html")).expect("a plan writes report.html");
    for id in ["question", "assumptions", "verdicts", "capacity", "ceiling", "charts", "trust", "reproduce"] {
        assert!(html.contains(&format!("<section id=\"{id}\"")), "no section {id}");
    }
    for forbidden in ["<script", "<link", "<img", "url(", "src="] {
        assert!(!html.contains(forbidden), "report has {forbidden}");
    }
    // One row per month of the forecast, as in plan.csv.
    let months = std::fs::read_to_string(out_dir.join("plan.csv")).unwrap().lines().count() - 1;
    assert_eq!(html.matches("<tr class=\"month\">").count(), months);
    assert!(html.contains("chart-runway") && html.contains("chart-cost"));
    assert!(html.contains("simcall plan ") && html.contains("Buy "), "answer and reproduction line");
}
