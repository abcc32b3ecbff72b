//! Planning: for each month of a forecast, the cheapest combination of
//! provider plans whose certified capacity ([`crate::capacity`]) covers
//! that month's load, the upgrade calendar, and the upgrade ladder (what
//! each choice's next option buys, in Erlangs and dollars per Erlang).
//!
//! The search ([`search`]) races its candidates: each is judged only at
//! the months' loads it is asked about, and only the chosen combinations
//! and the upgrade ladder's are certified to the tolerance (`race.rs`).

mod race;
mod search;

pub use race::StoredVerdicts;
pub use search::search;

use crate::capacity::Certified;
use crate::cost::MonthCost;
use crate::error::Result;
use crate::study::{Choice, Plan, PlanOption};
use serde::{Deserialize, Serialize};

/// One combination: an option index per choice.
pub type Combo = Vec<usize>;

/// A combination with its price and certified capacity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CertifiedCombo {
    /// Option index per choice.
    pub options: Combo,
    /// Monthly price (USD).
    pub monthly_usd: f64,
    /// Its certified capacity: to the plan's tolerance when `refined`,
    /// else the bracket of the loads it was judged at.
    pub certified: Certified,
    /// Whether its capacity was certified to the tolerance (each month's
    /// choice and the upgrade ladder's); else the search judged it only at
    /// the months' loads it asked about.
    #[serde(default)]
    pub refined: bool,
}

/// What one month needs and gets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthPlan {
    /// Month (0 = the model as written).
    pub month: u32,
    /// Forecast offered load (Erlangs).
    pub load_erl: f64,
    /// The cheapest combination certified to carry it (index into the
    /// result's `combos`), if any.
    pub chosen: Option<usize>,
    /// The next cheapest that also carries it, if one was certified.
    pub runner_up: Option<usize>,
    /// How much dearer the runner-up is in total (fixed + estimated usage,
    /// USD per month; the estimate that ranked them, not a simulation).
    #[serde(default)]
    pub runner_up_dearer_usd: Option<f64>,
    /// When the choice changed from the month before: how much the month's
    /// total changes with it (fixed + estimated usage of the new choice
    /// minus the old one's, both at this month's load; USD per month).
    #[serde(default)]
    pub upgrade_total_delta_usd: Option<f64>,
    /// The chosen combination's bill at this month's load, from a
    /// simulation at that load.
    pub cost: Option<MonthCost>,
}

/// What a choice's next option buys from the recommended combination.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LadderStep {
    /// The choice.
    pub choice: String,
    /// Its option now, and the next one.
    pub from: String,
    /// The next option.
    pub to: String,
    /// Certified capacity gained (Erlangs; 0 when another limit binds).
    pub gain_erl: f64,
    /// Extra monthly price (USD).
    pub extra_usd: f64,
    /// Dollars per Erlang gained (infinite when nothing is gained).
    pub usd_per_erl: f64,
}

/// The plan's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanResult {
    /// Every combination certified, in the order certified.
    pub combos: Vec<CertifiedCombo>,
    /// Per month of the forecast.
    pub months: Vec<MonthPlan>,
    /// From the last month's choice (else the largest certified), each
    /// choice's next option.
    pub ladder: Vec<LadderStep>,
    /// Combinations in all.
    pub total: usize,
    /// Never simulated though considered: dominated options' combinations,
    /// and those skipped for a month by monotonicity or a bound.
    pub pruned: usize,
    /// What the forecast's range says, when the plan gives one.
    #[serde(default)]
    pub risk: Option<crate::upgrade::UpgradeRisk>,
}

impl PlanResult {
    /// Every load and capacity multiplied by `factor` (the search works
    /// in the model's offered load; the plan shows the judged one, in
    /// [`Plan::load_unit`]).
    fn in_unit(&mut self, factor: f64) {
        for m in &mut self.months {
            m.load_erl *= factor;
        }
        for c in &mut self.combos {
            let cert = &mut c.certified;
            (cert.base_erl, cert.pass_erl, cert.fail_erl) =
                (cert.base_erl * factor, cert.pass_erl * factor, cert.fail_erl * factor);
        }
        for l in &mut self.ladder {
            l.gain_erl *= factor;
            l.usd_per_erl /= factor;
        }
    }

    /// The option names of combination `i`, per choice.
    pub fn names<'a>(&self, plan: &'a Plan, i: usize) -> Vec<&'a str> {
        self.combos[i].options.iter().zip(&plan.choices).map(|(&o, c)| c.options[o].name.as_str()).collect()
    }

    /// Combination `i` as "platform Starter, trunk 40 channels".
    pub fn label(&self, plan: &Plan, i: usize) -> String {
        plan.choices
            .iter()
            .zip(self.names(plan, i))
            .map(|(ch, n)| format!("{} {n}", ch.name))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// What the forecast's range says, in lines ([`crate::upgrade::UpgradeRisk::lines`]);
    /// none without a range.
    pub fn risk_lines(&self, plan: &Plan) -> Vec<String> {
        self.risk.as_ref().map_or_else(Vec::new, |risk| {
            let first = risk.first.map(|c| self.label(plan, c));
            risk.lines(plan.step_name(), first.as_deref())
        })
    }

    /// The upgrade calendar: for each month whose choice differs from the
    /// month before, "month 3: platform Starter → Growth, +$350/month".
    pub fn calendar(&self, plan: &Plan) -> Vec<String> {
        let mut out = Vec::new();
        let mut prev: Option<usize> = None;
        for m in &self.months {
            match (prev, m.chosen) {
                (_, None) => {
                    out.push(format!(
                        "{} {}: no combination carries {:.1} {}",
                        plan.step_name(),
                        m.month,
                        m.load_erl,
                        plan.load_unit
                    ));
                    prev = None;
                    continue;
                }
                (None, Some(c)) => out.push(format!(
                    "{} {}: {} ({}/month fixed, certified to {:.1} {}{})",
                    plan.step_name(),
                    m.month,
                    self.label(plan, c),
                    crate::units::money(self.combos[c].monthly_usd),
                    self.combos[c].certified.erl(),
                    plan.load_unit,
                    binds(&self.combos[c])
                )),
                (Some(p), Some(c)) if p != c => {
                    let changes: Vec<String> = plan
                        .choices
                        .iter()
                        .zip(self.names(plan, p).into_iter().zip(self.names(plan, c)))
                        .filter(|(_, (a, b))| a != b)
                        .map(|(ch, (a, b))| format!("{} {a} → {b}", ch.name))
                        .collect();
                    out.push(format!(
                        "{} {}: {}, {} a month fixed{} (certified to {:.1} {}{})",
                        plan.step_name(),
                        m.month,
                        changes.join(", "),
                        crate::units::signed_money(self.combos[c].monthly_usd - self.combos[p].monthly_usd),
                        m.upgrade_total_delta_usd.map_or(String::new(), |d| format!(
                            ", {} in total at this load (usage estimated)",
                            crate::units::signed_money(d)
                        )),
                        self.combos[c].certified.erl(),
                        plan.load_unit,
                        binds(&self.combos[c])
                    ));
                }
                _ => {}
            }
            prev = m.chosen;
        }
        out
    }
}

/// Whether every option of `a` is at or below `b`'s (so `a` holds no more).
fn below(a: &[usize], b: &[usize]) -> bool {
    a.iter().zip(b).all(|(x, y)| x <= y)
}

/// "; trunk binds", naming a combination's binding limit, if known.
fn binds(c: &CertifiedCombo) -> String {
    c.certified.binding.as_ref().map_or(String::new(), |b| format!("; {b} binds"))
}

/// Where a search saves each certification the moment it is made.
pub struct Saved<'a> {
    store: &'a crate::store::Store,
    reuse: bool,
    reused: std::cell::Cell<usize>,
}

impl<'a> Saved<'a> {
    /// Saves into `store` (a plan's output folder's `cells/`); with `reuse`
    /// (`plan --resume`), certifications already there are read instead of
    /// made again.
    pub fn new(store: &'a crate::store::Store, reuse: bool) -> Self {
        Saved { store, reuse, reused: std::cell::Cell::new(0) }
    }

    /// How many loads judged were read from the store, not simulated.
    pub fn reused(&self) -> usize {
        self.reused.get()
    }

    fn set_reused(&self, n: usize) {
        self.reused.set(n);
    }

    /// The loads judged stored under `key`, when reusing.
    fn find(&self, key: &str) -> Result<Option<race::StoredVerdicts>> {
        if !self.reuse {
            return Ok(None);
        }
        self.store.load::<race::StoredVerdicts>(key)
    }

    /// Saves one combination's loads judged.
    fn save(&self, v: &race::StoredVerdicts) -> Result<()> {
        self.store.save(v)
    }
}

/// The (choice, option) pairs of `combo`.
fn chosen<'a>(plan: &'a Plan, combo: &[usize]) -> Vec<(&'a Choice, &'a PlanOption)> {
    plan.choices.iter().zip(combo).map(|(c, &o)| (c, &c.options[o])).collect()
}
