//! How a source's arrival rate varies from one day to the next, beyond the
//! Poisson variation of its counts: real call centres' days differ in level
//! far more than Poisson allows (a busy-hour count's coefficient of
//! variation of 0.10 where Poisson alone gives 0.02), and the busiest days
//! sit further out than a gamma tail (Brown et al. 2005, *Statistical
//! analysis of a telephone call center*, JASA 100:36–50, §4; Ibrahim,
//! Ye, L'Ecuyer & Shen 2016, *Modeling and forecasting call center
//! arrivals: a literature survey*, §3, for the doubly stochastic model).
//!
//! The rate at time t of day d is `profile(t) × D_d × H_{d,half(t)}`: a day
//! factor D (mean 1) shared by the whole day, and, optionally, a factor H
//! (mean 1) of each half of the day, so that a day's morning and afternoon
//! are correlated but not identical. With cv_D and cv_H,
//! corr(morning, afternoon) = cv_D² / ((1 + cv_D²)(1 + cv_H²) − 1).

use crate::engine::SimRng;
use rand::Rng;
use rand_distr::{Distribution, Gamma, LogNormal};
use std::sync::Arc;

/// The day factor D, mean 1.
#[derive(Debug, Clone, PartialEq)]
pub enum DayFactor {
    /// Gamma(1/cv², cv²): a negative-binomial day count (`overdispersion`).
    Gamma {
        /// Coefficient of variation.
        cv: f64,
    },
    /// Lognormal with σ² = ln(1 + cv²), μ = −σ²/2: a heavier upper tail
    /// than the gamma of the same cv.
    LogNormal {
        /// Coefficient of variation.
        cv: f64,
    },
    /// A log's own day factors, drawn with replacement (divided by their
    /// mean when the model is built, so their mean is 1).
    Empirical(Arc<[f64]>),
}

impl DayFactor {
    /// Its coefficient of variation (the population one for empirical factors).
    pub fn cv(&self) -> f64 {
        match self {
            DayFactor::Gamma { cv } | DayFactor::LogNormal { cv } => *cv,
            DayFactor::Empirical(f) => {
                let n = f.len() as f64;
                let mean = f.iter().sum::<f64>() / n;
                (f.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt() / mean
            }
        }
    }

    /// Its name in a model file's `day_to_day.dist`.
    pub fn name(&self) -> &'static str {
        match self {
            DayFactor::Gamma { .. } => "gamma",
            DayFactor::LogNormal { .. } => "lognormal",
            DayFactor::Empirical(_) => "empirical",
        }
    }
}

/// The factor H of each half of a day.
#[derive(Debug, Clone, PartialEq)]
pub struct WithinDay {
    /// Where the day's second half starts (s after midnight, 0 < split < 24 h).
    pub split_s: f64,
    /// Coefficient of variation of each half's gamma factor (mean 1).
    pub cv: f64,
}

/// A source's day-to-day variation; the default is none (every day the profile's).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DayVariation {
    /// The day factor D; `None` = 1.
    pub factor: Option<DayFactor>,
    /// The half-day factor H; `None` = 1.
    pub within: Option<WithinDay>,
}

impl DayVariation {
    /// No variation: every day's rate is the profile's.
    pub fn is_none(&self) -> bool {
        self.factor.is_none() && self.within.is_none()
    }

    /// The sampler of each day's factors, or `None` without variation.
    ///
    /// Panics on a cv outside (0, 10] or empty empirical factors, which the
    /// model's checks refuse.
    pub fn sampler(&self) -> Option<DaySampler> {
        if self.is_none() {
            return None;
        }
        let factor = self.factor.as_ref().map(|f| match f {
            DayFactor::Gamma { cv } => FactorSampler::Gamma(gamma(*cv)),
            DayFactor::LogNormal { cv } => {
                let s2 = (1.0 + cv * cv).ln();
                FactorSampler::LogNormal(LogNormal::new(-s2 / 2.0, s2.sqrt()).expect("cv is checked positive"))
            }
            DayFactor::Empirical(f) => {
                assert!(!f.is_empty(), "empirical day factors are checked non-empty");
                FactorSampler::Empirical(f.clone())
            }
        });
        Some(DaySampler { factor, within: self.within.as_ref().map(|w| (w.split_s, gamma(w.cv))) })
    }
}

fn gamma(cv: f64) -> Gamma<f64> {
    Gamma::new(1.0 / (cv * cv), cv * cv).expect("cv is checked positive")
}

enum FactorSampler {
    Gamma(Gamma<f64>),
    LogNormal(LogNormal<f64>),
    Empirical(Arc<[f64]>),
}

/// Draws each simulated day's factors, in day order, from the source's
/// day stream: D, then the two halves' H when there are any.
pub struct DaySampler {
    factor: Option<FactorSampler>,
    within: Option<(f64, Gamma<f64>)>,
}

impl DaySampler {
    /// Where a day's second half starts (s after midnight), if the day has halves.
    pub fn split_s(&self) -> Option<f64> {
        self.within.as_ref().map(|w| w.0)
    }

    /// The rate multipliers of the next day's first and second half.
    pub fn draw(&self, rng: &mut SimRng) -> [f64; 2] {
        let d = match &self.factor {
            None => 1.0,
            Some(FactorSampler::Gamma(g)) => g.sample(rng),
            Some(FactorSampler::LogNormal(l)) => l.sample(rng),
            Some(FactorSampler::Empirical(f)) => f[rng.random_range(0..f.len())],
        };
        match &self.within {
            None => [d, d],
            Some((_, h)) => [d * h.sample(rng), d * h.sample(rng)],
        }
    }
}
