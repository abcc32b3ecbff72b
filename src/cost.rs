//! What a combination of plans costs a month, as providers bill it: flat
//! and per-slot monthly prices, plus usage measured in the simulated run
//! (minutes a call holds a limit, rounded up per call to the billing
//! increment with a minimum per call; included minutes and overage;
//! admissions; requests; tokens) scaled from the run's measured window to a
//! month of 30.44 days, and optionally the value of the callers lost.
//!
//! The window scales by traffic, not time ([`Model::month_scale`]): usage
//! counted in it × the month's expected offered traffic over the window's.
//! A weekly profile run for its Monday is billed for the week the profile
//! describes, weekends as it says, not Mondays × 30.44.

use crate::model::{LimitKind, Model};
use crate::statistics::{Estimate, ReplicationMetrics};
use crate::study::{Choice, Plan, PlanOption, UsagePrice};
use serde::{Deserialize, Serialize};

/// Seconds in an average month (365.25 / 12 = 30.44 days).
pub const MONTH_S: f64 = 30.4375 * 86_400.0;

/// One choice's part of the bill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChoiceCost {
    /// The choice and the option taken.
    pub choice: String,
    /// The option taken.
    pub option: String,
    /// Flat and per-slot prices (USD per month).
    pub fixed_usd: f64,
    /// Usage (USD per month), estimated across replications.
    pub usage_usd: Estimate,
}

/// A month's bill for one combination at one load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthCost {
    /// Per choice.
    pub parts: Vec<ChoiceCost>,
    /// Usage of every choice together (USD per month), with its 95% CI.
    #[serde(default)]
    pub usage_usd: Estimate,
    /// Callers lost × `value_per_lost_call` (USD per month).
    pub lost_calls_usd: Estimate,
    /// Everything (USD per month), with its 95% CI.
    pub total_usd: Estimate,
    /// Total over carried calls (USD per call).
    pub per_carried_call_usd: Estimate,
    /// Total over carried minutes (USD per minute).
    pub per_carried_minute_usd: Estimate,
}

/// Billed seconds of the holds `holds` ((seconds, count)): each call
/// rounded up to `increment_s` (0 = exact) and at least `minimum_s`.
pub fn billed_s(holds: &[(f64, u64)], increment_s: f64, minimum_s: f64) -> f64 {
    holds
        .iter()
        .map(|&(d, n)| {
            let rounded = if increment_s > 0.0 { (d / increment_s).ceil() * increment_s } else { d };
            rounded.max(minimum_s) * n as f64
        })
        .sum()
}

/// The usage price `u` of one replication `r` of `model`, per month.
pub fn usage_usd(u: &UsagePrice, model: &Model, r: &ReplicationMetrics) -> f64 {
    let Some(i) = model.limits.iter().position(|l| l.name == u.limit) else { return 0.0 };
    let l = &r.limits[i];
    let per_month = model.month_scale(MONTH_S);
    let minutes = billed_s(&l.holds, u.billing_increment_s, u.minimum_per_call_s) / 60.0 * per_month;
    let admissions = l.metrics.admitted * per_month;
    let tokens = match model.limits[i].kind {
        // Mean tokens per minute over the window × its minutes.
        LimitKind::Tokens { .. } => l.metrics.mean_occupancy * model.run.horizon_s / 60.0 * per_month,
        _ => 0.0,
    };
    let requests = if matches!(model.limits[i].scope, crate::model::Scope::Request { .. }) { admissions } else { 0.0 };
    let calls = if requests > 0.0 { 0.0 } else { admissions };
    u.per_minute * minutes
        + u.overage_per_minute * (minutes - u.included_minutes).max(0.0)
        + u.per_call * calls
        + u.per_request * requests
        + u.per_1k_tokens * tokens / 1000.0
}

/// The bill of the options `chosen` in `model` (built with them, at the
/// month's load) from its replications `reps`.
pub fn month_cost(
    plan: &Plan,
    chosen: &[(&Choice, &PlanOption)],
    model: &Model,
    reps: &[ReplicationMetrics],
) -> MonthCost {
    let per_month = model.month_scale(MONTH_S);
    let parts: Vec<ChoiceCost> = chosen
        .iter()
        .map(|(c, o)| ChoiceCost {
            choice: c.name.clone(),
            option: o.name.clone(),
            fixed_usd: Plan::option_price(o, model),
            usage_usd: Estimate::new(
                reps.iter().map(|r| o.usage.as_ref().map_or(0.0, |u| usage_usd(u, model, r))).collect(),
            ),
        })
        .collect();
    let lost: Vec<f64> = reps
        .iter()
        .map(|r| r.total.loss_probability * r.total.offered_calls * per_month * plan.value_per_lost_call)
        .collect();
    let fixed: f64 = parts.iter().map(|p| p.fixed_usd).sum();
    let totals: Vec<f64> = (0..reps.len())
        .map(|k| fixed + parts.iter().map(|p| p.usage_usd.replications[k]).sum::<f64>() + lost[k])
        .collect();
    let per = |denominator: &dyn Fn(&ReplicationMetrics) -> f64| {
        Estimate::new(
            totals
                .iter()
                .zip(reps)
                .map(|(t, r)| {
                    let d = denominator(r) * per_month;
                    if d > 0.0 {
                        t / d
                    } else {
                        f64::NAN
                    }
                })
                .collect(),
        )
    };
    MonthCost {
        per_carried_call_usd: per(&|r| r.total.carried_calls),
        per_carried_minute_usd: per(&|r| r.total.carried_load_erl * model.run.horizon_s / 60.0),
        usage_usd: Estimate::new(
            (0..reps.len()).map(|k| parts.iter().map(|p| p.usage_usd.replications[k]).sum()).collect(),
        ),
        lost_calls_usd: Estimate::new(lost),
        total_usd: Estimate::new(totals),
        parts,
    }
}

/// How a bill's month is made from a run of `model`, for the report: e.g.
/// "usage counted over the run's 24 h window (after a 1 h warm-up), scaled
/// by traffic to a month of 30.44 days (× 30.44)".
pub fn time_base(model: &Model) -> String {
    let scale = model.month_scale(MONTH_S);
    let by_time = MONTH_S / model.run.horizon_s;
    let how = if (scale / by_time - 1.0).abs() < 1e-9 {
        "the traffic is the same every day of the month".to_string()
    } else {
        format!("the window carries {:.1}% of an average window's traffic", 100.0 * by_time / scale)
    };
    format!(
        "Usage is counted over the run's {:.1} h window (after a {:.1} h warm-up) and scaled by offered traffic to a month of 30.44 days (× {scale:.2}; {how}).",
        model.run.horizon_s / 3600.0,
        model.run.warmup_s / 3600.0
    )
}

/// A rough monthly usage price of `option` at `load_erl` Erlangs offered
/// to `model` (every call holding the billed limit for its holding time,
/// per-call prices on the arrivals), for ranking combinations before any is
/// simulated; requests and tokens are not estimated.
pub fn usage_estimate_usd(option: &PlanOption, model: &Model, load_erl: f64) -> f64 {
    let Some(u) = &option.usage else { return 0.0 };
    let minutes = load_erl * MONTH_S / 60.0;
    let holding_s =
        model.offered_load_erl() / model.sources.iter().map(|s| s.arrival_rate_per_s).sum::<f64>().max(1e-12);
    let calls = load_erl / holding_s.max(1e-12) * MONTH_S;
    u.per_minute * minutes + u.overage_per_minute * (minutes - u.included_minutes).max(0.0) + u.per_call * calls
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn billing_rounds_each_call_up_with_a_minimum() {
        // Calls of 61 s, 30 s and 125 s: per-minute increments bill 2, 1 and
        // 3 minutes; with a 60 s minimum and 6 s increments, 66 + 60 + 126 s.
        let holds = [(61.0, 1), (30.0, 1), (125.0, 1)];
        assert_eq!(billed_s(&holds, 60.0, 0.0), 360.0);
        assert_eq!(billed_s(&holds, 6.0, 60.0), 66.0 + 60.0 + 126.0);
        assert_eq!(billed_s(&holds, 0.0, 0.0), 216.0);
        assert_eq!(billed_s(&[(10.0, 3)], 0.0, 0.0), 30.0);
    }
}
