//! Which input moves the answer: each input of a model (or of a plan's
//! model) at its low and high value, the rest as written, and what that
//! does to the certified capacity, the headroom and, for a plan, the
//! cheapest combination for its first month and its monthly cost.
//!
//! Every evaluation certifies with the same random streams (the model's
//! seed, sweep point 0: common random numbers), so a difference between
//! two inputs' answers is the inputs', not the noise's. Each certified
//! capacity is an interval [last pass, first fail] no wider than the
//! tolerance; a change is shown with the interval the two certifications
//! allow (lowest: this one's last pass − the base's first fail; highest:
//! this one's first fail − the base's last pass). An input whose low and
//! high intervals both overlap the base's, with the same choice and cost
//! for a plan, has no effect that the certification can see: usually
//! because another limit binds, which is named.

use crate::capacity::Certified;
use crate::config::vary::{scaled, Vary};
use crate::error::Result;
use toml::Value;

/// What one evaluation of the file gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The certified capacity, in `unit` (busy-hour Erl where the SLA is
    /// judged at the busy hour); for a plan, its first month's choice's.
    pub capacity: Certified,
    /// The load the file offers there, in `unit` (a plan: its first month's).
    pub load_erl: f64,
    /// For a plan: the first month's cheapest combination carrying its
    /// load and what it costs a month (USD), or `None` when none does.
    pub choice: Option<(String, f64)>,
    /// Loads simulated and replications run to reach it.
    pub effort: (u32, u64),
}

impl Answer {
    /// Certified capacity over the load offered, minus 1, as an interval
    /// from the capacity's (a fraction: 0.25 = 25% headroom).
    pub fn headroom(&self) -> (f64, f64) {
        (self.capacity.pass_erl / self.load_erl - 1.0, self.capacity.fail_erl / self.load_erl - 1.0)
    }
}

/// One input at its low and high value.
#[derive(Debug, Clone, PartialEq)]
pub struct Swing {
    /// The input and its spread.
    pub vary: Vary,
    /// Its value as written (or its default), then low and high, as TOML text.
    pub values: [String; 3],
    /// The answer at the low and at the high value, or why that value
    /// could not be evaluated (the model refuses it).
    pub low: std::result::Result<Answer, String>,
    /// The answer at the high value.
    pub high: std::result::Result<Answer, String>,
}

impl Swing {
    /// The change of the certified capacity at its low and high values
    /// (`unit`), each as (lowest, highest) the certifications allow.
    pub fn capacity_change(&self, base: &Answer) -> [Option<(f64, f64)>; 2] {
        let change = |a: &std::result::Result<Answer, String>| {
            a.as_ref()
                .ok()
                .map(|a| (a.capacity.pass_erl - base.capacity.fail_erl, a.capacity.fail_erl - base.capacity.pass_erl))
        };
        [change(&self.low), change(&self.high)]
    }

    /// How far the answer moves: the largest change of the headroom's
    /// midpoint, or for a plan of the monthly cost relative to the base's,
    /// among the low and high value (0 when neither was evaluated).
    pub fn reach(&self, base: &Answer) -> f64 {
        let mid = |a: &Answer| {
            let (lo, hi) = a.headroom();
            if hi.is_finite() {
                0.5 * (lo + hi)
            } else {
                lo
            }
        };
        [&self.low, &self.high]
            .into_iter()
            .filter_map(|a| a.as_ref().ok())
            .map(|a| match (&a.choice, &base.choice) {
                (Some((_, c)), Some((_, b))) if *b > 0.0 => (c / b - 1.0).abs(),
                _ => (mid(a) - mid(base)).abs(),
            })
            .fold(0.0, f64::max)
    }

    /// Whether neither value moves the answer beyond what the
    /// certification can tell: every evaluated headroom interval overlaps
    /// the base's, and for a plan, the same choice at a cost within 1%.
    pub fn no_effect(&self, base: &Answer) -> bool {
        let (b_lo, b_hi) = base.headroom();
        let evaluated: Vec<&Answer> = [&self.low, &self.high].into_iter().filter_map(|a| a.as_ref().ok()).collect();
        !evaluated.is_empty()
            && evaluated.iter().all(|a| {
                let (lo, hi) = a.headroom();
                let overlaps = lo <= b_hi && b_lo <= hi;
                let same_plan = match (&a.choice, &base.choice) {
                    (Some((n, c)), Some((bn, bc))) => n == bn && (c / bc - 1.0).abs() < 0.01,
                    (None, None) => true,
                    _ => false,
                };
                overlaps && same_plan
            })
    }
}

/// The sensitivity of one file's answer to its inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Sensitivity {
    /// The answer with every input as written.
    pub base: Answer,
    /// Each input, ranked: the one that moves the answer most first.
    pub swings: Vec<Swing>,
    /// The unit of loads and capacities: "busy-hour Erl" or "Erl".
    pub unit: String,
    /// Loads simulated and replications run, in all.
    pub effort: (u32, u64),
}

/// The answer of the file with keys set on its model.
pub type Evaluate<'a> = dyn Fn(&[(String, Value)]) -> Result<Answer> + 'a;

/// Evaluates the answer with `answer` (which takes the keys to set on the
/// file's model) with every input as written, then each input of `inputs`
/// at (1 − fraction) and (1 + fraction) × its value `base_values` gives,
/// and ranks them by how far they move it ([`Swing::reach`]; ties in input
/// order).
///
/// Errors when the base answer cannot be evaluated; an input whose value
/// holds no number to scale, or whose scaled value the model refuses, is
/// kept with the reason in place of its answer.
pub fn measure(
    inputs: &[Vary],
    base_values: &dyn Fn(&str) -> Option<Value>,
    answer: &Evaluate,
    unit: &str,
) -> Result<Sensitivity> {
    let mut effort = (0u32, 0u64);
    let mut count = |a: &Answer| {
        effort.0 += a.effort.0;
        effort.1 += a.effort.1;
    };
    let base = answer(&[])?;
    count(&base);
    let mut swings = Vec::new();
    for v in inputs {
        let Some(written) = base_values(&v.key) else {
            let why = format!("`{}` is not in the model", v.key);
            swings.push(Swing { vary: v.clone(), values: Default::default(), low: Err(why.clone()), high: Err(why) });
            continue;
        };
        let mut values = [written.to_string(), String::new(), String::new()];
        let mut at = |k: usize, factor: f64| -> std::result::Result<Answer, String> {
            let value = scaled(&written, factor)?;
            values[k] = value.to_string();
            let a = answer(&[(v.key.clone(), value)]).map_err(|e| one_line(&e.to_string()))?;
            Ok(a)
        };
        let low = at(1, 1.0 - v.fraction);
        let high = at(2, 1.0 + v.fraction);
        for a in [&low, &high].into_iter().filter_map(|a| a.as_ref().ok()) {
            count(a);
        }
        swings.push(Swing { vary: v.clone(), values, low, high });
    }
    let mut order: Vec<usize> = (0..swings.len()).collect();
    order.sort_by(|&a, &b| swings[b].reach(&base).total_cmp(&swings[a].reach(&base)).then(a.cmp(&b)));
    let swings = order.into_iter().map(|k| swings[k].clone()).collect();
    Ok(Sensitivity { base, swings, unit: unit.to_string(), effort })
}

/// The first line of an error's text, its location prefix kept.
fn one_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().trim().to_string()
}

/// The answer of a model file `doc` with `sets` applied: its certified
/// capacity to relative width `tolerance`, in busy-hour Erlangs where its
/// SLA is judged at the busy hour ([`crate::model::Model::busy_hour_ratio`]).
///
/// Errors when the model does not build with `sets` (naming the file and
/// key) or cannot be scaled (a trace).
pub fn model_answer(doc: &crate::config::ModelDoc, sets: &[(String, Value)], tolerance: f64) -> Result<Answer> {
    let mut doc = doc.clone();
    for (k, v) in sets {
        doc.set(k, v.clone())?;
    }
    let model = doc.build()?;
    let (factor, _) = model.judged_load();
    let mut c = crate::capacity::certify(&model, tolerance).map_err(crate::error::Error::usage)?;
    (c.base_erl, c.pass_erl, c.fail_erl) = (c.base_erl * factor, c.pass_erl * factor, c.fail_erl * factor);
    let effort = (c.evaluations, c.replications);
    Ok(Answer { load_erl: c.base_erl, capacity: c, choice: None, effort })
}

/// The answer of the plan file at `path` with `sets` applied to every
/// combination's model: its first month's cheapest combination carrying
/// the load, that combination's certified capacity and its monthly cost
/// (fixed and usage, from a simulation at that load).
///
/// Errors as `simcall plan` does for the file and `sets`.
pub fn plan_answer(
    path: &std::path::Path,
    sets: &[(String, Value)],
    reach: crate::config::bounds::Reach,
) -> Result<Answer> {
    let plan = crate::config::load_plan(path, sets, reach)?;
    let r = crate::plan::search(&plan, None, &|_| {})?;
    let effort = r.combos.iter().fold((0, 0), |(e, n), c| (e + c.certified.evaluations, n + c.certified.replications));
    let first = r.months.first().ok_or_else(|| crate::error::Error::usage("the plan has no month"))?;
    let (capacity, choice) = match first.chosen {
        Some(k) => (
            r.combos[k].certified.clone(),
            Some((r.label(&plan, k), first.cost.as_ref().map_or(r.combos[k].monthly_usd, |c| c.total_usd.mean))),
        ),
        // Nothing carries the first month: the largest capacity certified.
        None => {
            let best = r.combos.iter().max_by(|a, b| a.certified.pass_erl.total_cmp(&b.certified.pass_erl));
            (
                best.map(|c| c.certified.clone())
                    .ok_or_else(|| crate::error::Error::usage("the plan certified nothing"))?,
                None,
            )
        }
    };
    Ok(Answer { load_erl: first.load_erl, capacity, choice, effort })
}
