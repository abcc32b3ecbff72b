//! Reports for people and programs: the `run` table and JSON, and the
//! sweep's recommendation table.

use super::format::{metrics_json, pm, table};
use crate::model::{LimitKind, Model};
use crate::statistics::SweepResult;
use crate::statistics::{Estimate, LimitMetrics, SlaVerdict, Summary};
use crate::study::{value_label, Experiment};
use comfy_table::{Cell, CellAlignment, Table};
use serde_json::{json, Map, Value};

/// Every source metric in total and, with several sources, per source.
fn sources_table(s: &Summary) -> Table {
    let mut header = vec!["metric".to_string(), "total".to_string()];
    if s.sources.len() > 1 {
        header.extend(s.sources.iter().map(|src| src.name.clone()));
    }
    let mut t = table(header);
    let per_source: Vec<Vec<&crate::statistics::Estimate>> =
        s.sources.iter().map(|src| src.metrics.fields().map(|(_, e)| e).collect()).collect();
    for (k, (name, total)) in s.total.fields().enumerate() {
        let mut row = vec![Cell::new(name), Cell::new(pm(total)).set_alignment(CellAlignment::Right)];
        if s.sources.len() > 1 {
            row.extend(per_source.iter().map(|e| Cell::new(pm(e[k])).set_alignment(CellAlignment::Right)));
        }
        t.add_row(row);
    }
    t
}

/// The `simcall run` tables: every metric per source and in total, then
/// the limits, each as mean ± 95% confidence half-width, the headroom lines
/// and each campaign's block.
pub fn run_text(model: &Model, s: &Summary, verdict: &SlaVerdict) -> String {
    let r = model.run.replications;
    let mut out = format!(
        "{}: {} replications of {:.0} s after a {:.0} s warm-up, seed {}; mean ± 95% CI half-width\n",
        model.name, r, model.run.horizon_s, model.run.warmup_s, model.run.seed
    );
    if model.sources.is_empty() {
        out += "(no inbound sources: campaigns only)\n";
    } else {
        out += &format!("{}\n", sources_table(s));
    }
    let mut head =
        ["limit", "kind", "capacity", "utilization", "p99 occupancy", "blocked", "abandoned", "failed", "loss share"]
            .map(String::from)
            .to_vec();
    // Columns for routes, failures and incidents only where the model has
    // them: other models' tables stay as they were.
    let extra = failing_world_columns(model);
    head.extend(extra.iter().map(|(name, _)| name.to_string()));
    let mut t = table(head);
    for (l, limit) in s.limits.iter().zip(&model.limits) {
        let mut cap = if l.pool > 1 { format!("{} × {}", l.pool, l.capacity()) } else { format!("{}", l.capacity()) };
        if limit.standby {
            cap += " (standby)";
        }
        let mut row = vec![Cell::new(&l.name), Cell::new(l.kind.name()), Cell::new(cap)];
        let m = &l.metrics;
        let mut shown = vec![
            &m.utilization,
            &m.p99_occupancy,
            &m.blocked_by,
            &m.abandoned_at,
            &m.failed_after_connect,
            &m.loss_share,
        ];
        shown.extend(extra.iter().map(|(_, get)| get(m)));
        for e in shown {
            row.push(Cell::new(pm(e)).set_alignment(CellAlignment::Right));
        }
        t.add_row(row);
    }
    out += &format!("{t}\n");
    out += &headroom(s);
    out += &super::campaigns::text(model, &s.campaigns);
    out + &sla_text(model, s, verdict)
}

/// A per-limit figure of the limits table.
type LimitColumn = (&'static str, fn(&LimitMetrics<Estimate>) -> &Estimate);

/// The per-limit columns of what fails and changes that `model` has:
/// overflow and fallback routes (with the carried traffic's peakedness),
/// failures and health, incidents and preemption.
pub fn failing_world_columns(model: &Model) -> Vec<LimitColumn> {
    let mut out: Vec<LimitColumn> = Vec::new();
    let limits = &model.limits;
    if limits.iter().any(|l| l.overflow_to().is_some()) {
        out.push(("overflowed out", |m| &m.overflowed_out));
        out.push(("overflowed in", |m| &m.overflowed_in));
    }
    if limits.iter().any(|l| l.failure.is_some()) {
        out.push(("failures", |m| &m.failures));
    }
    if limits.iter().any(|l| l.fallback_to().is_some()) {
        out.push(("fell back out", |m| &m.fallbacks_out));
        out.push(("fell back in", |m| &m.fallbacks_in));
    }
    if limits.iter().any(|l| l.failure.as_ref().is_some_and(|f| f.unhealthy_after.is_some())) {
        out.push(("unhealthy", |m| &m.unhealthy_share));
    }
    if !model.incidents.is_empty() {
        out.push(("incidents", |m| &m.incidents));
    }
    if limits.iter().any(|l| l.on_drop == crate::model::OnDrop::Preempt) {
        out.push(("preempted", |m| &m.preempted));
    }
    if limits.iter().any(|l| l.standby) {
        out.push(("peakedness", |m| &m.peakedness));
    }
    out
}

/// The SLA block: each objective's value ± 95% CI, its limit, its one-sided
/// bound and verdict, then the run's verdict.
pub fn sla_text(model: &Model, s: &Summary, v: &SlaVerdict) -> String {
    if model.sla.is_empty() {
        return format!("SLA: no objective set\n{}", sla_notes(v));
    }
    let reps = s.total.attempts.replications.len();
    let mut out = format!(
        "SLA judged over {} ({}; {} replications; {:.0}% one-sided confidence bounds):\n",
        crate::statistics::sla::place(&v.over),
        v.over_why,
        reps,
        100.0 * v.confidence
    );
    if let Some(w) = &s.judged {
        out += &format!(
            "  offered load there {} Erl (run average {:.1} Erl)\n",
            pm(&w.offered_load_erl),
            s.total.offered_load_erl.mean
        );
    }
    let mut t = table(["objective", "value", "limit", "bound", "verdict"].map(String::from).to_vec());
    for o in &v.objectives {
        let m = o.objective.metric;
        let (limit, bound) = if m.is_duration() {
            (format!("{} s", o.objective.limit), format!("{:.3} s", o.bound))
        } else {
            (format!("{}%", 100.0 * o.objective.limit), format!("{:.3}%", 100.0 * o.bound))
        };
        let side = if m.is_floor() { "≥" } else { "≤" };
        t.add_row(vec![
            Cell::new(o.label()),
            Cell::new(judged_value(o)).set_alignment(CellAlignment::Right),
            Cell::new(format!("{side} {limit}")),
            Cell::new(bound).set_alignment(CellAlignment::Right),
            Cell::new(o.verdict.name()),
        ]);
    }
    if let Some((verdict, why)) = &v.completion {
        t.add_row(vec![
            Cell::new("max_completion"),
            Cell::new(why),
            Cell::new(""),
            Cell::new(""),
            Cell::new(verdict.name()),
        ]);
    }
    if let Some(d) = &v.days_over {
        t.add_row(vec![
            Cell::new(format!("max_days_over (of {} days)", d.days)),
            Cell::new(pm(&d.share)).set_alignment(CellAlignment::Right),
            Cell::new(format!("≤ {}%", 100.0 * d.limit)),
            Cell::new(format!("{:.3}%", 100.0 * d.bound)).set_alignment(CellAlignment::Right),
            Cell::new(d.verdict.name()),
        ]);
    }
    out += &format!("{t}\n");
    out += &format!("verdict: {}", v.summary());
    out + "\n" + &sla_notes(v)
}

/// The line naming the objectives ignored on purpose, if any.
fn ignored_line(ignored: &[String]) -> String {
    if ignored.is_empty() {
        String::new()
    } else {
        format!("ignored on purpose (\"off\" in [sla]): {}\n", ignored.join(", "))
    }
}

/// The objectives ignored on purpose and the verdict's warnings, one line each.
pub fn sla_notes(v: &SlaVerdict) -> String {
    let mut out = String::new();
    if let Some(r) = v.variance_ratio() {
        let with: Vec<String> = v.controls().iter().map(|c| c.describe()).collect();
        out += &format!(
            "control variate: lost-caller probabilities (marked cv) are estimated with {}, whose mean the rates give exactly (Lavenberg and Welch 1981); variance ratio (plain mean over control variate) {r:.1} or more\n",
            with.join(" or with ")
        );
    }
    out += &ignored_line(&v.ignored);
    for w in v.all_warnings() {
        out += &format!("warning: {w}\n");
    }
    out
}

/// An objective's estimate as judged: the plain mean ± its 95% interval,
/// or the control-variate one marked `cv`.
fn judged_value(o: &crate::statistics::ObjectiveVerdict) -> String {
    match &o.controlled {
        Some(c) => {
            let e = crate::statistics::Estimate { mean: c.mean, ci95: c.half_width(0.95), ..o.value.clone() };
            format!("{} cv", pm(&e))
        }
        None => pm(&o.value),
    }
}

/// One line per limit, binding limit first: capacity, p99 occupancy (or
/// utilization) and the share of losses caused, e.g. "tts-connections: 30
/// slots, p99 occupancy 30, caused 91% of losses".
pub fn headroom(s: &Summary) -> String {
    let Some(b) = s.binding_limit() else { return String::new() };
    let mut order: Vec<usize> = (0..s.limits.len()).collect();
    order.sort_by_key(|&i| i != b);
    let mut out = String::from("headroom (binding limit first):\n");
    for i in order {
        let l = &s.limits[i];
        let unit = match l.kind {
            LimitKind::Rate { .. } => "admissions per window",
            LimitKind::Tokens { .. } => "tokens/min",
            LimitKind::Concurrency { .. } => "slots",
        };
        let cap = if l.pool > 1 { format!("{} × {}", l.pool, l.capacity()) } else { format!("{}", l.capacity()) };
        let p99 = l.metrics.p99_occupancy.mean;
        let level = if p99.is_finite() {
            format!("p99 occupancy {p99:.0} (headroom {:.0})", l.metrics.headroom.mean)
        } else {
            format!("utilization {:.0}%", 100.0 * l.metrics.utilization.mean)
        };
        let mark = if i == b { "  ← binding" } else { "" };
        out += &format!(
            "  {}: {cap} {unit}, {level}, caused {:.0}% of losses{mark}\n",
            l.name,
            100.0 * l.metrics.loss_share.mean
        );
        let co = s.co_binding(i);
        if !co.is_empty() && l.metrics.loss_share.mean > 0.0 {
            let names: Vec<String> =
                co.iter().map(|&m| format!("{} ({:.0}%)", s.limits[m].name, 100.0 * l.co_full_share[m])).collect();
            out += &format!(
                "    co-binding: {} full too at those losses: raising {} alone buys little\n",
                names.join(", "),
                l.name
            );
        }
    }
    out
}

/// The `simcall run --json` object: per source and total, each metric as
/// `{ mean, std_error, ci95, replications }`; per limit its capacity and metrics.
pub fn run_json(model: &Model, s: &Summary, verdict: &SlaVerdict) -> Value {
    let sources: Map<String, Value> =
        s.sources.iter().map(|src| (src.name.clone(), Value::Object(metrics_json(src.metrics.fields())))).collect();
    let limits: Map<String, Value> = s
        .limits
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mut m = Map::new();
            m.insert("kind".into(), json!(l.kind.name()));
            let co: Vec<&str> = s.co_binding(i).iter().map(|&m| s.limits[m].name.as_str()).collect();
            m.insert("co_binding".into(), json!(co));
            m.insert("capacity".into(), json!(l.capacity()));
            m.insert("pool".into(), json!(l.pool));
            m.extend(metrics_json(l.metrics.fields()));
            if !l.copies.is_empty() {
                m.insert(
                    "copies".into(),
                    Value::Array(l.copies.iter().map(|c| Value::Object(metrics_json(c.fields()))).collect()),
                );
            }
            (l.name.clone(), Value::Object(m))
        })
        .collect();
    let binding = s.binding_limit().map(|b| s.limits[b].name.clone());
    json!({
        "model": model.name,
        "replications": model.run.replications,
        "seed": model.run.seed,
        "horizon_s": model.run.horizon_s,
        "warmup_s": model.run.warmup_s,
        "sources": sources,
        "total": metrics_json(s.total.fields()),
        "limits": limits,
        "binding_limit": binding,
        "campaigns": super::campaigns::json(&s.campaigns),
        "sla": serde_json::to_value(verdict).expect("a verdict serializes"),
        "judged": s.judged.as_ref().map(|w| json!({
            "over": w.label,
            "offered_load_erl": w.offered_load_erl,
            "expected_offered_load_erl": w.expected_offered_load_erl,
            "held": w.held,
            "total": metrics_json(w.total.fields()),
        })),
        "expected_offered_load_erl": s.expected_offered_load_erl,
        "held": s.held,
    })
}

/// The sweep's closing table: per point, the cheapest tier meeting the SLA
/// with its blocking and p95 wait where the SLA is judged (the busy hour's
/// load and figures when judged there, the run's average load beside), or, for a model of campaigns alone, its
/// completion time, reach and what paced the dialer (the first campaign's);
/// then why each cheaper tier (every tier, when none passes) was rejected;
/// where the SLA is judged and why; the sweep's `warnings`.
pub fn recommendation_text(exp: &Experiment, res: &SweepResult, warnings: &[String]) -> String {
    let outbound = exp.base.campaigns_only();
    let mut header: Vec<String> = exp.axes.iter().map(|a| a.path.clone()).collect();
    if outbound {
        header.extend(
            ["recommended tier", "price/month", "completion (h)", "reach rate", "paced by", "cheaper tiers rejected"]
                .map(String::from),
        );
    } else {
        let load = if res.judged_in_hours() {
            format!("{} (run average)", res.judged_load_name())
        } else {
            res.judged_load_name()
        };
        header.push(load);
        header.extend(
            ["recommended tier", "price/month", "blocking", "p95 wait (s)", "cheaper tiers rejected"].map(String::from),
        );
    }
    let mut t = table(header);
    for (p, rec) in res.recommendations() {
        let mut row: Vec<Cell> = exp.points[p].iter().map(|v| Cell::new(value_label(v))).collect();
        let any = res.cells.iter().find(|c| c.point == p).expect("every point has cells");
        if !outbound {
            let load = match &any.summary.judged {
                Some(w) => format!("{:.1} ({:.1})", w.offered_load_erl.mean, any.offered_load_erl),
                None => format!("{:.1}", any.offered_load_erl),
            };
            row.push(Cell::new(load));
        }
        match rec {
            Some(t) => {
                let c = res.cell(p, t).expect("every point has every tier");
                row.push(Cell::new(&exp.tiers[t].name));
                row.push(Cell::new(exp.tiers[t].price_per_month.map_or("-".into(), |v| format!("{v}"))));
                if outbound {
                    let first = &c.summary.campaigns[0];
                    row.push(Cell::new(pm(&first.metrics.completion_h)));
                    row.push(Cell::new(pm(&first.metrics.reach_rate)));
                    row.push(Cell::new(first.paced_by.as_deref().unwrap_or("-")));
                } else {
                    row.push(Cell::new(pm(&c.judged().blocking_probability)));
                    row.push(Cell::new(pm(&c.judged().p95_wait_s)));
                }
            }
            None => {
                row.push(Cell::new("none meets the SLA"));
                row.extend(std::iter::repeat_n(Cell::new("-"), if outbound { 4 } else { 3 }));
            }
        }
        let rejected = crate::statistics::rejected(exp, res, p);
        row.push(Cell::new(if rejected.is_empty() { "-".to_string() } else { rejected.join("; ") }));
        t.add_row(row);
    }
    let mut out = format!("{t}\n");
    if let Some(c) = res.cells.first().filter(|_| !exp.base.sla.is_empty()) {
        out +=
            &format!("SLA judged over {} ({})\n", crate::statistics::sla::place(&res.judged_over()), res.judged_why());
        out += &ignored_line(&c.verdict.ignored);
    }
    // The sweep's effort in figures that do not depend on the machine.
    let replications: usize = res.cells.iter().map(|c| c.summary.total.attempts.replications.len()).sum();
    let inbound: f64 = res.cells.iter().flat_map(|c| &c.summary.total.offered_calls.replications).sum();
    let dials: f64 = res
        .cells
        .iter()
        .map(|c| {
            let r = c.summary.total.attempts.replications.len() as f64;
            c.summary.campaigns.iter().map(|k| k.metrics.dials.mean * r).sum::<f64>()
        })
        .sum();
    out += &format!(
        "effort: {} cells, {replications} replications, {:.0} calls simulated (inbound first attempts in the measured windows, and dials)\n",
        res.cells.len(),
        inbound + dials
    );
    for w in warnings {
        out += &format!("warning: {w}\n");
    }
    out
}
