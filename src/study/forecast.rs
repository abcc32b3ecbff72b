//! A plan's forecast as a range: growth is uncertain, and so is the load
//! the plan starts from. The plan's calendar follows the middle forecast;
//! the range says how likely each month's choice is to be outgrown, and
//! when the first choice stops carrying the load.

use crate::engine::stream;
use rand_distr::{Distribution, StandardNormal};

/// The 90th percentile of the standard normal (the p10/p90 of a growth range).
const Z90: f64 = 1.281_551_565_545;
/// Forecast paths drawn (from a fixed stream: the same plan, the same bands).
pub const PATHS: usize = 10_000;

/// How growth is uncertain.
#[derive(Debug, Clone, PartialEq)]
pub enum GrowthRange {
    /// One monthly rate for the whole horizon, known as its p10, p50 and
    /// p90 (`{ low, mid, high }`): ln(1 + g) is normal below the median
    /// with the spread the low value gives and above it with the high's (a
    /// split normal, so a range need not be symmetric).
    Quantiles {
        /// p10 of the monthly rate.
        low: f64,
        /// p50.
        mid: f64,
        /// p90.
        high: f64,
    },
    /// Each month's factor drawn afresh: lognormal with median 1 + `mid`
    /// and coefficient of variation `cv` (`{ mid, cv }`).
    RandomWalk {
        /// The median monthly rate.
        mid: f64,
        /// The monthly factor's cv.
        cv: f64,
    },
}

/// A forecast range.
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastRange {
    /// How growth is uncertain.
    pub growth: GrowthRange,
    /// Coefficient of variation of the starting load (lognormal, median the
    /// model's load); 0 = known.
    pub start_cv: f64,
    /// Buy the next upgrade before the month in which the chance that the
    /// combination in place cannot carry the load exceeds this (default 10%).
    pub buy_above: f64,
}

impl ForecastRange {
    /// The median monthly growth rate (the calendar's).
    pub fn mid(&self) -> f64 {
        match self.growth {
            GrowthRange::Quantiles { mid, .. } | GrowthRange::RandomWalk { mid, .. } => mid,
        }
    }

    /// `low 5% / mid 10% / high 18% a month (p10/p50/p90)`, or the random walk's.
    pub fn describe(&self) -> String {
        let pct = |x: f64| format!("{}%", crate::units::significant(100.0 * x, 3));
        let mut s = match self.growth {
            GrowthRange::Quantiles { low, mid, high } => {
                format!("growth {} / {} / {} a month (p10 / p50 / p90)", pct(low), pct(mid), pct(high))
            }
            GrowthRange::RandomWalk { mid, cv } => {
                format!(
                    "growth {} a month (median), each month's factor with cv {}",
                    pct(mid),
                    crate::units::significant(cv, 3)
                )
            }
        };
        if self.start_cv > 0.0 {
            s += &format!(", starting load with cv {}", crate::units::significant(self.start_cv, 3));
        }
        s
    }

    /// [`PATHS`] paths of the load over `months` + 1 months, each as
    /// multiples of the starting load's median (month 0 first).
    pub fn paths(&self, months: usize) -> Vec<Vec<f64>> {
        let mut rng = stream(0x5eed_f0ca, 0, 0, 0);
        let mut normal = move || -> f64 { StandardNormal.sample(&mut rng) };
        let s_start = (1.0 + self.start_cv * self.start_cv).ln().sqrt();
        (0..PATHS)
            .map(|_| {
                let start = (s_start * normal()).exp();
                match self.growth {
                    GrowthRange::Quantiles { low, mid, high } => {
                        let (m, z) = ((1.0 + mid).ln(), normal());
                        let spread = if z < 0.0 { m - (1.0 + low).ln() } else { (1.0 + high).ln() - m } / Z90;
                        let rate = m + z * spread;
                        (0..=months).map(|k| start * (rate * k as f64).exp()).collect()
                    }
                    GrowthRange::RandomWalk { mid, cv } => {
                        let s = (1.0 + cv * cv).ln().sqrt();
                        let mut level = start;
                        let mut path = vec![level];
                        for _ in 0..months {
                            level *= ((1.0 + mid).ln() + s * normal()).exp();
                            path.push(level);
                        }
                        path
                    }
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quantile_range_puts_its_p10_and_p90_where_it_says() {
        let r = ForecastRange {
            growth: GrowthRange::Quantiles { low: 0.05, mid: 0.10, high: 0.18 },
            start_cv: 0.0,
            buy_above: 0.1,
        };
        let paths = r.paths(12);
        let mut at12: Vec<f64> = paths.iter().map(|p| p[12]).collect();
        at12.sort_by(f64::total_cmp);
        let q = |p: f64| at12[(p * (PATHS - 1) as f64) as usize];
        // Month 12 at the rate's own p10/p50/p90: 1.05¹², 1.10¹², 1.18¹²
        // (±2% for 10,000 paths).
        for (p, rate) in [(0.1, 0.05f64), (0.5, 0.10), (0.9, 0.18)] {
            let want = (1.0 + rate).powi(12);
            assert!((q(p) / want - 1.0).abs() < 0.02, "p{} {} vs {want}", p * 100.0, q(p));
        }
        assert!(paths.iter().all(|p| p[0] == 1.0));
    }

    #[test]
    fn a_random_walk_widens_with_the_months() {
        let r = ForecastRange { growth: GrowthRange::RandomWalk { mid: 0.1, cv: 0.05 }, start_cv: 0.1, buy_above: 0.1 };
        let paths = r.paths(24);
        // ln L_m = ln S + Σ ln G: variance ln(1.01) + m·ln(1.0025).
        for m in [1usize, 12, 24] {
            let logs: Vec<f64> = paths.iter().map(|p| p[m].ln()).collect();
            let mean = logs.iter().sum::<f64>() / PATHS as f64;
            let var = logs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (PATHS - 1) as f64;
            let want = 1.01f64.ln() + m as f64 * 1.0025f64.ln();
            assert!((var / want - 1.0).abs() < 0.05, "month {m}: {var} vs {want}");
            assert!((mean - m as f64 * 1.1f64.ln()).abs() < 0.01, "month {m}: mean {mean}");
        }
    }
}
