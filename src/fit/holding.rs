//! Holding-time distributions fitted by maximum likelihood.
//!
//! Maximum-likelihood estimators (Johnson, Kotz & Balakrishnan, *Continuous
//! Univariate Distributions*, vol. 1):
//! - exponential: mean = x̄;
//! - lognormal: μ = mean(ln x), σ² = mean((ln x − μ)²);
//! - gamma: shape k solves ln k − ψ(k) = ln x̄ − mean(ln x), scale = x̄/k;
//! - Weibull: shape k solves Σxᵏ ln x / Σxᵏ − 1/k = mean(ln x),
//!   scale = (mean(xᵏ))^(1/k).
//!
//! Both equations have one root, found by bisection. The chosen fit has the
//! lowest AIC = 2p − 2 ln L (Akaike 1974); each fit also reports the
//! Kolmogorov–Smirnov distance to the data.

use crate::model::dist::{weibull_cv, weibull_scale};
use statrs::distribution::{Continuous, ContinuousCDF, Exp, Gamma, LogNormal, Weibull};
use statrs::function::gamma::digamma;

/// A fitted holding-time distribution.
#[derive(Debug, Clone, PartialEq)]
pub struct HoldingFit {
    /// `exponential`, `lognormal`, `gamma` or `weibull`.
    pub dist: &'static str,
    /// Mean (s) and coefficient of variation of the fitted distribution.
    pub mean_s: f64,
    /// Coefficient of variation.
    pub cv: f64,
    /// Shape parameter (gamma, Weibull), else NaN.
    pub shape: f64,
    /// Log-likelihood of the data at the fit.
    pub log_likelihood: f64,
    /// Akaike information criterion, 2k − 2 ln L (lower is better).
    pub aic: f64,
    /// Kolmogorov–Smirnov distance between the data and the fit.
    pub ks: f64,
}

impl HoldingFit {
    /// The model file's `holding = { ... }` for this fit.
    pub fn toml(&self) -> String {
        let m = format!("{:.1}s", self.mean_s);
        match self.dist {
            "exponential" => format!("{{ dist = \"exponential\", mean = \"{m}\" }}"),
            "weibull" => format!("{{ dist = \"weibull\", mean = \"{m}\", shape = {:.4} }}", self.shape),
            d => format!("{{ dist = \"{d}\", mean = \"{m}\", cv = {:.4} }}", self.cv),
        }
    }

    fn cdf(&self, x: f64) -> f64 {
        self.eval(x, true)
    }

    /// The fitted density at `x` (s), for charts.
    pub fn pdf(&self, x: f64) -> f64 {
        self.eval(x, false)
    }

    /// The fitted distribution's CDF (`cdf`) or density at `x`.
    fn eval(&self, x: f64, cdf: bool) -> f64 {
        fn at<D: Continuous<f64, f64> + ContinuousCDF<f64, f64>>(d: Option<D>, x: f64, cdf: bool) -> f64 {
            d.map_or(f64::NAN, |d| if cdf { d.cdf(x) } else { d.pdf(x) })
        }
        match self.dist {
            "exponential" => at(Exp::new(1.0 / self.mean_s).ok(), x, cdf),
            "lognormal" => {
                let s2 = (1.0 + self.cv * self.cv).ln();
                at(LogNormal::new(self.mean_s.ln() - s2 / 2.0, s2.sqrt()).ok(), x, cdf)
            }
            "gamma" => at(Gamma::new(self.shape, self.shape / self.mean_s).ok(), x, cdf),
            _ => at(Weibull::new(self.shape, weibull_scale(self.mean_s, self.shape)).ok(), x, cdf),
        }
    }
}

/// Bisection for the root of an increasing `f` on [lo, hi].
fn bisect(f: impl Fn(f64) -> f64, mut lo: f64, mut hi: f64) -> f64 {
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if f(mid) > 0.0 {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Fits the four distributions to durations `xs` (s, all > 0), best AIC first.
///
/// Returns an empty list for fewer than two distinct values (nothing to fit).
pub fn fit_holding(xs: &[f64]) -> Vec<HoldingFit> {
    let n = xs.len() as f64;
    if xs.len() < 2 || xs.iter().all(|x| *x == xs[0]) {
        return Vec::new();
    }
    let mean = xs.iter().sum::<f64>() / n;
    let mean_ln = xs.iter().map(|x| x.ln()).sum::<f64>() / n;
    let var_ln = xs.iter().map(|x| (x.ln() - mean_ln).powi(2)).sum::<f64>() / n;
    let ll = |ln_pdf: &dyn Fn(f64) -> f64| xs.iter().map(|&x| ln_pdf(x)).sum::<f64>();
    let mut fits = Vec::new();

    // A distribution the data's numbers cannot parametrise (the sampler
    // library refuses them) is left out, not unwrapped.
    if let Ok(exp) = Exp::new(1.0 / mean) {
        fits.push(("exponential", mean, 1.0, f64::NAN, ll(&|x| exp.ln_pdf(x)), 1.0));
    }

    let sigma = var_ln.sqrt();
    if let Ok(lognormal) = LogNormal::new(mean_ln, sigma) {
        fits.push((
            "lognormal",
            (mean_ln + var_ln / 2.0).exp(),
            (var_ln.exp() - 1.0).sqrt(),
            f64::NAN,
            ll(&|x| lognormal.ln_pdf(x)),
            2.0,
        ));
    }

    let s = mean.ln() - mean_ln; // > 0 by Jensen
    let k = bisect(|k| s - (k.ln() - digamma(k)), 1e-4, 1e6);
    if let Ok(gamma) = Gamma::new(k, k / mean) {
        fits.push(("gamma", mean, 1.0 / k.sqrt(), k, ll(&|x| gamma.ln_pdf(x)), 2.0));
    }

    // Weibull on x / x̄ (scale-free equation, no overflow), scale back after.
    let z: Vec<f64> = xs.iter().map(|x| x / mean).collect();
    let mean_ln_z = mean_ln - mean.ln();
    let g = |k: f64| {
        let (mut a, mut b) = (0.0, 0.0);
        for &zi in &z {
            let p = zi.powf(k);
            a += p * zi.ln();
            b += p;
        }
        a / b - 1.0 / k - mean_ln_z
    };
    let kw = bisect(g, 0.02, 100.0);
    let scale = mean * (z.iter().map(|zi| zi.powf(kw)).sum::<f64>() / n).powf(1.0 / kw);
    if let Ok(weibull) = Weibull::new(kw, scale) {
        let weibull_mean = scale * statrs::function::gamma::gamma(1.0 + 1.0 / kw);
        fits.push(("weibull", weibull_mean, weibull_cv(kw), kw, ll(&|x| weibull.ln_pdf(x)), 2.0));
    }

    let mut sorted = xs.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut out: Vec<HoldingFit> = fits
        .into_iter()
        .map(|(dist, mean_s, cv, shape, log_likelihood, p)| {
            let mut f =
                HoldingFit { dist, mean_s, cv, shape, log_likelihood, aic: 2.0 * p - 2.0 * log_likelihood, ks: 0.0 };
            f.ks = ks_distance(&sorted, |x| f.cdf(x));
            f
        })
        .filter(|f: &HoldingFit| f.aic.is_finite() && f.mean_s.is_finite() && f.mean_s > 0.0)
        .collect();
    // Never a fit with a NaN or infinite likelihood: it is dropped above.
    out.sort_by(|a, b| a.aic.total_cmp(&b.aic));
    out
}

/// sup |F_n − F| for sorted data.
fn ks_distance(sorted: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    let n = sorted.len() as f64;
    sorted
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = cdf(x);
            (f - i as f64 / n).max((i + 1) as f64 / n - f)
        })
        .fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::stream;
    use rand_distr::Distribution;

    fn sample(d: impl Distribution<f64>, n: usize) -> Vec<f64> {
        let mut rng = stream(9, 0, 0, 0);
        (0..n).map(|_| d.sample(&mut rng)).collect()
    }

    #[test]
    fn each_family_is_recovered_and_chosen() {
        let n = 20_000;
        let cases: Vec<(&str, Vec<f64>, f64, f64)> = vec![
            ("exponential", sample(rand_distr::Exp::new(1.0 / 180.0).unwrap(), n), 180.0, 1.0),
            (
                "lognormal",
                sample(rand_distr::LogNormal::new(5.0, 0.7).unwrap(), n),
                (5.0f64 + 0.245).exp(),
                (0.49f64.exp() - 1.0).sqrt(),
            ),
            ("gamma", sample(rand_distr::Gamma::new(4.0, 45.0).unwrap(), n), 180.0, 0.5),
            (
                "weibull",
                sample(rand_distr::Weibull::new(200.0, 2.5).unwrap(), n),
                200.0 * statrs::function::gamma::gamma(1.4),
                f64::NAN,
            ),
        ];
        for (dist, xs, mean, cv) in cases {
            let fits = fit_holding(&xs);
            assert_eq!(fits[0].dist, dist, "{fits:?}");
            assert!((fits[0].mean_s / mean - 1.0).abs() < 0.03, "{dist}: mean {} vs {mean}", fits[0].mean_s);
            if cv.is_finite() {
                assert!((fits[0].cv / cv - 1.0).abs() < 0.05, "{dist}: cv {} vs {cv}", fits[0].cv);
            }
            assert!(fits[0].ks < 0.02, "{dist}: KS {}", fits[0].ks);
        }
    }
}
