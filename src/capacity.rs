//! Certified capacity: the largest offered load at which a model's SLA
//! verdict is `pass`, found by stochastic root finding on a load multiplier.
//!
//! The multiplier x scales every source's arrival rate ([`Model::with_load_scale`]).
//! The search brackets the boundary by doubling (or halving) from x = 1,
//! then bisects geometrically until the bracket [last pass, first fail] is
//! no wider than the tolerance. Every step is judged with the SLA's
//! confidence rule and its sequential replications, and every step uses the
//! same random streams (common random numbers: sweep point 0), so the
//! verdict moves with the load, not with the noise. A step still undecided
//! after its most replications counts as not certified (a fail), so the
//! certified load is conservative. The verdict is assumed to fall from
//! pass to fail once as the load grows (monotone); the search checks it
//! where it is cheap: a pass above a fail is reported (`monotone = false`).

use crate::model::Model;
use crate::runs::run_judged;
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
    /// Whether every verdict seen fell from pass to fail as the load grew.
    pub monotone: bool,
    /// The incident this capacity is certified through, when a plan's
    /// `[[survive]]` set it (the lowest of the certifications).
    #[serde(default)]
    pub through: Option<String>,
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
const MAX_DOUBLINGS: u32 = 20;

/// Certifies `model`'s capacity to relative width `tolerance` (e.g. 0.02).
///
/// Errors (as text naming the source) when a source cannot be scaled (a trace).
pub fn certify(model: &Model, tolerance: f64) -> Result<Certified, String> {
    let base_erl = model.offered_load_erl();
    let mut seen: Vec<(f64, bool)> = Vec::new();
    let mut evaluations = 0;
    let mut replications = 0u64;
    let mut binding_at: Vec<(f64, Option<String>)> = Vec::new();
    let mut judge = |x: f64| -> Result<bool, String> {
        let m = model.with_load_scale(x)?;
        let (s, v) = run_judged(&m, 0);
        evaluations += 1;
        replications += s.total.attempts.replications.len() as u64;
        let pass = v.verdict == Verdict::Pass;
        if !pass {
            binding_at.push((x, s.binding_limit().map(|b| s.limits[b].name.clone())));
        }
        seen.push((x, pass));
        Ok(pass)
    };
    let (mut lo, mut hi) = if judge(1.0)? {
        let mut lo = 1.0;
        let mut x = 2.0;
        let mut k = 0;
        while judge(x)? {
            lo = x;
            x *= 2.0;
            k += 1;
            if k >= MAX_DOUBLINGS {
                x = f64::INFINITY;
                break;
            }
        }
        (lo, x)
    } else {
        let mut hi = 1.0;
        let mut x = 0.5;
        let mut k = 0;
        while !judge(x)? {
            hi = x;
            x /= 2.0;
            k += 1;
            if k >= MAX_DOUBLINGS {
                x = 0.0;
                break;
            }
        }
        (x, hi)
    };
    while lo > 0.0 && hi.is_finite() && hi / lo - 1.0 > tolerance {
        let mid = (lo * hi).sqrt();
        if judge(mid)? {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let monotone = seen.iter().all(|&(x, pass)| !pass || seen.iter().all(|&(y, p)| p || y > x));
    let binding = binding_at.iter().filter(|b| b.0 >= hi).min_by(|a, b| a.0.total_cmp(&b.0)).and_then(|b| b.1.clone());
    Ok(Certified {
        base_erl,
        pass_erl: lo * base_erl,
        fail_erl: hi * base_erl,
        binding,
        evaluations,
        replications,
        monotone,
        through: None,
    })
}
