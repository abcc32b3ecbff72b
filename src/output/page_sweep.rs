//! The capacity review of a sweep (`report.html` of `simcall sweep`): the
//! answer as a table (each tier and the highest load at which it holds the
//! SLA), the busiest passing point's ceiling, the busy day and the charts,
//! on the page every report shares ([`super::html`]).

use super::html::{render, scalable, Ceiling, ChartRow, Framing, HoldRow, TierRow};
use super::{charts::series_groups, text, Drawn};
use crate::ids::{PointId, TierId};
use crate::report::SweepReport;
use crate::statistics::{CellResult, SweepResult, Verdict};
use crate::study::{value_label, Experiment};
use crate::units::money;

/// `report.html` of a sweep: its report with the charts drawn for the
/// output set (`charts`, by name) and the busy day's chart (`busy_day_svg`).
pub fn sweep_page(rep: &SweepReport, charts: &[(&str, Drawn)], busy_day_svg: Option<&str>) -> String {
    let framing = sweep_framing(rep, charts, busy_day_svg);
    render(&rep.experiment, &rep.result, framing, &rep.provenance)
}

/// Per line of the charts (a tier, with the other axes' values), the
/// highest judged load at which it holds the SLA: its last passing grid
/// point before the first that does not pass, marked as a grid point (a
/// sweep does not certify between its points).
fn holds(exp: &Experiment, res: &SweepResult) -> Vec<HoldRow> {
    let unit = res.judged_load_unit();
    series_groups(exp)
        .into_iter()
        .map(|g| {
            let mut cells: Vec<&CellResult> =
                res.cells.iter().filter(|c| c.tier == g.tier && g.points.contains(&c.point)).collect();
            cells.sort_by(|a, b| a.judged_load_erl().total_cmp(&b.judged_load_erl()));
            let first_not = cells.iter().position(|c| !c.meets_sla());
            let last_pass = first_not.unwrap_or(cells.len()).checked_sub(1).map(|i| cells[i]);
            let why = |c: &CellResult| match c.verdict.verdict {
                Verdict::Undecided => "undecided",
                _ => "fails",
            };
            let (holds, note) = match (last_pass, first_not.map(|i| cells[i])) {
                (Some(p), Some(n)) => (
                    format!("up to {:.1} {unit}", p.judged_load_erl()),
                    format!(
                        "last passing grid point; {} at {:.1} {unit} (not certified between)",
                        why(n),
                        n.judged_load_erl()
                    ),
                ),
                (Some(p), None) => (
                    format!("at least {:.1} {unit}", p.judged_load_erl()),
                    "passes at every grid point, the sweep's largest load included".to_string(),
                ),
                (None, Some(n)) => (
                    format!("below {:.1} {unit}", n.judged_load_erl()),
                    format!("{} at the sweep's smallest load already", why(n)),
                ),
                (None, None) => ("-".to_string(), "no cell".to_string()),
            };
            HoldRow {
                line: g.name.clone(),
                price: exp.tiers[g.tier].price_per_month.map_or("no price".into(), |v| format!("{}/month", money(v))),
                holds,
                note,
            }
        })
        .collect()
}

/// The answer: the cheapest passing tier over runs of consecutive sweep
/// points ("5.0–60.2 busy-hour Erl: Starter ($149/month)"), "no tier"
/// where none passes; a model of campaigns alone names its points.
fn answer(exp: &Experiment, res: &SweepResult) -> String {
    let outbound = exp.base.campaigns_only();
    let unit = res.judged_load_unit();
    let at = |p: PointId| -> String {
        if outbound {
            return exp.point_label(p);
        }
        let load = res.cells.iter().find(|c| c.point == p).map_or(0.0, CellResult::judged_load_erl);
        format!("{load:.1}")
    };
    let mut runs: Vec<(PointId, PointId, Option<TierId>)> = Vec::new();
    for (p, rec) in res.recommendations() {
        match runs.last_mut() {
            Some(last) if last.2 == rec && exp.axes.len() <= 1 => last.1 = p,
            _ => runs.push((p, p, rec)),
        }
    }
    let parts: Vec<String> = runs
        .iter()
        .map(|&(a, b, rec)| {
            let span = if a == b { at(a) } else { format!("{}–{}", at(a), at(b)) };
            let span = if outbound { span } else { format!("{span} {unit}") };
            match rec {
                Some(t) => format!(
                    "{span}: {}{}",
                    exp.tiers[t].name,
                    exp.tiers[t].price_per_month.map_or(String::new(), |v| format!(" ({}/month)", money(v)))
                ),
                None => format!("{span}: no tier meets the SLA"),
            }
        })
        .collect();
    let axes = exp.axes.iter().map(|a| a.path.clone()).collect::<Vec<_>>().join(", ");
    let by = if outbound { format!(", by {axes}") } else { String::new() };
    format!("The cheapest tier that meets the SLA with confidence{by}: {}.", parts.join("; "))
}

/// A sweep's framing, with the charts drawn for its output set and the
/// busy day at the recommended point of the highest load.
fn sweep_framing(rep: &SweepReport, drawn: &[(&str, Drawn)], busy_day_svg: Option<&str>) -> Framing {
    let (exp, res) = (&rep.experiment, &rep.result);
    let base = &exp.base;
    let point_label = |p: PointId| exp.point_label(p);
    let answer = answer(exp, res);
    // The ceiling at each tier's last passing point (its busiest pass).
    let ceilings: Vec<Ceiling> = exp
        .tiers
        .iter()
        .enumerate()
        .filter_map(|(t, tier)| {
            let c = res
                .cells
                .iter()
                .filter(|c| c.tier == TierId(t) && c.meets_sla())
                .max_by(|a, b| a.judged_load_erl().total_cmp(&b.judged_load_erl()))?;
            Some(Ceiling {
                title: format!(
                    "{} at {:.1} {}, its busiest passing point",
                    tier.name,
                    c.judged_load_erl(),
                    res.judged_load_unit()
                ),
                text: text::headroom(&c.summary),
            })
        })
        .collect();
    let (busy_day_svg, busy_day_caption) = match (&rep.busy_day, busy_day_svg) {
        (Some(b), Some(svg)) => {
            let cell = &exp.cells[b.cell];
            (scalable(svg.to_string()), format!("Use of each limit against its capacity, tier {} at {}: the busiest point it is recommended for (mean of {} replications per bucket).", exp.tiers[cell.tier].name, point_label(cell.point), b.summary.total.attempts.replications.len()))
        }
        _ => (String::new(), "No point has a recommended tier.".into()),
    };
    let place = if res.judged_in_hours() { format!(" in the {}", res.judged_over()) } else { String::new() };
    let judged = |what: &str| format!("{what}{place} per tier, with 95% confidence-interval bars and the SLA's line.");
    let chart_files = [
        (
            "price",
            "Monthly price per tier; filled points meet the SLA, the step is the cheapest passing tier.".to_string(),
        ),
        ("blocking", judged("Blocking probability (log scale)")),
        ("abandonment", judged("Abandonment probability")),
        ("loss", judged("Callers never served")),
        ("failure", judged("Failures after connect")),
        ("p95_wait", judged("95th-percentile wait")),
        ("service_level", judged("Service level")),
        ("p95_turn_latency", judged("95th-percentile turn latency")),
        ("turns_over_budget", judged("Turns over the latency budget")),
        (
            "losses",
            "Where each tier's losses come from over the run: attempts lost at each limit, stacked.".to_string(),
        ),
        ("completion", "Campaign completion per tier.".to_string()),
    ];
    let charts: Vec<ChartRow> = chart_files
        .iter()
        .filter_map(|(id, caption)| {
            let (_, d) = drawn.iter().find(|(name, _)| name == id)?;
            Some(ChartRow { id: id.to_string(), svg: scalable(d.svg.clone()), caption: caption.to_string() })
        })
        .collect();
    Framing {
        question: format!(
            "Which tier keeps {} inside its SLA at each offered load, and at what cost? ({} sweep points × {} tiers)",
            base.name,
            exp.points.len(),
            exp.tiers.len()
        ),
        answer,
        answer_rows: if exp.base.campaigns_only() { Vec::new() } else { holds(exp, res) },
        warnings: rep.warnings.clone(),
        single: false,
        tiers: exp
            .tiers
            .iter()
            .map(|t| TierRow {
                name: t.name.clone(),
                price: t.price_per_month.map_or("no price".into(), |v| format!("${v}/month")),
                set: t.set.iter().map(|(k, v)| format!("{k} = {}", value_label(v))).collect::<Vec<_>>().join(", "),
            })
            .collect(),
        ceilings,
        busy_day_title: "A busy day at the recommended point".into(),
        busy_day_svg,
        busy_day_caption,
        charts,
        failing: rep.failing.as_ref().map(|f| super::page_failing::sweep_view(exp, res, f)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ModelDoc;
    use crate::ids::{PointId, TierId};
    use crate::report::CellSeries;
    use crate::report::Provenance;
    use crate::statistics::CellResult;
    use crate::statistics::SweepResult;
    use crate::study::{Experiment, InputFile};
    use std::path::Path;

    /// A sweep's report of one cell, built in memory: no file is read or
    /// written.
    fn report() -> SweepReport {
        let text = r#"
            name = "page <test> & co"
            description = "two limits, one queue"
            [run]
            horizon = "1h"
            warmup = "10m"
            replications = 3
            seed = 11
            [[sources]]
            name = "inbound"
            arrivals = { rate = "20/min" }
            holding = { dist = "exponential", mean = "2m" }
            patience = { dist = "exponential", mean = "30s" }
            [sla]
            max_blocking = "1%"
            [[limits]]
            name = "trunk"
            capacity = 60
            [[limits]]
            name = "tts"
            capacity = 30
            on_full = { queue = { timeout = "5s" } }
        "#;
        let path = Path::new("page.toml");
        let model = ModelDoc::parse(text, path).unwrap().build().unwrap();
        let (summary, verdict) = crate::runs::run_judged(&crate::runs::with_series(&model), 0);
        let inputs = vec![InputFile::of(path, text.as_bytes())];
        let exp = Experiment::of_model(path, model, inputs.clone(), "Sources: a test of the page.".into());
        let cell = CellResult {
            point: PointId(0),
            tier: TierId(0),
            offered_load_erl: 40.0,
            summary: summary.clone(),
            verdict,
        };
        let result = SweepResult::new(&exp, vec![cell]);
        let series = CellSeries { cell: crate::ids::CellId(0), summary };
        SweepReport {
            experiment: exp,
            result,
            worst: vec![Some(series.clone())],
            busy_day: Some(series),
            warnings: vec!["a warning the page shows".into()],
            failing: None,
            provenance: Provenance { command: "simcall sweep page.toml".into(), inputs, self_test: None },
        }
    }

    #[test]
    fn the_sweep_page_shows_every_section_from_the_value_alone() {
        let rep = report();
        let charts = super::super::charts::draw_all(&rep.experiment, &rep.result).unwrap();
        let b = rep.busy_day.as_ref().unwrap();
        let busy = super::super::series::chart(
            Path::new("busy"),
            "busy",
            &b.summary.limits,
            &b.summary.series,
            Default::default(),
        )
        .unwrap();
        let page = sweep_page(&rep, &charts, Some(&busy.svg));
        for id in ["question", "assumptions", "verdicts", "capacity", "ceiling", "busy-day", "charts"] {
            assert!(page.contains(&format!("<section id=\"{id}\">")), "section {id}");
        }
        for (name, _) in &charts {
            assert!(page.contains(&format!("<figure id=\"chart-{name}\"><svg")), "chart {name} inline");
        }
        // The assumptions, verdict and provenance are the value's own.
        assert!(page.contains("trunk") && page.contains("tts") && page.contains("up to 5 s"));
        assert!(page.contains("Sources: a test of the page."));
        assert!(page.contains(&rep.provenance.inputs[0].sha256), "the input's digest as read");
        assert!(page.contains("simcall sweep page.toml"));
        assert!(page.contains(rep.result.cells[0].verdict.verdict.name()));
        assert!(page.contains("the busiest point it is recommended for"));
        assert!(page.contains("Warning: a warning the page shows"));
        assert!(page.contains("<table id=\"holds\">"), "the answer's table");
        // User text is escaped; nothing is fetched or run.
        assert!(page.contains("page &lt;test&gt; &amp; co") && !page.contains("page <test>"));
        assert!(!page.contains("<script") && !page.contains("src=\"http") && !page.contains("href=\"http"));
        // The same value gives the same bytes.
        assert_eq!(page, sweep_page(&rep, &charts, Some(&busy.svg)));
    }

    #[test]
    fn a_page_without_a_busy_day_says_so() {
        let mut rep = report();
        rep.busy_day = None;
        let page = sweep_page(&rep, &[], None);
        assert!(page.contains("No point has a recommended tier."));
        assert!(!page.contains("<figure id=\"chart-"));
    }
}
