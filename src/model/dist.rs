//! Duration distributions (holding time, patience, redial delay) and their
//! samplers. Parameters are in seconds.

use rand::Rng;
use rand_distr::{Distribution, Exp, Gamma, LogNormal, Uniform, Weibull};
use statrs::function::gamma::gamma;
use std::sync::Arc;

/// A distribution of a non-negative duration, in seconds.
#[derive(Debug, Clone, PartialEq)]
pub enum Dist {
    /// Exponential with the given mean.
    Exponential {
        /// Mean (s).
        mean_s: f64,
    },
    /// Always the same value.
    Deterministic {
        /// The value (s).
        value_s: f64,
    },
    /// Lognormal with the given mean and coefficient of variation:
    /// σ² = ln(1 + cv²), μ = ln(mean) − σ²/2.
    LogNormal {
        /// Mean (s).
        mean_s: f64,
        /// Coefficient of variation.
        cv: f64,
    },
    /// Gamma with the given mean and cv: shape k = 1/cv², scale = mean·cv².
    Gamma {
        /// Mean (s).
        mean_s: f64,
        /// Coefficient of variation.
        cv: f64,
    },
    /// Weibull with the given mean and shape k: scale = mean / Γ(1 + 1/k).
    Weibull {
        /// Mean (s).
        mean_s: f64,
        /// Shape k.
        shape: f64,
    },
    /// Uniform on [min, max].
    Uniform {
        /// Lower end (s).
        min_s: f64,
        /// Upper end (s).
        max_s: f64,
    },
    /// Each listed value with equal probability (a sample of real durations).
    Empirical {
        /// The values (s), drawn with equal probability.
        values_s: Arc<[f64]>,
    },
}

impl Dist {
    /// The mean, in seconds.
    pub fn mean_s(&self) -> f64 {
        match self {
            Dist::Exponential { mean_s }
            | Dist::LogNormal { mean_s, .. }
            | Dist::Gamma { mean_s, .. }
            | Dist::Weibull { mean_s, .. } => *mean_s,
            Dist::Deterministic { value_s } => *value_s,
            Dist::Uniform { min_s, max_s } => 0.5 * (min_s + max_s),
            Dist::Empirical { values_s } => values_s.iter().sum::<f64>() / values_s.len() as f64,
        }
    }

    /// E[min(S, `x_s`)] = ∫₀ˣ P(S > s) ds, in seconds: the mean time a call
    /// of holding time S that began `x_s` ago has been in progress, and what
    /// an infinite-server system's occupancy integrates (Eick, Massey and
    /// Whitt 1993, "The physics of the M_t/G/∞ queue"). Closed forms: the
    /// incomplete gamma function for gamma and Weibull, the normal
    /// distribution for the lognormal (statrs). 0 for `x_s` ≤ 0; the mean as
    /// `x_s` → ∞.
    pub fn mean_min_s(&self, x_s: f64) -> f64 {
        use statrs::distribution::{ContinuousCDF, Normal};
        use statrs::function::gamma::gamma_lr;
        if x_s <= 0.0 {
            return 0.0;
        }
        if x_s.is_infinite() {
            return self.mean_s();
        }
        let phi = |z: f64| Normal::standard().cdf(z);
        match self {
            Dist::Exponential { mean_s } => mean_s * -(-x_s / mean_s).exp_m1(),
            Dist::Deterministic { value_s } => x_s.min(*value_s),
            Dist::LogNormal { mean_s, cv } => {
                let (mu, s) = lognormal_mu_sigma(*mean_s, *cv);
                let z = (x_s.ln() - mu) / s;
                mean_s * phi(z - s) + x_s * phi(-z)
            }
            Dist::Gamma { mean_s, cv } => {
                let shape = 1.0 / (cv * cv);
                let y = x_s * shape / mean_s;
                mean_s * gamma_lr(shape + 1.0, y) + x_s * (1.0 - gamma_lr(shape, y))
            }
            Dist::Weibull { mean_s, shape } => {
                let y = (x_s / weibull_scale(*mean_s, *shape)).powf(*shape);
                mean_s * gamma_lr(1.0 + 1.0 / shape, y) + x_s * (-y).exp()
            }
            Dist::Uniform { min_s, max_s } => {
                if x_s <= *min_s {
                    x_s
                } else if x_s >= *max_s {
                    0.5 * (min_s + max_s)
                } else {
                    x_s - (x_s - min_s).powi(2) / (2.0 * (max_s - min_s))
                }
            }
            Dist::Empirical { values_s } => values_s.iter().map(|v| v.min(x_s)).sum::<f64>() / values_s.len() as f64,
        }
    }

    /// A sampler for this distribution.
    ///
    /// Errors (with a message for the user) when the parameters are outside
    /// what the distribution allows, e.g. a zero mean for a lognormal.
    pub fn sampler(&self) -> Result<Sampler, String> {
        let bad = |e: &dyn std::fmt::Display| format!("invalid distribution parameters: {e}");
        Ok(match self {
            Dist::Exponential { mean_s } => Sampler::Exp(Exp::new(1.0 / mean_s).map_err(|e| bad(&e))?),
            Dist::Deterministic { value_s } => Sampler::Const(*value_s),
            Dist::LogNormal { mean_s, cv } => {
                let (mu, sigma) = lognormal_mu_sigma(*mean_s, *cv);
                Sampler::LogNormal(LogNormal::new(mu, sigma).map_err(|e| bad(&e))?)
            }
            Dist::Gamma { mean_s, cv } => {
                let shape = 1.0 / (cv * cv);
                Sampler::Gamma(Gamma::new(shape, mean_s / shape).map_err(|e| bad(&e))?)
            }
            Dist::Weibull { mean_s, shape } => {
                Sampler::Weibull(Weibull::new(weibull_scale(*mean_s, *shape), *shape).map_err(|e| bad(&e))?)
            }
            Dist::Uniform { min_s, max_s } => {
                if min_s == max_s {
                    Sampler::Const(*min_s)
                } else {
                    Sampler::Uniform(Uniform::new_inclusive(*min_s, *max_s).map_err(|e| bad(&e))?)
                }
            }
            Dist::Empirical { values_s } => Sampler::Empirical(values_s.clone()),
        })
    }
}

/// The lognormal's log-scale parameters (μ, σ) for a mean and coefficient
/// of variation: σ² = ln(1 + cv²), μ = ln(mean) − σ²/2.
fn lognormal_mu_sigma(mean_s: f64, cv: f64) -> (f64, f64) {
    let s2 = (1.0 + cv * cv).ln();
    (mean_s.ln() - 0.5 * s2, s2.sqrt())
}

/// Weibull scale for a given mean and shape k: mean / Γ(1 + 1/k).
pub fn weibull_scale(mean_s: f64, shape: f64) -> f64 {
    mean_s / gamma(1.0 + 1.0 / shape)
}

/// Weibull coefficient of variation for shape k:
/// cv² = Γ(1 + 2/k) / Γ(1 + 1/k)² − 1 (decreasing in k).
pub fn weibull_cv(shape: f64) -> f64 {
    (gamma(1.0 + 2.0 / shape) / gamma(1.0 + 1.0 / shape).powi(2) - 1.0).sqrt()
}

/// The least Weibull shape simcall takes (cv about 3.7·10⁵): below it the
/// mean rests on draws of astronomically many times it, and Γ(1 + 1/k)
/// overflows from k ≈ 0.006.
pub const MIN_WEIBULL_SHAPE: f64 = 0.05;
/// The greatest Weibull shape simcall takes (cv about 0.0026).
pub const MAX_WEIBULL_SHAPE: f64 = 500.0;

/// Weibull shape k whose coefficient of variation is `cv` ([`weibull_cv`]),
/// solved by bisection on k ∈ [[`MIN_WEIBULL_SHAPE`], [`MAX_WEIBULL_SHAPE`]].
/// Errors when `cv` is outside the range those k give.
pub fn weibull_shape_for_cv(cv: f64) -> Result<f64, String> {
    let cv_of = weibull_cv;
    let (mut lo, mut hi) = (MIN_WEIBULL_SHAPE, MAX_WEIBULL_SHAPE);
    if !(cv > cv_of(hi) && cv < cv_of(lo)) {
        return Err(format!("weibull cv {cv} is outside the supported range ({:.4}, {:.1})", cv_of(hi), cv_of(lo)));
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if cv_of(mid) > cv {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(0.5 * (lo + hi))
}

/// A ready-to-draw distribution. Matching on the enum keeps the event loop
/// free of dynamic dispatch.
#[derive(Debug, Clone)]
pub enum Sampler {
    /// Exponential.
    Exp(Exp<f64>),
    /// A constant.
    Const(f64),
    /// Lognormal.
    LogNormal(LogNormal<f64>),
    /// Gamma.
    Gamma(Gamma<f64>),
    /// Weibull.
    Weibull(Weibull<f64>),
    /// Uniform.
    Uniform(Uniform<f64>),
    /// One of the values, uniformly.
    Empirical(Arc<[f64]>),
}

impl Sampler {
    /// One draw, in seconds.
    #[inline(always)]
    pub fn sample<R: Rng>(&self, rng: &mut R) -> f64 {
        // The exponential and the constant inline where they are drawn;
        // the others (larger samplers) stay one call away.
        match self {
            Sampler::Exp(d) => d.sample(rng),
            Sampler::Const(v) => *v,
            _ => self.sample_other(rng),
        }
    }

    #[inline(never)]
    fn sample_other<R: Rng>(&self, rng: &mut R) -> f64 {
        match self {
            Sampler::Exp(d) => d.sample(rng),
            Sampler::Const(v) => *v,
            Sampler::LogNormal(d) => d.sample(rng),
            Sampler::Gamma(d) => d.sample(rng),
            Sampler::Weibull(d) => d.sample(rng),
            Sampler::Uniform(d) => d.sample(rng),
            Sampler::Empirical(v) => v[rng.random_range(0..v.len())],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn moments(d: &Dist, n: usize) -> (f64, f64) {
        let s = d.sampler().unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let xs: Vec<f64> = (0..n).map(|_| s.sample(&mut rng)).collect();
        let m = xs.iter().sum::<f64>() / n as f64;
        let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64;
        (m, v.sqrt() / m)
    }

    #[test]
    fn means_and_cvs_match_parameters() {
        // Sample mean within 4 standard errors (sd = cv·mean, n = 400k: 0.6% at cv 1);
        // sample cv within 3% (its own sampling error is well under 1% here).
        for d in [
            Dist::Exponential { mean_s: 180.0 },
            Dist::LogNormal { mean_s: 180.0, cv: 0.8 },
            Dist::Gamma { mean_s: 180.0, cv: 0.5 },
            Dist::Weibull { mean_s: 180.0, shape: weibull_shape_for_cv(0.6).unwrap() },
        ] {
            let (m, cv) = moments(&d, 400_000);
            let want_cv = match &d {
                Dist::Exponential { .. } => 1.0,
                Dist::LogNormal { cv, .. } | Dist::Gamma { cv, .. } => *cv,
                _ => 0.6,
            };
            let se = want_cv * 180.0 / (400_000f64).sqrt();
            assert!((m - 180.0).abs() < 4.0 * se, "{d:?}: mean {m}");
            assert!((cv / want_cv - 1.0).abs() < 0.03, "{d:?}: cv {cv}");
        }
    }

    #[test]
    fn weibull_shape_one_is_exponential() {
        assert!((weibull_shape_for_cv(1.0).unwrap() - 1.0).abs() < 1e-9);
        assert!(weibull_shape_for_cv(0.0001).is_err());
    }
    #[test]
    fn mean_min_matches_draws_of_min() {
        // E[min(S, x)] in closed form against the mean of min(S, x) over
        // 200k draws (within 4 standard errors), at a short, a typical and a
        // long x; and the mean itself far out in the tail.
        let dists = [
            Dist::Exponential { mean_s: 180.0 },
            Dist::Deterministic { value_s: 180.0 },
            Dist::LogNormal { mean_s: 180.0, cv: 0.8 },
            Dist::Gamma { mean_s: 180.0, cv: 0.5 },
            Dist::Gamma { mean_s: 180.0, cv: 2.0 },
            Dist::Weibull { mean_s: 180.0, shape: weibull_shape_for_cv(0.6).unwrap() },
            Dist::Uniform { min_s: 60.0, max_s: 300.0 },
            Dist::Empirical { values_s: vec![30.0, 90.0, 400.0].into() },
        ];
        for d in &dists {
            let s = d.sampler().unwrap();
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
            let xs: Vec<f64> = (0..200_000).map(|_| s.sample(&mut rng)).collect();
            for x in [20.0, 150.0, 600.0] {
                let m: Vec<f64> = xs.iter().map(|v| v.min(x)).collect();
                let mean = m.iter().sum::<f64>() / m.len() as f64;
                let sd = (m.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (m.len() - 1) as f64).sqrt();
                let se = (sd / (m.len() as f64).sqrt()).max(1e-9);
                let got = d.mean_min_s(x);
                assert!((got - mean).abs() < 4.0 * se, "{d:?} at {x} s: {got} vs draws {mean} ± {se}");
            }
            assert!((d.mean_min_s(1e9) / d.mean_s() - 1.0).abs() < 1e-9, "{d:?}");
            assert_eq!(d.mean_min_s(0.0), 0.0);
        }
    }
}
