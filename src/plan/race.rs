//! The candidates of a plan search and what is known of each: the loads
//! judged so far, per model a candidate must pass (the model as it is, or,
//! with `[[survive]]`, without the incidents to survive and through each).
//!
//! The search races its candidates: a combination is judged at the month's
//! load it is asked about, not certified to the tolerance, unless it is
//! chosen or on the upgrade ladder (Kim and Nelson 2006, "Selecting the
//! best system", ch. 17 of *Handbooks in OR & MS* 13: spend the sampling
//! effort on the candidates still in contention). What one load's verdict
//! says is reused: by monotonicity in the load (a pass at 20 Erl is a pass
//! at 18) and across combinations (one whose every option is at or below
//! another's that fails at a load fails there too).
//!
//! Every load judged is saved in the plan's store; `plan --resume` looks a
//! load up there before simulating it, so a resumed search takes the same
//! steps as a fresh one and writes the same files.

use super::{below, chosen, Combo, Saved};
use crate::capacity::{judge_at, Certified, Judged, Verdicts};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::study::Plan;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the store keeps of one combination: every load judged, per model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredVerdicts {
    /// The combination's key ([`Plan::certificate_key`]).
    pub key: String,
    /// Per model (the model as it is, then one per `[[survive]]`), the
    /// loads judged.
    pub scenarios: Vec<Vec<Judged>>,
}

impl crate::store::Stored for StoredVerdicts {
    fn key(&self) -> &str {
        &self.key
    }
}

/// One model a candidate must pass, and its loads judged.
struct Scenario {
    model: Model,
    /// The incident it is certified through (none for the calm model).
    through: Option<String>,
    verdicts: Verdicts,
    /// Loads judged in an earlier run (`--resume`), looked up before simulating.
    stored: Vec<Judged>,
}

/// One combination tried.
pub(super) struct Candidate {
    /// Option index per choice.
    pub combo: Combo,
    /// Monthly price (USD).
    pub price: f64,
    /// Its model's own offered load (Erlangs): loads are judged as
    /// multipliers of it.
    base_erl: f64,
    scenarios: Vec<Scenario>,
    key: Option<String>,
    /// Loads read from the store for this combination.
    reused: usize,
    /// Whether its capacity was certified to the tolerance (else it was
    /// only judged at the loads the search asked about).
    pub refined: bool,
}

impl Candidate {
    /// What is known at multiplier `x` without simulating: passes only if
    /// every model passes, fails if one fails.
    fn known(&self, x: f64) -> Option<bool> {
        let mut all = Some(true);
        for s in &self.scenarios {
            match s.verdicts.at(x) {
                Some(false) => return Some(false),
                None => all = None,
                Some(true) => {}
            }
        }
        all
    }

    /// Its certified capacity so far: the lowest of its models' (naming the
    /// incident it is certified through), the effort summed over all.
    pub fn certified(&self) -> Certified {
        let base = self.base_erl;
        let mut lowest: Option<Certified> = None;
        let (mut evaluations, mut replications, mut calls) = (0, 0, 0);
        for s in &self.scenarios {
            let c = Certified { through: s.through.clone(), ..s.verdicts.certified(base) };
            (evaluations, replications, calls) =
                (evaluations + c.evaluations, replications + c.replications, calls + c.calls);
            if lowest.as_ref().is_none_or(|l| c.pass_erl < l.pass_erl) {
                lowest = Some(c);
            }
        }
        Certified { evaluations, replications, calls, ..lowest.expect("a candidate has at least one model") }
    }
}

/// The candidates tried so far, each once.
pub(super) struct Racer<'a> {
    plan: &'a Plan,
    pub candidates: Vec<Candidate>,
    index: BTreeMap<Combo, usize>,
    saved: Option<&'a Saved<'a>>,
    on_tried: &'a dyn Fn(usize),
}

impl<'a> Racer<'a> {
    pub fn new(plan: &'a Plan, saved: Option<&'a Saved<'a>>, on_tried: &'a dyn Fn(usize)) -> Self {
        Racer { plan, candidates: Vec::new(), index: BTreeMap::new(), saved, on_tried }
    }

    /// Whether `combo` is known to fall short of `load_erl` without
    /// simulating it: it, or a combination whose every option is at or
    /// above its own, failed at or below that load.
    pub fn known_short(&self, combo: &Combo, load_erl: f64) -> bool {
        self.candidates.iter().any(|c| below(combo, &c.combo) && c.known(load_erl / c.base_erl) == Some(false))
    }

    /// Whether nothing is known of `combo` at `load_erl` (it was never
    /// tried, or its loads judged do not decide this one).
    pub fn unknown(&self, combo: &Combo, load_erl: f64) -> bool {
        self.index
            .get(combo)
            .is_none_or(|&i| self.candidates[i].known(load_erl / self.candidates[i].base_erl).is_none())
    }

    /// The index of `combo`'s candidate, making it (its models built, its
    /// stored loads read) if it is new.
    ///
    /// Errors when its options' keys do not build a model, or the store
    /// cannot be read.
    pub fn candidate(&mut self, combo: &Combo, price: f64) -> Result<usize> {
        if let Some(&i) = self.index.get(combo) {
            return Ok(i);
        }
        let plan = self.plan;
        let options = chosen(plan, combo);
        let named: Vec<&str> = plan.survive.iter().map(|s| s.incident.as_str()).collect();
        let mut calm = plan.model_of(&options)?;
        calm.incidents.retain(|i| !named.contains(&i.name.as_str()));
        let mut models = vec![(calm, None)];
        for s in &plan.survive {
            let mut m = plan.model_with(&options, &s.sets)?;
            m.incidents.retain(|i| i.name == s.incident || !named.contains(&i.name.as_str()));
            models.push((m, Some(s.incident.clone())));
        }
        let key = match self.saved {
            Some(_) => Some(plan.certificate_key(&options)?),
            None => None,
        };
        let mut stored = match (self.saved, &key) {
            (Some(s), Some(k)) => s.find(k)?.map(|v| v.scenarios).unwrap_or_default(),
            _ => Vec::new(),
        };
        stored.resize(models.len(), Vec::new());
        let base_erl = models[0].0.offered_load_erl();
        let scenarios = models
            .into_iter()
            .zip(stored)
            .map(|((model, through), stored)| Scenario { model, through, verdicts: Verdicts::default(), stored })
            .collect();
        self.candidates.push(Candidate {
            combo: combo.clone(),
            price,
            base_erl,
            scenarios,
            key,
            reused: 0,
            refined: false,
        });
        self.index.insert(combo.clone(), self.candidates.len() - 1);
        (self.on_tried)(self.candidates.len());
        Ok(self.candidates.len() - 1)
    }

    /// Whether candidate `i` carries `load_erl`: from what is known, else
    /// judging each model at that load in turn (the first that fails
    /// decides).
    ///
    /// Errors when a model cannot be scaled or a verdict cannot be saved.
    pub fn carries(&mut self, i: usize, load_erl: f64) -> Result<bool> {
        let x = load_erl / self.candidates[i].base_erl;
        for s in 0..self.candidates[i].scenarios.len() {
            let pass = match self.candidates[i].scenarios[s].verdicts.at(x) {
                Some(p) => p,
                None => self.judge(i, s, x)?.pass,
            };
            if !pass {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Certifies candidate `i` to the plan's tolerance, from what is known.
    ///
    /// Errors as [`Racer::carries`].
    pub fn refine(&mut self, i: usize) -> Result<()> {
        let tolerance = self.plan.tolerance;
        // What the other candidates say by monotonicity starts the bracket:
        // the lowest load at which one at or above this one failed, the
        // highest at which one at or below it passed, each judged here once.
        let c = &self.candidates[i];
        let own =
            |pass: bool| c.scenarios.iter().flat_map(|s| &s.verdicts.0).filter(move |j| j.pass == pass).map(|j| j.x);
        let (own_lo, own_hi) = (own(true).fold(0.0, f64::max), own(false).fold(f64::INFINITY, f64::min));
        let others = self.candidates.iter().filter(|d| d.combo != c.combo);
        let failed_above = others
            .clone()
            .filter(|d| below(&c.combo, &d.combo))
            .flat_map(|d| d.scenarios.iter().flat_map(|s| &s.verdicts.0).filter(|j| !j.pass).map(|j| j.x))
            .filter(|&x| x > own_lo)
            .fold(f64::INFINITY, f64::min);
        let passed_below = others
            .filter(|d| below(&d.combo, &c.combo))
            .map(|d| {
                let mut xs = d.scenarios[0].verdicts.0.iter().filter(|j| j.pass).map(|j| j.x).collect::<Vec<_>>();
                xs.retain(|&x| d.known(x) == Some(true));
                xs.into_iter().fold(0.0, f64::max)
            })
            .filter(|&x| x < own_hi)
            .fold(0.0, f64::max);
        let base = c.base_erl;
        if own_hi.is_infinite() && failed_above.is_finite() {
            self.carries(i, failed_above * base)?;
        }
        if own_lo == 0.0 && passed_below > 0.0 {
            self.carries(i, passed_below * base)?;
        }
        for s in 0..self.candidates[i].scenarios.len() {
            while let Some(x) = self.candidates[i].scenarios[s].verdicts.next(tolerance) {
                self.judge(i, s, x)?;
            }
        }
        self.candidates[i].refined = true;
        Ok(())
    }

    /// Judges model `s` of candidate `i` at multiplier `x` (read from the
    /// store when an earlier run judged exactly that load), records it and
    /// saves the candidate's loads.
    fn judge(&mut self, i: usize, s: usize, x: f64) -> Result<Judged> {
        let plan = self.plan;
        let c = &mut self.candidates[i];
        let scenario = &mut c.scenarios[s];
        if let Some(j) = scenario.stored.iter().find(|j| j.x == x) {
            c.reused += 1;
            scenario.verdicts.0.push(j.clone());
            return Ok(j.clone());
        }
        let j = judge_at(&scenario.model, x).map_err(|e| Error::input(&plan.path, "model", e))?;
        scenario.stored.push(j.clone());
        scenario.verdicts.0.push(j.clone());
        if let (Some(saved), Some(key)) = (self.saved, &c.key) {
            let scenarios = c.scenarios.iter().map(|s| s.stored.clone()).collect();
            saved.save(&StoredVerdicts { key: key.clone(), scenarios })?;
        }
        Ok(j)
    }

    /// How many loads were read from the store, not simulated.
    pub fn reused(&self) -> usize {
        self.candidates.iter().map(|c| c.reused).sum()
    }
}
