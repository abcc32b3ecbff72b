//! A sweep's results: every cell's estimates and verdict, the cheapest
//! tier that meets the SLA at each sweep point, each tier's worst point,
//! and why cheaper tiers were rejected.

use super::{Estimate, SlaVerdict, SourceMetrics, Summary, Verdict};
use crate::ids::{index_by, CellId, PointId, TierId};
use crate::model::ObjectiveMetric;
use crate::study::Experiment;
use serde::{Deserialize, Serialize};

/// The result of one grid cell (a sweep point with one tier).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellResult {
    /// Its sweep point.
    pub point: PointId,
    /// Its tier.
    pub tier: TierId,
    /// Offered load of the cell's model (arrival rate × mean holding time,
    /// all sources), in Erlangs: the x axis of the charts.
    pub offered_load_erl: f64,
    /// Its estimates.
    pub summary: Summary,
    /// Its SLA, judged.
    pub verdict: SlaVerdict,
}

impl CellResult {
    /// Whether its SLA verdict is `pass`.
    pub fn meets_sla(&self) -> bool {
        self.verdict.verdict == Verdict::Pass
    }

    /// The offered load where its SLA is judged (Erlangs): the busy
    /// hour's or window's, as measured in the run, else the model's.
    pub fn judged_load_erl(&self) -> f64 {
        self.summary.judged.as_ref().map_or(self.offered_load_erl, |w| w.offered_load_erl.mean)
    }

    /// All sources' metrics where its SLA is judged (the busy hour or
    /// window, else the run).
    pub fn judged(&self) -> &SourceMetrics<Estimate> {
        self.summary.judged.as_ref().map_or(&self.summary.total, |w| &w.total)
    }

    /// `metric` (of all sources) where its SLA is judged.
    pub fn judged_value(&self, metric: ObjectiveMetric) -> &Estimate {
        super::sla::objective_value(metric, self.judged())
    }
}

/// Every cell's result and the recommendation per sweep point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepResult {
    /// In grid order (point-major, then tier).
    pub cells: Vec<CellResult>,
    /// Per sweep point, the index of the cheapest tier whose SLA verdict is
    /// `pass` (ties: the first listed), or `None` when no tier passes.
    pub recommendation: Vec<Option<TierId>>,
}

index_by!(CellId => CellResult);

impl SweepResult {
    /// The results `cells` of `exp`'s grid (in grid order) with the
    /// recommendation per point.
    pub fn new(exp: &Experiment, cells: Vec<CellResult>) -> Self {
        let recommendation = recommend(exp, &cells);
        SweepResult { cells, recommendation }
    }

    /// The cheapest tier that meets the SLA at point `p`, if any.
    pub fn recommended(&self, p: PointId) -> Option<TierId> {
        self.recommendation[p.0]
    }

    /// The result of point `p` with tier `t`.
    pub fn cell(&self, p: PointId, t: TierId) -> Option<&CellResult> {
        self.cells.iter().find(|c| c.point == p && c.tier == t)
    }

    /// What the judged load is, for a column or an axis: "busy-hour offered
    /// load, Erl", "offered load in mon-fri 09:00-17:00, Erl", or, judged
    /// over the run, "offered load, Erl".
    pub fn judged_load_name(&self) -> String {
        match self.judged_label() {
            Some(l) if l.starts_with("busy hour") => "busy-hour offered load, Erl".to_string(),
            Some(l) => format!("offered load in {l}, Erl"),
            None => "offered load, Erl".to_string(),
        }
    }

    /// The judged load's unit in a sentence ("holds up to 30.2 busy-hour
    /// Erl"): "busy-hour Erl", "Erl in mon-fri 09:00-17:00" or "Erl".
    pub fn judged_load_unit(&self) -> String {
        match self.judged_label() {
            Some(l) if l.starts_with("busy hour") => "busy-hour Erl".to_string(),
            Some(l) => format!("Erl in {l}"),
            None => "Erl".to_string(),
        }
    }

    /// The first cell's judged hours' label, if cells are judged in hours.
    fn judged_label(&self) -> Option<&str> {
        self.cells.iter().find_map(|c| c.summary.judged.as_ref()).map(|w| w.label.as_str())
    }

    /// Where its cells were judged: "run", "busy hour 10:00-11:00", or,
    /// when that differs between cells, each place once, joined by " / ";
    /// when only the days judged at one busy hour differ (a sweep of
    /// `sla.days`), "busy hour 10:00-11:00, days as swept".
    pub fn judged_over(&self) -> String {
        let mut seen: Vec<&str> = Vec::new();
        for c in &self.cells {
            if !seen.contains(&c.verdict.over.as_str()) {
                seen.push(&c.verdict.over);
            }
        }
        let hour = |s: &str| s.strip_prefix("busy hour ").map(|r| r.chars().take(11).collect::<String>());
        match seen.first().and_then(|s| hour(s)) {
            Some(h) if seen.len() > 1 && seen.iter().all(|s| hour(s).as_deref() == Some(h.as_str())) => {
                format!("busy hour {h}, days as swept")
            }
            _ => seen.join(" / "),
        }
    }

    /// Why its cells were judged where they were: each reason once, joined
    /// by "; " (a sweep of `sla.days` mixes the default with the written).
    pub fn judged_why(&self) -> String {
        let mut seen: Vec<&str> = Vec::new();
        for c in &self.cells {
            if !seen.contains(&c.verdict.over_why.as_str()) {
                seen.push(&c.verdict.over_why);
            }
        }
        seen.join("; ")
    }

    /// Whether its cells are judged somewhere other than the whole run.
    pub fn judged_in_hours(&self) -> bool {
        self.cells.iter().any(|c| c.summary.judged.is_some())
    }

    /// Every point with its recommendation, in grid order.
    pub fn recommendations(&self) -> impl DoubleEndedIterator<Item = (PointId, Option<TierId>)> + '_ {
        self.recommendation.iter().enumerate().map(|(p, r)| (PointId(p), *r))
    }
}

/// Per sweep point, the cheapest tier whose verdict is `pass` (ties: the
/// first listed), or `None`.
fn recommend(exp: &Experiment, cells: &[CellResult]) -> Vec<Option<TierId>> {
    (0..exp.points.len())
        .map(PointId)
        .map(|p| {
            cells
                .iter()
                .filter(|c| c.point == p && c.meets_sla())
                .min_by(|a, b| price(exp, a.tier).total_cmp(&price(exp, b.tier)).then(a.tier.cmp(&b.tier)))
                .map(|c| c.tier)
        })
        .collect()
}

/// Per tier, its worst cell (index into `res.cells`): the highest
/// `loss_probability`, ties to the higher offered load; `None` for a tier
/// with no cell.
pub fn worst_cells(exp: &Experiment, res: &SweepResult) -> Vec<Option<CellId>> {
    (0..exp.tiers.len())
        .map(TierId)
        .map(|t| {
            res.cells
                .iter()
                .enumerate()
                .filter(|(_, c)| c.tier == t)
                .max_by(|(_, a), (_, b)| {
                    let loss = |c: &CellResult| c.summary.total.loss_probability.mean;
                    loss(a).total_cmp(&loss(b)).then(a.offered_load_erl.total_cmp(&b.offered_load_erl))
                })
                .map(|(i, _)| CellId(i))
        })
        .collect()
}

/// Why each tier cheaper than point `p`'s recommendation (every tier, when
/// none passes) was rejected: `"Starter: abandonment 3.4% > 1%"`, in tier order.
pub fn rejected(exp: &Experiment, res: &SweepResult, p: PointId) -> Vec<String> {
    let rec = res.recommended(p);
    res.cells
        .iter()
        .filter(|c| c.point == p && !c.meets_sla() && rec.is_none_or(|r| price(exp, c.tier) <= price(exp, r)))
        .map(|c| format!("{}: {}", exp.tiers[c.tier].name, c.verdict.failing().join(", ")))
        .collect()
}

fn price(exp: &Experiment, tier: TierId) -> f64 {
    exp.tiers[tier].price_per_month.unwrap_or(f64::INFINITY)
}
