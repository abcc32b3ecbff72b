//! Control variates: the mean of an output estimated with controls whose
//! means are known exactly (a replication's offered arrivals and offered
//! work, whose means the model's rates give), so that the part of the
//! output's noise the controls explain is taken out.
//!
//! With n replications of an output Y and q controls X (known means μ),
//! the regression (control-variate) estimator is
//!   θ̂ = Ȳ − β̂ᵀ(X̄ − μ),  β̂ = S_XX⁻¹ S_XY
//! (sample covariances), and under joint normality its confidence interval
//! is exact with n − q − 1 degrees of freedom:
//!   θ̂ ± t(n − q − 1) · √( S²_res · (1/n + (X̄ − μ)ᵀ S_XX⁻¹ (X̄ − μ) / (n − 1)) ),
//! S²_res the residual variance of the regression of Y on X with n − q − 1
//! degrees of freedom (Lavenberg and Welch 1981, "A perspective on the use
//! of control variables to increase the efficiency of Monte Carlo
//! simulations", *Management Science* 27(3); Law, *Simulation Modeling and
//! Analysis*, 5th ed., §11.3).

/// A control-variate estimate of a mean.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ControlEstimate {
    /// The estimate θ̂.
    pub mean: f64,
    /// Its standard error (the square root above).
    pub std_error: f64,
    /// Degrees of freedom of its t interval: n − q − 1.
    pub df: usize,
    /// The fitted coefficients β̂, one per control.
    pub beta: Vec<f64>,
    /// The plain estimator's variance over this one's (s²/n over
    /// `std_error`²): how many times fewer replications the same precision
    /// takes; about 1 when the controls explain nothing. Estimated from
    /// the same few replications, it is optimistic for small n (on
    /// M/M/c/c with 10 replications and the offered work as the control it
    /// averages 4.5 where the squared errors' ratio is 3.0:
    /// `tests/suite/control.rs`).
    pub variance_ratio: f64,
}

impl ControlEstimate {
    /// The half-width of its two-sided confidence interval at `confidence`
    /// (e.g. 0.95).
    pub fn half_width(&self, confidence: f64) -> f64 {
        super::t_quantile(0.5 + confidence / 2.0, self.df) * self.std_error
    }
}

/// The control-variate estimate of the mean of `y` with controls `x`
/// (`x[j][i]`: control j in replication i) whose means are `mu`.
///
/// `None` when there are too few replications (n ≤ q + 1), the lengths
/// differ, or the controls' covariance is singular (a control that does not
/// vary, or two that move together exactly): the plain mean is then the
/// estimate to use.
pub fn control_variate(y: &[f64], x: &[Vec<f64>], mu: &[f64]) -> Option<ControlEstimate> {
    let (n, q) = (y.len(), x.len());
    if q == 0 || mu.len() != q || n <= q + 1 || x.iter().any(|c| c.len() != n) {
        return None;
    }
    let nf = n as f64;
    let mean = |v: &[f64]| v.iter().sum::<f64>() / nf;
    let y_bar = mean(y);
    let x_bar: Vec<f64> = x.iter().map(|c| mean(c)).collect();
    let cov = |a: &[f64], a_bar: f64, b: &[f64], b_bar: f64| {
        a.iter().zip(b).map(|(u, v)| (u - a_bar) * (v - b_bar)).sum::<f64>() / (nf - 1.0)
    };
    let s_xx: Vec<Vec<f64>> = (0..q).map(|j| (0..q).map(|k| cov(&x[j], x_bar[j], &x[k], x_bar[k])).collect()).collect();
    let s_xy: Vec<f64> = (0..q).map(|j| cov(&x[j], x_bar[j], y, y_bar)).collect();
    let beta = solve(&s_xx, &s_xy)?;
    let d: Vec<f64> = (0..q).map(|j| x_bar[j] - mu[j]).collect();
    let estimate = y_bar - beta.iter().zip(&d).map(|(b, d)| b * d).sum::<f64>();
    let df = n - q - 1;
    let residual = (0..n)
        .map(|i| {
            let fitted: f64 = (0..q).map(|j| beta[j] * (x[j][i] - x_bar[j])).sum();
            (y[i] - y_bar - fitted).powi(2)
        })
        .sum::<f64>()
        / df as f64;
    let quad: f64 = {
        let s_inv_d = solve(&s_xx, &d)?;
        d.iter().zip(&s_inv_d).map(|(a, b)| a * b).sum()
    };
    let variance = residual * (1.0 / nf + quad / (nf - 1.0));
    let plain = cov(y, y_bar, y, y_bar) / nf;
    Some(ControlEstimate {
        mean: estimate,
        std_error: variance.sqrt(),
        df,
        beta,
        variance_ratio: if variance > 0.0 { plain / variance } else { f64::INFINITY },
    })
}

/// The control-variate estimate of a ratio of means, E(`num`) / E(`den`)
/// (`num[i]`, `den[i]`: replication i's counts, e.g. callers lost and
/// attempts), with controls `x` whose means are `mu`: a long-run fraction
/// pooled over the replications, which is what Erlang's formulas give
/// whatever the window's length (the mean of per-replication fractions is
/// below it by about the variance of a window's count over its square,
/// times the fraction's elasticity to the load: 2–3% for a busy hour of a
/// few hundred calls near 1% blocking). Numerator and denominator are each
/// estimated with the controls, θ̂ = (ȳ − β̂ᵀ(X̄ − μ)) / (d̄ − γ̂ᵀ(X̄ − μ)), and
/// θ̂'s standard error is the control-variate one of the linearized
/// residuals yᵢ − θ̂ dᵢ over the denominator's estimate (the delta method:
/// Cochran, *Sampling Techniques*, 3rd ed., 1977, §6.4; Law §11.3).
/// `variance_ratio` compares the plain ratio estimator Σy/Σd, whose
/// variance is that of the residuals yᵢ − (Σy/Σd) dᵢ over n d̄².
///
/// `None` as [`control_variate`] says, or when the denominator's estimate
/// is not positive.
pub fn control_variate_ratio(num: &[f64], den: &[f64], x: &[Vec<f64>], mu: &[f64]) -> Option<ControlEstimate> {
    let (numerator, denominator) = (control_variate(num, x, mu)?, control_variate(den, x, mu)?);
    if denominator.mean.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) || num.len() != den.len() {
        return None;
    }
    let theta = numerator.mean / denominator.mean;
    let residuals = |r: f64| num.iter().zip(den).map(|(y, d)| y - r * d).collect::<Vec<f64>>();
    let linear = control_variate(&residuals(theta), x, mu)?;
    let nf = num.len() as f64;
    let den_bar = den.iter().sum::<f64>() / nf;
    let plain_ratio = num.iter().sum::<f64>() / den.iter().sum::<f64>();
    let plain_residuals = residuals(plain_ratio);
    let plain = plain_residuals.iter().map(|e| e * e).sum::<f64>() / (nf - 1.0) / nf / (den_bar * den_bar);
    let std_error = linear.std_error / denominator.mean;
    let variance = std_error * std_error;
    Some(ControlEstimate {
        mean: theta,
        std_error,
        df: linear.df,
        beta: linear.beta,
        variance_ratio: if variance > 0.0 { plain / variance } else { f64::INFINITY },
    })
}

/// The solution of `a` z = `b` for a small symmetric positive (semi)definite
/// `a`, by Gaussian elimination with partial pivoting; `None` when `a` is
/// singular relative to its scale.
fn solve(a: &[Vec<f64>], b: &[f64]) -> Option<Vec<f64>> {
    let q = b.len();
    let mut m: Vec<Vec<f64>> = a.iter().zip(b).map(|(row, v)| row.iter().copied().chain([*v]).collect()).collect();
    let scale = (0..q).map(|i| m[i][i].abs()).fold(0.0, f64::max);
    if !(scale > 0.0 && scale.is_finite()) {
        return None;
    }
    for col in 0..q {
        let pivot = (col..q).max_by(|&r, &s| m[r][col].abs().total_cmp(&m[s][col].abs()))?;
        if m[pivot][col].abs() <= 1e-12 * scale {
            return None;
        }
        m.swap(col, pivot);
        let pivot_row = m[col].clone();
        for (_, row) in m.iter_mut().enumerate().filter(|(r, _)| *r != col) {
            let f = row[col] / pivot_row[col];
            row.iter_mut().zip(&pivot_row).skip(col).for_each(|(v, p)| *v -= f * p);
        }
    }
    Some((0..q).map(|i| m[i][q] / m[i][i]).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_control_that_explains_the_output_exactly_leaves_only_the_known_mean() {
        // y = 3 + 2(x − 5) exactly, x's mean known to be 5: the estimate is
        // 3 whatever x̄ is, with no residual.
        let x = vec![4.0, 5.5, 6.0, 7.0, 3.5];
        let y: Vec<f64> = x.iter().map(|v| 3.0 + 2.0 * (v - 5.0)).collect();
        let e = control_variate(&y, &[x], &[5.0]).unwrap();
        assert!((e.mean - 3.0).abs() < 1e-12 && e.std_error < 1e-9, "{e:?}");
        assert!((e.beta[0] - 2.0).abs() < 1e-12);
        assert_eq!(e.df, 3);
    }

    #[test]
    fn two_controls_at_their_means_give_the_plain_mean_and_the_least_squares_slopes() {
        // Two controls against hand-computed least squares: y on x1, x2.
        let x1 = vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let x2 = vec![2.0, 1.0, 4.0, 3.0, 6.0, 5.0];
        let y = vec![1.0, 3.0, 2.0, 5.0, 4.0, 6.0];
        let e = control_variate(&y, &[x1.clone(), x2.clone()], &[3.5, 3.5]).unwrap();
        // x̄ = μ for both controls: the estimate is ȳ and the quadratic term 0.
        assert!((e.mean - 3.5).abs() < 1e-12);
        // Normal equations by hand: S11 = S22 = 3.5, S12 = 2.9, S1y = 3.1, S2y = 1.7.
        let det = 3.5 * 3.5 - 2.9 * 2.9;
        let b1 = (3.1 * 3.5 - 2.9 * 1.7) / det;
        let b2 = (3.5 * 1.7 - 2.9 * 3.1) / det;
        assert!((e.beta[0] - b1).abs() < 1e-12 && (e.beta[1] - b2).abs() < 1e-12, "{:?}", e.beta);
        assert_eq!(e.df, 3);
    }

    #[test]
    fn singular_or_too_few_replications_give_none() {
        assert!(control_variate(&[1.0, 2.0], &[vec![1.0, 2.0]], &[1.5]).is_none());
        assert!(control_variate(&[1.0, 2.0, 3.0, 4.0], &[vec![2.0; 4]], &[2.0]).is_none());
        let x = vec![1.0, 2.0, 3.0, 5.0];
        assert!(control_variate(&[1.0, 2.0, 2.0, 4.0], &[x.clone(), x], &[2.0, 2.0]).is_none());
    }

    #[test]
    fn a_ratio_whose_parts_the_control_explains_is_their_known_means_ratio() {
        // num = 2 + 0.5(x − 10), den = 100 + 4(x − 10) exactly, x's mean 10:
        // the estimate is 2/100 whatever x̄ is, with no residual; with the
        // control at its mean, the pooled ratio Σnum/Σden.
        let x = vec![8.0, 11.0, 12.5, 9.0, 13.0, 7.5];
        let num: Vec<f64> = x.iter().map(|v| 2.0 + 0.5 * (v - 10.0)).collect();
        let den: Vec<f64> = x.iter().map(|v| 100.0 + 4.0 * (v - 10.0)).collect();
        let e = control_variate_ratio(&num, &den, std::slice::from_ref(&x), &[10.0]).unwrap();
        assert!((e.mean - 0.02).abs() < 1e-12 && e.std_error < 1e-9, "{e:?}");
        let x_bar = x.iter().sum::<f64>() / 6.0;
        let y = vec![1.0, 3.0, 2.0, 5.0, 4.0, 6.0];
        let d = vec![50.0, 70.0, 60.0, 90.0, 80.0, 100.0];
        let e = control_variate_ratio(&y, &d, &[x], &[x_bar]).unwrap();
        assert!((e.mean - 21.0 / 450.0).abs() < 1e-12, "{e:?}");
        assert_eq!(e.df, 4);
    }
}
