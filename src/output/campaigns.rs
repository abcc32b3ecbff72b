//! Outbound campaigns in the reports: the `run` block per campaign (metrics,
//! what paced the dialer), its JSON, the hourly table (`run --hourly`) and
//! the dial log (`run --dials`).

use super::format::{metrics_json, pm, table};
use super::render_error;
use crate::error::Result;
use crate::model::Model;
use crate::record::campaign::DialRecord;
use crate::statistics::{CampaignSummary, Estimate};
use crate::units::{clock_label, clock_label_s};
use comfy_table::Cell;
use serde_json::{json, Map, Value};

/// The `run` block of each campaign: its metrics (mean ± 95% CI
/// half-width), then the share of time each cause held the dialer back,
/// the cap that paced it marked.
pub fn text(model: &Model, campaigns: &[CampaignSummary]) -> String {
    let r = model.run.replications;
    let mut out = String::new();
    for c in campaigns {
        out += &format!("campaign {}: mean ± 95% CI half-width over {r} replications\n", c.name);
        let mut t = table(vec!["metric".into(), "value".into()]);
        for (name, e) in c.metrics.fields() {
            let value = if name == "completion_h" && c.completed_replications < r as usize {
                format!("not within the run in {} of {r} replications", r as usize - c.completed_replications)
            } else {
                pm(e)
            };
            t.add_row(vec![Cell::new(name), Cell::new(value)]);
        }
        out += &format!("{t}\n");
        out += "held back by (share of the campaign's time):\n";
        let mut shares: Vec<&(String, Estimate)> = c.pacing.iter().filter(|(_, e)| e.mean > 0.0).collect();
        shares.sort_by(|a, b| b.1.mean.total_cmp(&a.1.mean));
        for (name, e) in shares {
            let mark = if c.paced_by.as_deref() == Some(name) { "  ← paced the dialer" } else { "" };
            out += &format!("  {name}: {:.1}%{mark}\n", 100.0 * e.mean);
        }
        let peak = c.hourly.iter().enumerate().max_by(|a, b| a.1 .0.total_cmp(&b.1 .0));
        if let Some((h, (reached, _))) = peak {
            out += &format!("peak hour: {reached:.1} leads reached from {} UTC\n", clock_label(h as f64 * 3600.0));
        }
    }
    out
}

/// Each campaign as `{ metrics…, completed_replications, paced_by, pacing, hourly }`.
pub fn json(campaigns: &[CampaignSummary]) -> Value {
    let all: Map<String, Value> = campaigns
        .iter()
        .map(|c| {
            let mut m = metrics_json(c.metrics.fields());
            m.insert("completed_replications".into(), json!(c.completed_replications));
            m.insert("paced_by".into(), json!(c.paced_by));
            m.insert(
                "pacing".into(),
                Value::Object(c.pacing.iter().map(|(n, e)| (n.clone(), json!(e.mean))).collect()),
            );
            m.insert(
                "hourly".into(),
                Value::Array(
                    c.hourly
                        .iter()
                        .enumerate()
                        .map(|(h, (reached, dials))| json!({ "hour": h, "leads_reached": reached, "dials": dials }))
                        .collect(),
                ),
            );
            (c.name.clone(), Value::Object(m))
        })
        .collect();
    Value::Object(all)
}

/// The hourly table as CSV: one row per campaign and hour of simulated
/// time, with the mean over replications of leads reached and dials placed.
///
/// Errors ([`crate::error::Error::Output`], naming `name`) when the CSV
/// cannot be written.
pub fn hourly_csv(name: &str, campaigns: &[CampaignSummary]) -> Result<Vec<u8>> {
    csv_bytes(name, |w| {
        w.write_record(["campaign", "hour", "start_s", "start", "leads_reached", "dials"])
            .map_err(|e| e.to_string())?;
        for c in campaigns {
            for (h, (reached, dials)) in c.hourly.iter().enumerate() {
                let t = h as f64 * 3600.0;
                w.write_record([
                    c.name.clone(),
                    h.to_string(),
                    format!("{t}"),
                    clock_label_s(t),
                    format!("{reached}"),
                    format!("{dials}"),
                ])
                .map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    })
}

/// The dial log of one replication as CSV: every placed dial with its lead,
/// attempt, time in UTC and in the lead's local time, and outcome.
///
/// Errors ([`crate::error::Error::Output`], naming `name`) when the CSV
/// cannot be written.
pub fn dials_csv(name: &str, model: &Model, log: &[Vec<DialRecord>]) -> Result<Vec<u8>> {
    csv_bytes(name, |w| {
        w.write_record([
            "campaign",
            "lead",
            "attempt",
            "placed_s",
            "placed_utc",
            "utc_offset_h",
            "placed_local",
            "outcome",
        ])
        .map_err(|e| e.to_string())?;
        for (c, dials) in model.campaigns.iter().zip(log) {
            for d in dials {
                w.write_record([
                    c.name.clone(),
                    d.lead.to_string(),
                    d.attempt.to_string(),
                    format!("{:.3}", d.placed_s),
                    clock_label_s(d.placed_s),
                    format!("{}", d.utc_offset_s / 3600.0),
                    clock_label_s(d.placed_s + d.utc_offset_s),
                    d.outcome.name().to_string(),
                ])
                .map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    })
}

/// The CSV that `fill` writes, as bytes.
fn csv_bytes(
    name: &str,
    fill: impl FnOnce(&mut csv::Writer<&mut Vec<u8>>) -> std::result::Result<(), String>,
) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        fill(&mut w).and_then(|()| w.flush().map_err(|e| e.to_string())).map_err(|e| render_error(name, e))?;
    }
    Ok(out)
}
