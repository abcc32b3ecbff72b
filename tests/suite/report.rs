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
    let html = report_of(dir.path(), "small <b>&</b>", "1");
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
    assert!(html.contains("small &lt;b&gt;&amp;&lt;&#x2f;b&gt;") || html.contains("small &lt;b&gt;&amp;&lt;/b&gt;"));
    assert!(!html.contains("<b>&</b>"));
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
fn report_is_byte_identical_across_thread_counts() {
    let dir = tempfile::tempdir().unwrap();
    let one = report_of(dir.path(), "same", "1");
    let two = report_of(dir.path(), "same", "2");
    assert!(one == two, "report.html differs between 1 and 2 threads");
}
