//! The report's "What if it fails" section: what fails, overflows or
//! changes in the model, each verdict through its incidents beside the
//! baseline, the cheapest tier that rides every swept incident out, and the
//! traffic the standby limits carried.

use super::format::pm;
use super::html::describe;
use crate::model::{Incident, IncidentWhen, Model};
use crate::report::FailingWorld;
use crate::statistics::{SlaVerdict, Summary, SweepResult, Verdict};
use crate::study::{value_label, Experiment};
use crate::units::{clock_label, duration_text, money, percent};
use serde::Serialize;

/// The section as the template shows it.
#[derive(Serialize)]
pub(super) struct FailingView {
    /// What fails, overflows or changes, one line each.
    pub(super) lines: Vec<String>,
    pub(super) header: Vec<String>,
    pub(super) rows: Vec<Vec<String>>,
    /// Which tier rides every incident out, or that none does.
    pub(super) rides: String,
    pub(super) standby_header: Vec<String>,
    pub(super) standby_rows: Vec<Vec<String>>,
}

/// An incident as a reviewer reads it; a key in `swept` is named as swept
/// rather than given its value at one point.
fn incident_line(i: &Incident, m: &Model, swept: &[&str]) -> String {
    let limit = &m.limits[i.limit].name;
    let or_swept = |key: &str, value: String| if swept.contains(&key) { format!("a swept {key}") } else { value };
    let when = match &i.when {
        IncidentWhen::Window { start_s, duration_s, every_s } => format!(
            "from {} for {}{}",
            or_swept("start", clock_label(*start_s)),
            or_swept("duration", duration_text(*duration_s)),
            every_s.map_or(" (once)".to_string(), |e| format!(", every {}", or_swept("every", duration_text(e))))
        ),
        IncidentWhen::Random { between, repair } => {
            format!("at random: up {} between outages, down {} each", describe(between), describe(repair))
        }
    };
    let mut effects = Vec::new();
    if i.capacity_factor != 1.0 || swept.contains(&"capacity_factor") {
        effects.push(format!("capacity × {}", or_swept("capacity_factor", i.capacity_factor.to_string())));
    }
    if let Some(p) = i.failure_probability {
        effects.push(format!("fails {} of admissions", or_swept("failure_probability", percent(p))));
    }
    if i.service_factor != 1.0 || swept.contains(&"service_factor") {
        effects.push(format!("service times × {}", or_swept("service_factor", i.service_factor.to_string())));
    }
    if effects.is_empty() {
        effects.push("nothing changes (the baseline)".into());
    }
    let rows = if swept.is_empty() { "" } else { " (each row of the table below is one setting)" };
    format!("Incident {}: {limit} {when}: {}{rows}.", i.name, effects.join(", "))
}

/// What fails, overflows or changes in `m`, one line each; `exp` names the
/// swept incident keys.
fn lines(m: &Model, exp: &Experiment) -> Vec<String> {
    let mut out = Vec::new();
    for l in &m.limits {
        if let Some(to) = l.overflow_to() {
            out.push(format!("{} overflows to standby {} when full.", l.name, m.limits[to].name));
        }
        if let Some(f) = &l.failure {
            let mut s = format!(
                "{} fails {} of admissions, known after {}; {} on it, then {}",
                l.name,
                percent(f.probability),
                duration_text(f.detection_s),
                match f.retries {
                    0 => "no retry".to_string(),
                    n => format!(
                        "{n} {} after {}",
                        if n == 1 { "retry" } else { "retries" },
                        duration_text(f.retry_interval_s)
                    ),
                },
                f.fallback.map_or("the call or request is lost".to_string(), |to| format!(
                    "falls back to {}",
                    m.limits[to].name
                ))
            );
            if let Some(n) = f.unhealthy_after {
                s += &format!(
                    "; unhealthy after {n} failures in a row (new work to the fallback), probed every {}",
                    duration_text(f.probe_interval_s)
                );
            }
            out.push(s + ".");
        }
        if l.schedule.is_some() {
            out.push(format!(
                "{} follows a weekly capacity schedule ({} when it drops).",
                l.name,
                match l.on_drop {
                    crate::model::OnDrop::Drain => "running calls drain",
                    crate::model::OnDrop::Preempt => "the newest calls are cut",
                }
            ));
        }
    }
    for i in &m.incidents {
        let prefix = format!("incidents.{}.", i.name);
        let swept: Vec<&str> = exp.axes.iter().filter_map(|a| a.path.strip_prefix(prefix.as_str())).collect();
        out.push(incident_line(i, m, &swept));
    }
    out
}

/// The standby limits' traffic of `s`: (limit, overflowed in, fell back in,
/// mean holders, peakedness, refused there).
fn standby_cells(m: &Model, s: &Summary) -> Vec<Vec<String>> {
    m.limits
        .iter()
        .zip(&s.limits)
        .filter(|(l, _)| l.standby)
        .map(|(l, ls)| {
            let x = &ls.metrics;
            let refused = x.blocked_by.mean + x.abandoned_at.mean + x.requests_refused.mean;
            vec![
                l.name.clone(),
                pm(&x.overflowed_in),
                pm(&x.fallbacks_in),
                pm(&x.mean_occupancy),
                pm(&x.peakedness),
                format!("{refused:.1}"),
            ]
        })
        .collect()
}

const STANDBY_HEADER: [&str; 6] =
    ["standby limit", "overflowed in", "fell back in", "mean holders", "peakedness", "refused there (mean)"];

/// The section of a sweep: per point (its swept incident values), each
/// tier's verdict; the cheapest tier passing at every point; the standby
/// traffic of the recommended (else the last) tier per point.
pub(super) fn sweep_view(exp: &Experiment, res: &SweepResult, f: &FailingWorld) -> FailingView {
    let mut header: Vec<String> = exp.axes.iter().map(|a| a.path.clone()).collect();
    header.extend(exp.tiers.iter().map(|t| t.name.clone()));
    let mut rows = Vec::new();
    let mut standby_rows = Vec::new();
    let recommended: Vec<_> = res.recommendations().collect();
    for (p, point) in exp.points.iter().enumerate() {
        let p = crate::ids::PointId(p);
        let mut row: Vec<String> = point.iter().map(value_label).collect();
        if f.baseline_points.contains(&p) {
            if let Some(first) = row.first_mut() {
                *first += " (baseline)";
            }
        }
        row.extend(
            (0..exp.tiers.len())
                .map(|t| res.cell(p, crate::ids::TierId(t)).map_or("-".into(), |c| c.verdict.summary())),
        );
        rows.push(row);
        let tier =
            recommended.iter().find(|r| r.0 == p).and_then(|r| r.1).unwrap_or(crate::ids::TierId(exp.tiers.len() - 1));
        if let Some(c) = res.cell(p, tier) {
            for cells in standby_cells(&exp.base, &c.summary) {
                let mut r: Vec<String> = point.iter().map(value_label).collect();
                r.push(exp.tiers[tier].name.clone());
                r.extend(cells);
                standby_rows.push(r);
            }
        }
    }
    let passing_everywhere = (0..exp.tiers.len())
        .filter(|&t| res.cells.iter().filter(|c| c.tier.0 == t).all(|c| c.verdict.verdict == Verdict::Pass))
        .min_by(|&a, &b| {
            let price = |t: usize| exp.tiers[t].price_per_month.unwrap_or(f64::INFINITY);
            price(a).total_cmp(&price(b)).then(a.cmp(&b))
        });
    let rides = match passing_everywhere {
        Some(t) => format!(
            "Cheapest tier that keeps the SLA at every swept point, incidents included: {}{}.",
            exp.tiers[t].name,
            exp.tiers[t].price_per_month.map_or(String::new(), |v| format!(" ({}/month)", money(v)))
        ),
        None => "No tier keeps the SLA at every swept point: the table shows where each one breaks.".to_string(),
    };
    let mut standby_header: Vec<String> = exp.axes.iter().map(|a| a.path.clone()).collect();
    standby_header.push("tier".into());
    standby_header.extend(STANDBY_HEADER.map(String::from));
    FailingView { lines: lines(&exp.base, exp), header, rows, rides, standby_header, standby_rows }
}

/// The section of a run: its verdict with its incidents beside the same
/// run without them, and its standby traffic.
pub(super) fn run_view(exp: &Experiment, m: &Model, s: &Summary, v: &SlaVerdict, f: &FailingWorld) -> FailingView {
    let header = vec!["run".to_string(), "verdict".to_string()];
    let mut rows = vec![vec![
        if m.incidents.is_empty() { "as modelled".into() } else { "with its incidents".into() },
        v.summary(),
    ]];
    if let Some(b) = &f.baseline {
        rows.push(vec!["baseline: the same run without incidents".into(), b.summary()]);
    }
    let rides = match (&f.baseline, v.verdict) {
        (Some(b), Verdict::Pass) if b.verdict == Verdict::Pass => "It keeps the SLA through its incidents.".into(),
        (Some(b), _) if b.verdict == Verdict::Pass => {
            "It keeps the SLA without its incidents but not through them: a larger standby or fallback is needed (sweep one to find the cheapest)."
                .into()
        }
        _ => String::new(),
    };
    FailingView {
        lines: lines(m, exp),
        header,
        rows,
        rides,
        standby_header: STANDBY_HEADER.map(String::from).to_vec(),
        standby_rows: standby_cells(m, s),
    }
}
