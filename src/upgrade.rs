//! When the next upgrade falls: a plan's forecast range
//! ([`crate::study::ForecastRange`]) against its combinations' certified
//! capacities.
//!
//! Each of [`crate::study::forecast::PATHS`] forecast paths gives a load
//! per month; a combination's capacity is somewhere between the highest
//! load certified to pass and the lowest shown not to (its certification's
//! interval), drawn uniformly there for each path. The chance that a
//! month's choice cannot carry its load is the share of paths above it; the
//! first choice's upgrade month is, per path, the first month above its
//! capacity, read as p10 / p50 / p90 over the paths.

use crate::study::ForecastRange;
use rand::Rng;
use serde::{Deserialize, Serialize};

/// What the forecast range says about a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpgradeRisk {
    /// The range, in words.
    pub range: String,
    /// Per month: the load's p10, p50 and p90 (the plan's unit).
    pub bands: Vec<[f64; 3]>,
    /// Per month: the chance that the month's choice cannot carry its load.
    pub over_capacity: Vec<Option<f64>>,
    /// The first month's choice (index into the result's combinations).
    pub first: Option<usize>,
    /// The month the first choice stops carrying the load: p10, p50, p90
    /// (`None`: beyond the forecast).
    pub upgrade_month: [Option<u32>; 3],
    /// The policy: upgrade before this month, the first in which the chance
    /// that the first choice cannot carry the load exceeds `buy_above`.
    pub buy_before: Option<u32>,
    /// The policy's threshold.
    pub buy_above: f64,
}

/// The upgrade risk under `range` of a plan whose middle forecast starts at
/// `start_erl` and whose months choose `chosen` (indices into
/// `capacities`, each combination's certified interval: the highest load
/// certified to pass and the lowest shown not to, infinite when none was);
/// `None` without months.
pub fn upgrade_risk(
    range: &ForecastRange,
    start_erl: f64,
    chosen: &[Option<usize>],
    capacities: &[(f64, f64)],
) -> Option<UpgradeRisk> {
    let start = start_erl;
    let months = chosen.len().checked_sub(1)?;
    let paths = range.paths(months);
    let mut rng = crate::engine::stream(0x5eed_cafe, 0, 0, 0);
    // Per path, a draw within each certification's interval (the same
    // draw for every combination: capacities keep their order).
    let u: Vec<f64> = (0..paths.len()).map(|_| rng.random::<f64>()).collect();
    let capacity = |combo: usize, i: usize| {
        let (pass, fail) = capacities[combo];
        if fail.is_finite() && fail > pass {
            pass + u[i] * (fail - pass)
        } else {
            pass
        }
    };
    let bands = (0..=months)
        .map(|m| {
            let mut v: Vec<f64> = paths.iter().map(|p| start * p[m]).collect();
            v.sort_by(f64::total_cmp);
            let q = |p: f64| v[((p * (v.len() - 1) as f64).round()) as usize];
            [q(0.1), q(0.5), q(0.9)]
        })
        .collect();
    let share_over = |combo: usize, m: usize| {
        paths.iter().enumerate().filter(|(i, p)| start * p[m] > capacity(combo, *i)).count() as f64 / paths.len() as f64
    };
    let over_capacity = chosen.iter().enumerate().map(|(m, c)| c.map(|c| share_over(c, m))).collect();
    let first = chosen[0];
    let (upgrade_month, buy_before) = match first {
        None => ([None; 3], None),
        Some(c) => {
            let mut at: Vec<u32> = paths
                .iter()
                .enumerate()
                .map(|(i, p)| (0..=months).find(|&m| start * p[m] > capacity(c, i)).map_or(u32::MAX, |m| m as u32))
                .collect();
            at.sort_unstable();
            let q = |p: f64| Some(at[((p * (at.len() - 1) as f64).round()) as usize]).filter(|m| *m != u32::MAX);
            let buy = (0..=months).find(|&m| share_over(c, m) > range.buy_above).map(|m| m as u32);
            ([q(0.1), q(0.5), q(0.9)], buy)
        }
    };
    Some(UpgradeRisk {
        range: range.describe(),
        bands,
        over_capacity,
        first,
        upgrade_month,
        buy_before,
        buy_above: range.buy_above,
    })
}

impl UpgradeRisk {
    /// The lines the terminal and the report print: the range, the first
    /// choice's upgrade month as p10 / p50 / p90 and the policy's month.
    pub fn lines(&self, step: &str, first_name: Option<&str>) -> Vec<String> {
        let mut out = vec![format!("forecast range: {}", self.range)];
        let month = |m: Option<u32>| m.map_or_else(|| "beyond the forecast".to_string(), |m| format!("{step} {m}"));
        if let (Some(name), [p10, p50, p90]) = (first_name, self.upgrade_month) {
            out.push(format!(
                "{name} stops carrying the load at {} (p10), {} (p50), {} (p90)",
                month(p10),
                month(p50),
                month(p90)
            ));
            out.push(match self.buy_before {
                Some(m) => format!(
                    "upgrade before {step} {m}: from then the chance it cannot carry the load exceeds {}%",
                    crate::units::significant(100.0 * self.buy_above, 3)
                ),
                None => format!(
                    "within the forecast the chance it cannot carry the load stays at or below {}%",
                    crate::units::significant(100.0 * self.buy_above, 3)
                ),
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::GrowthRange;

    #[test]
    fn the_first_choice_runs_out_when_each_quantile_of_growth_doubles_the_load() {
        // Load 10 at month 0, one combination certified to exactly 20 (no
        // failing load found). Growth 5% / 10% / 20% a month: the load
        // doubles after ln 2 / ln(1 + g) months: 3.8 at 20% (month 4, the
        // p10 of the month it runs out), 7.3 at 10% (month 8), 14.2 at 5%
        // (beyond 12 months).
        let range = ForecastRange {
            growth: GrowthRange::Quantiles { low: 0.05, mid: 0.10, high: 0.20 },
            start_cv: 0.0,
            buy_above: 0.10,
        };
        let risk = upgrade_risk(&range, 10.0, &[Some(0); 13], &[(20.0, f64::INFINITY)]).unwrap();
        assert_eq!(risk.upgrade_month, [Some(4), Some(8), None]);
        // From month 4 on more than 10% of paths grow faster than 2^(1/4).
        assert_eq!(risk.buy_before, Some(4));
        // At month 3 only rates above 2^(1/3) − 1 = 26% are over: z = (ln 1.26
        // − ln 1.1) / ((ln 1.2 − ln 1.1)/1.2816) = 2.00, P = 0.023.
        let p3 = risk.over_capacity[3].unwrap();
        assert!((p3 - 0.0228).abs() < 0.004, "{p3}");
        // At month 8 the paths above 2^(1/8) − 1 = 9.05% a month are over:
        // z = (ln 1.0905 − ln 1.1) / ((ln 1.1 − ln 1.05)/1.2816) = −0.24, P = 0.595.
        let p8 = risk.over_capacity[8].unwrap();
        assert!((p8 - 0.595).abs() < 0.015, "{p8}");
        // The bands at month 12 are the three rates' loads.
        let b = risk.bands[12];
        for (q, g) in b.iter().zip([0.05f64, 0.10, 0.20]) {
            assert!((q / (10.0 * (1.0 + g).powi(12)) - 1.0).abs() < 0.02, "{q} vs {g}");
        }
    }
}
