//! Certified capacity: the largest offered load at which a model's SLA
//! verdict is `pass`, found by stochastic root finding on a load multiplier.
//!
//! The multiplier x scales every source's arrival rate ([`Model::with_load_scale`]).
//! The search brackets the boundary by doubling (or halving) from x = 1,
//! then bisects geometrically until the bracket [last pass, first fail] is
//! no wider than the tolerance. Every step is judged with the SLA's
//! confidence rule and its sequential replications (with a first look at
//! half of them, and a load beyond a limit with 90% confidence given up as
//! not passing: [`crate::runs::run_certifying`]), and every step uses the
//! same random streams (common random numbers: sweep point 0), so the
//! verdict moves with the load, not with the noise. A step still undecided
//! after its most replications counts as not certified (a fail), so the
//! certified load is conservative. The verdict is assumed to fall from
//! pass to fail once as the load grows (monotone); the search checks it
//! where it is cheap: a pass above a fail is reported (`monotone = false`).

use crate::model::Model;
use crate::runs::run_certifying;
use crate::statistics::Verdict;
use serde::{Deserialize, Serialize};

/// The certified capacity of one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Certified {
    /// The model's own offered load (x = 1), in Erlangs.
    pub base_erl: f64,
    /// The highest load judged `pass` (Erlangs); 0 when even the lowest tried fails.
    pub pass_erl: f64,
    /// The lowest load judged not `pass` above it (Erlangs); infinite when
    /// none was found up to the search's ceiling (`null` in JSON).
    #[serde(with = "infinite_as_null")]
    pub fail_erl: f64,
    /// The binding limit at the first failing load, if any.
    pub binding: Option<String>,
    /// Loads simulated (each with its replications).
    pub evaluations: u32,
    /// Replications run in all.
    pub replications: u64,
    /// Calls simulated in all: first attempts offered in the measured
    /// windows of every replication (effort that does not depend on the
    /// machine).
    #[serde(default)]
    pub calls: u64,
    /// Whether every verdict seen fell from pass to fail as the load grew.
    pub monotone: bool,
    /// The incident this capacity is certified through, when a plan's
    /// `[[survive]]` set it (the lowest of the certifications).
    #[serde(default)]
    pub through: Option<String>,
    /// The variance reduction its loads' control variates achieved: the
    /// geometric mean over the loads judged with one of their least ratio
    /// (plain variance over control-variate variance); `None` when none was.
    #[serde(default)]
    pub variance_ratio: Option<f64>,
}

/// An `f64` that may be +∞, as JSON: `null` for ∞ (JSON has no infinity).
mod infinite_as_null {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            s.serialize_f64(*v)
        } else {
            s.serialize_none()
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::INFINITY))
    }
}

impl Certified {
    /// The certified capacity: the highest load judged `pass` (Erlangs).
    pub fn erl(&self) -> f64 {
        self.pass_erl
    }
}

/// An exact upper bound on a model's certified capacity (Erlangs), from its
/// reject concurrency limits that every source passes for the whole call:
/// the offered load at which Erlang B at the limit's capacity (× pool, the
/// full-availability best case) reaches the SLA's `max_blocking`, times
/// (1 + `tolerance`) for the confidence rule's noise. Redials and other
/// limits only add blocking, so no load above it can pass; `None` when the
/// SLA has no blocking objective or no such limit.
pub fn erlang_bound(model: &Model, tolerance: f64) -> Option<f64> {
    use crate::model::{LimitKind, ObjectiveMetric, OnFull, Scope};
    let target = model.sla.limit(ObjectiveMetric::Blocking)?;
    let n_sources = model.sources.len() + model.campaigns.len();
    model
        .limits
        .iter()
        .filter(|l| l.on_full == OnFull::Reject && l.scope == Scope::Call && (0..n_sources).all(|s| l.applies_to(s)))
        .filter_map(|l| match l.kind {
            LimitKind::Concurrency { capacity } => Some(capacity as u64 * l.pool as u64),
            _ => None,
        })
        .map(|c| inverse_erlang_b(c, target) * (1.0 + tolerance))
        .min_by(f64::total_cmp)
}

/// Erlang B by the recursion B_k = A·B_{k−1} / (k + A·B_{k−1}), B_0 = 1
/// (Jagerman 1974, BSTJ 53).
pub fn erlang_b(a: f64, c: u64) -> f64 {
    (1..=c).fold(1.0, |b, k| a * b / (k as f64 + a * b))
}

/// The largest offered load A with Erlang B(A, c) ≤ `target` (B grows with
/// A), by bisection to 1e-9 relative.
pub fn inverse_erlang_b(c: u64, target: f64) -> f64 {
    let (mut lo, mut hi) = (0.0, c as f64 * 4.0 + 10.0);
    while hi - lo > 1e-9 * hi {
        let mid = 0.5 * (lo + hi);
        if erlang_b(mid, c) <= target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

/// The largest multiplier tried: 2^20 × the model's load.
const MAX_DOUBLINGS: i32 = 20;

/// One load judged: its multiplier of the model's own offered load, the
/// verdict (`pass`, or not: fail or still undecided at the most
/// replications) and what it cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Judged {
    /// The load multiplier x (offered load = x × the model's own).
    pub x: f64,
    /// Whether the SLA passed at that load.
    pub pass: bool,
    /// The binding limit, when it did not pass.
    pub binding: Option<String>,
    /// Replications run at that load.
    pub replications: u64,
    /// First attempts offered in their measured windows.
    #[serde(default)]
    pub calls: u64,
    /// The least variance reduction of the verdict's control-variate
    /// estimates ([`crate::statistics::SlaVerdict::variance_ratio`]).
    #[serde(default)]
    pub variance_ratio: Option<f64>,
    /// How near the SLA's limits the estimates were
    /// ([`crate::statistics::SlaVerdict::margin`]: below 1 inside them).
    #[serde(default)]
    pub margin: Option<f64>,
}

/// Judges `model` at load multiplier `x` with its SLA's confidence rule and
/// sequential replications (sweep point 0's streams: every load of a model
/// uses the same random numbers).
///
/// Errors (as text naming the source) when a source cannot be scaled (a trace).
pub fn judge_at(model: &Model, x: f64) -> Result<Judged, String> {
    let m = model.with_load_scale(x)?;
    let (s, v) = run_certifying(&m, 0);
    let pass = v.verdict == Verdict::Pass;
    let binding = if pass { None } else { s.binding_limit().map(|b| s.limits[b].name.clone()) };
    let replications = s.total.attempts.replications.len() as u64;
    let calls = s.total.offered_calls.replications.iter().sum::<f64>() as u64;
    Ok(Judged { x, pass, binding, replications, calls, variance_ratio: v.variance_ratio(), margin: v.margin() })
}

/// The loads judged of one model, in the order judged: what a
/// certification knows, and what a plan search that races its candidates
/// knows of one that it has only tried at some months' loads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Verdicts(pub Vec<Judged>);

impl Verdicts {
    /// What is known at multiplier `x`, the verdict assumed monotone in the
    /// load: `Some(true)` when a load at or above `x` passed, `Some(false)`
    /// when one at or below it did not (a load judged at exactly `x` wins; a
    /// contradiction, pass above a fail, reads as not passing).
    pub fn at(&self, x: f64) -> Option<bool> {
        if let Some(j) = self.0.iter().find(|j| j.x == x) {
            return Some(j.pass);
        }
        let fails_below = self.0.iter().any(|j| !j.pass && j.x <= x);
        let passes_above = self.0.iter().any(|j| j.pass && j.x >= x);
        match (passes_above, fails_below) {
            (_, true) => Some(false),
            (true, false) => Some(true),
            (false, false) => None,
        }
    }

    /// The bracket [highest load that passed, lowest not passing above it]
    /// as multipliers: 0 when none passed, ∞ when none failed above.
    pub fn bracket(&self) -> (f64, f64) {
        let lo = self.0.iter().filter(|j| j.pass).map(|j| j.x).fold(0.0, f64::max);
        let hi = self.0.iter().filter(|j| !j.pass && j.x > lo).map(|j| j.x).fold(f64::INFINITY, f64::min);
        (lo, hi)
    }

    /// The next load to judge to narrow the bracket to `tolerance`: 1 with
    /// nothing judged; doubling up from the highest pass with no fail above
    /// it, halving down from the lowest fail with no pass; else a load
    /// inside the bracket (below). `None` when settled.
    ///
    /// Inside the bracket [lo, hi], a load near the SLA's boundary takes
    /// the most replications to decide, so the next load is aimed away from
    /// it: where the margins judged at lo and hi are on either side of 1,
    /// the boundary x* is interpolated with log margin linear in log load
    /// (regula falsi); then the load lo(1 + tolerance) is judged when x*
    /// lies below it (a fail there settles the bracket), hi / (1 +
    /// tolerance) when x* lies above that (a pass settles it), else
    /// x* / √(1 + tolerance), half a tolerance below the boundary, after
    /// which the first case usually applies. Every load is kept at least
    /// a tenth of the bracket (in log load) from its ends, and without two
    /// margins to interpolate the geometric midpoint is judged (bisection).
    pub fn next(&self, tolerance: f64) -> Option<f64> {
        let (lo, hi) = self.bracket();
        let limit = 2f64.powi(MAX_DOUBLINGS);
        match (lo > 0.0, hi.is_finite()) {
            (false, false) => Some(1.0),
            (true, false) => (lo < limit).then_some(lo * 2.0),
            (false, true) => (hi > 1.0 / limit).then_some(hi / 2.0),
            (true, true) => (hi / lo - 1.0 > tolerance).then(|| self.aim(lo, hi, tolerance)),
        }
    }

    /// The load to judge inside the bracket [`lo`, `hi`] ([`Verdicts::next`]).
    fn aim(&self, lo: f64, hi: f64, tolerance: f64) -> f64 {
        let margin = |x: f64| self.0.iter().find(|j| j.x == x).and_then(|j| j.margin).filter(|m| *m > 0.0);
        let (ln_lo, ln_hi) = (lo.ln(), hi.ln());
        let mid = 0.5 * (ln_lo + ln_hi);
        let Some((m_lo, m_hi)) = margin(lo).zip(margin(hi)).filter(|(a, b)| *a < 1.0 && *b > 1.0) else {
            return mid.exp();
        };
        let boundary = ln_lo - m_lo.ln() * (ln_hi - ln_lo) / (m_hi.ln() - m_lo.ln());
        let step = (1.0 + tolerance).ln();
        let target = if boundary < ln_lo + step {
            ln_lo + step
        } else if boundary > ln_hi - step {
            ln_hi - step
        } else {
            boundary - 0.5 * step
        };
        let edge = 0.1 * (ln_hi - ln_lo);
        target.clamp(ln_lo + edge, ln_hi - edge).exp()
    }

    /// Judges loads (with `judge`) until the bracket is no wider than
    /// `tolerance`, starting from what is already known.
    ///
    /// Errors with `judge`'s first error.
    pub fn refine<E>(&mut self, tolerance: f64, judge: &mut dyn FnMut(f64) -> Result<Judged, E>) -> Result<(), E> {
        while let Some(x) = self.next(tolerance) {
            self.0.push(judge(x)?);
        }
        Ok(())
    }

    /// What these verdicts certify, for a model whose own offered load is
    /// `base_erl` Erlangs (the effort counts every load judged).
    pub fn certified(&self, base_erl: f64) -> Certified {
        let (lo, hi) = self.bracket();
        let seen = &self.0;
        let monotone = seen.iter().all(|a| !a.pass || seen.iter().all(|b| b.pass || b.x > a.x));
        let binding = seen
            .iter()
            .filter(|j| !j.pass && j.x >= hi)
            .min_by(|a, b| a.x.total_cmp(&b.x))
            .and_then(|j| j.binding.clone());
        let ratios: Vec<f64> = seen.iter().filter_map(|j| j.variance_ratio).collect();
        let variance_ratio =
            (!ratios.is_empty()).then(|| (ratios.iter().map(|r| r.ln()).sum::<f64>() / ratios.len() as f64).exp());
        Certified {
            variance_ratio,
            base_erl,
            pass_erl: lo * base_erl,
            fail_erl: hi * base_erl,
            binding,
            evaluations: seen.len() as u32,
            replications: seen.iter().map(|j| j.replications).sum(),
            calls: seen.iter().map(|j| j.calls).sum(),
            monotone,
            through: None,
        }
    }
}

/// Certifies `model`'s capacity to relative width `tolerance` (e.g. 0.02).
///
/// Errors (as text naming the source) when a source cannot be scaled (a trace).
pub fn certify(model: &Model, tolerance: f64) -> Result<Certified, String> {
    let mut verdicts = Verdicts::default();
    verdicts.refine(tolerance, &mut |x| judge_at(model, x))?;
    Ok(verdicts.certified(model.offered_load_erl()))
}

#[cfg(test)]
mod tests {
    use super::{Judged, Verdicts};

    fn judged(x: f64, pass: bool, margin: f64) -> Judged {
        Judged { x, pass, binding: None, replications: 5, calls: 0, variance_ratio: None, margin: Some(margin) }
    }

    #[test]
    fn the_next_load_is_aimed_half_a_tolerance_below_the_interpolated_boundary() {
        // Margins 0.5 at 1 and 2 at 2: log margin linear in log load crosses
        // 0 at √2; half a tolerance (3%) below it is √2 / √1.03.
        let v = Verdicts(vec![judged(1.0, true, 0.5), judged(2.0, false, 2.0)]);
        let x = v.next(0.03).unwrap();
        assert!((x - 2f64.sqrt() / 1.03f64.sqrt()).abs() < 1e-12, "{x}");
        // A boundary just above the pass: the load a tolerance above it, where
        // a fail settles the bracket ([1, 1.03] is within 3%).
        let v = Verdicts(vec![judged(1.0, true, 0.99), judged(1.2, false, 3.0)]);
        assert!((v.next(0.03).unwrap() - 1.03).abs() < 1e-12);
        // Just below the fail: the load a tolerance below it.
        let v = Verdicts(vec![judged(1.0, true, 0.2), judged(1.2, false, 1.01)]);
        assert!((v.next(0.03).unwrap() - 1.2 / 1.03).abs() < 1e-12);
        // An undecided fail whose estimate is inside the limit gives nothing
        // to interpolate: the geometric midpoint.
        let v = Verdicts(vec![judged(1.0, true, 0.5), judged(1.2, false, 0.95)]);
        assert!((v.next(0.03).unwrap() - 1.2f64.sqrt()).abs() < 1e-12);
        // Settled within the tolerance: nothing more to judge.
        let v = Verdicts(vec![judged(1.0, true, 0.5), judged(1.02, false, 1.5)]);
        assert_eq!(v.next(0.03), None);
    }
}
