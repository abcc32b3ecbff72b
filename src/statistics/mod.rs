//! Numbers from records: the named metrics of each replication
//! ([`metrics`]), their estimates across replications with Student-t
//! confidence intervals ([`Estimate`]), a run's [`Summary`] with its binding
//! limit, and the campaigns' statistics ([`campaign`]).
//!
//! Every result type here is `Serialize + Deserialize`, so a run's summary
//! can be saved and read back ([`Summary::to_json`], [`Summary::from_json`]).

pub mod campaign;
pub mod control;
pub mod metrics;
pub mod sla;
mod summary;
mod sweep;

pub use campaign::{CampaignMetrics, CampaignSummary, CampaignValues};
pub use metrics::{busiest_days, CopyMetrics, LimitMetrics, LimitValues, ReplicationMetrics, SourceMetrics};
pub use sla::{ObjectiveVerdict, SlaVerdict, Verdict};
pub use summary::{DaysOver, LimitSummary, SourceSummary, Summary, WindowSummary};
pub use sweep::{rejected, worst_cells, CellResult, SweepResult};

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// One metric estimated from independent replications.
///
/// Serialized with non-finite values as `null` (JSON has no NaN), read
/// back as NaN.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(into = "EstimateRepr", from = "EstimateRepr")]
pub struct Estimate {
    /// The mean over replications.
    pub mean: f64,
    /// Standard error of the mean, s/√R (NaN with one replication).
    pub std_error: f64,
    /// Half-width of the 95% confidence interval, t(0.975, R−1)·s/√R
    /// (Student 1908; NaN with one replication).
    pub ci95: f64,
    /// The value of each replication, in replication order.
    pub replications: Vec<f64>,
}

/// [`Estimate`] as stored: `None` for a non-finite value.
#[derive(Serialize, Deserialize)]
struct EstimateRepr {
    mean: Option<f64>,
    std_error: Option<f64>,
    ci95: Option<f64>,
    replications: Vec<Option<f64>>,
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

impl From<Estimate> for EstimateRepr {
    fn from(e: Estimate) -> Self {
        EstimateRepr {
            mean: finite(e.mean),
            std_error: finite(e.std_error),
            ci95: finite(e.ci95),
            replications: e.replications.into_iter().map(finite).collect(),
        }
    }
}

impl From<EstimateRepr> for Estimate {
    fn from(r: EstimateRepr) -> Self {
        let v = |o: Option<f64>| o.unwrap_or(f64::NAN);
        Estimate {
            mean: v(r.mean),
            std_error: v(r.std_error),
            ci95: v(r.ci95),
            replications: r.replications.into_iter().map(v).collect(),
        }
    }
}

impl Estimate {
    /// The estimate from one value per replication (at least one).
    pub fn new(values: Vec<f64>) -> Self {
        let r = values.len() as f64;
        let mean = values.iter().sum::<f64>() / r;
        let (std_error, ci95) = if values.len() < 2 {
            (f64::NAN, f64::NAN)
        } else {
            let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (r - 1.0);
            let se = (var / r).sqrt();
            (se, t_quantile_975(values.len() - 1) * se)
        };
        Estimate { mean, std_error, ci95, replications: values }
    }
}

/// The `confidence` quantile of Student's t with `df` degrees of freedom (≥ 1).
pub fn t_quantile(confidence: f64, df: usize) -> f64 {
    StudentsT::new(0.0, 1.0, df as f64).expect("df ≥ 1 gives a valid Student t").inverse_cdf(confidence)
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom (≥ 1).
pub fn t_quantile_975(df: usize) -> f64 {
    StudentsT::new(0.0, 1.0, df as f64).expect("df ≥ 1 gives a valid Student t").inverse_cdf(0.975)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_tables() {
        // Standard table values (e.g. NIST/SEMATECH e-Handbook, Table 1.3.6.7.2).
        assert!((t_quantile_975(1) - 12.706).abs() < 1e-3);
        assert!((t_quantile_975(9) - 2.262).abs() < 1e-3);
        assert!((t_quantile_975(99) - 1.984).abs() < 1e-3);
    }

    #[test]
    fn estimate_of_known_values() {
        let e = Estimate::new(vec![1.0, 2.0, 3.0, 4.0]);
        assert_eq!(e.mean, 2.5);
        assert!((e.std_error - (5.0f64 / 3.0 / 4.0).sqrt()).abs() < 1e-12);
        assert!(Estimate::new(vec![1.0]).ci95.is_nan());
    }

    #[test]
    fn estimate_round_trips_through_json_with_nan() {
        let e = Estimate::new(vec![0.1, f64::NAN]);
        let back: Estimate = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
        assert!(back.mean.is_nan() && back.replications[1].is_nan());
        assert_eq!(back.replications[0], 0.1);
        let e = Estimate::new(vec![0.1, 0.2, 0.30000000000000004]);
        assert_eq!(serde_json::from_str::<Estimate>(&serde_json::to_string(&e).unwrap()).unwrap(), e);
    }
}
