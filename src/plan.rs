//! Planning: for each month of a forecast, the cheapest combination of
//! provider plans whose certified capacity ([`crate::capacity`]) covers
//! that month's load, the upgrade calendar, and the upgrade ladder (what
//! each choice's next option buys, in Erlangs and dollars per Erlang).
//!
//! The search takes combinations in order of monthly price and certifies
//! them only as needed, each once. It prunes with monotonicity (an
//! assumption, stated with the plan file: options are listed from the least
//! capacity to the most, so a combination whose every option is at or below
//! another's cannot hold more): once a combination is certified below a
//! month's load, every combination below it is skipped for that month
//! without simulation; and so is one whose upper bound is below the load:
//! the least, over its options, of the option's capacity with every other
//! choice at its largest option (certified first, Σ options runs), or its
//! exact Erlang bound ([`crate::capacity::erlang_bound`]).

use crate::capacity::{certify, erlang_bound, Certified};
use crate::cost::{month_cost, usage_estimate_usd, MonthCost};
use crate::error::{Error, Result};
use crate::runs::replicate;
use crate::study::{Choice, Plan, PlanOption};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One combination: an option index per choice.
pub type Combo = Vec<usize>;

/// A combination with its price and certified capacity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CertifiedCombo {
    /// Option index per choice.
    pub options: Combo,
    /// Monthly price (USD).
    pub monthly_usd: f64,
    /// Its certified capacity.
    pub certified: Certified,
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

/// Searches `plan`. `on_certified` is called after each combination is
/// certified (for progress display).
///
/// Errors when an option's keys do not build a model, or the model cannot
/// be scaled (a trace).
pub fn search(plan: &Plan, saved: Option<&Saved>, on_certified: &dyn Fn(usize)) -> Result<PlanResult> {
    let sizes: Vec<usize> = plan.choices.iter().map(|c| c.options.len()).collect();
    let total = sizes.iter().product::<usize>();
    // Every combination with its monthly price and its exact Erlang bound,
    // cheapest first (ties: fewer upgrades).
    let mut bounds: BTreeMap<Combo, f64> = BTreeMap::new();
    let mut combos: Vec<(Combo, f64)> = Vec::with_capacity(total);
    // An option that sets the same keys to the same values as another in its
    // choice, with the same usage prices but a higher flat price, is
    // dominated: its combinations are never simulated.
    let dominated: Vec<Vec<bool>> = plan
        .choices
        .iter()
        .map(|c| {
            c.options
                .iter()
                .map(|o| {
                    c.options.iter().any(|p| {
                        p.set == o.set
                            && p.usage == o.usage
                            && p.per_slot_month == o.per_slot_month
                            && (p.monthly_usd < o.monthly_usd)
                    })
                })
                .collect()
        })
        .collect();
    let is_dominated = |combo: &Combo| combo.iter().enumerate().any(|(ci, &o)| dominated[ci][o]);
    let mut skipped_dominated = 0;
    for k in 0..total {
        let mut rest = k;
        let combo: Combo = sizes
            .iter()
            .rev()
            .map(|&n| {
                let o = rest % n;
                rest /= n;
                o
            })
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if is_dominated(&combo) {
            skipped_dominated += 1;
            continue;
        }
        let model = plan.model_of(&chosen(plan, &combo))?;
        let price = chosen(plan, &combo).iter().map(|(_, o)| Plan::option_price(o, &model)).sum();
        if let Some(b) = erlang_bound(&model, plan.tolerance) {
            bounds.insert(combo.clone(), b);
        }
        combos.push((combo, price));
    }
    combos
        .sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.iter().sum::<usize>().cmp(&b.0.iter().sum())).then(a.0.cmp(&b.0)));
    let mut pruned_any = vec![false; combos.len()];
    let mut store = Certifications { plan, certified: Vec::new(), index: BTreeMap::new(), saved, on_certified };
    // Upper bounds by monotonicity (options listed least capacity first):
    // each option with every other choice at its last (largest) option holds
    // at least as much as any combination using it, so a combination holds
    // at most the least of its options' bounds. Σ options certifications
    // (25 for 5 choices × 5 options) bound all the product's combinations.
    let top: Combo =
        dominated.iter().map(|d| d.iter().rposition(|x| !x).expect("the cheapest of equal options is kept")).collect();
    let price_of = |combo: &Combo| combos.iter().find(|c| &c.0 == combo).map_or(f64::NAN, |c| c.1);
    let mut option_bound: Vec<Vec<f64>> = sizes.iter().map(|&n| vec![f64::INFINITY; n]).collect();
    for (ci, &n) in sizes.iter().enumerate() {
        for o in (0..n).filter(|&o| !dominated[ci][o]) {
            let mut combo = top.clone();
            combo[ci] = o;
            let i = store.get(&combo, price_of(&combo))?;
            option_bound[ci][o] = store.certified[i].certified.erl();
        }
    }
    let upper = |combo: &Combo| -> f64 {
        let by_options = combo.iter().enumerate().map(|(ci, &o)| option_bound[ci][o]).fold(f64::INFINITY, f64::min);
        bounds.get(combo).map_or(by_options, |&b| b.min(by_options))
    };
    // Usage prices rank combinations by an estimate at each month's load;
    // the chosen one's bill is then simulated.
    let base = plan.model_of(&[])?;
    let mut months = Vec::new();
    for (m, &load) in plan.monthly_load_erl.iter().enumerate() {
        let (mut chosen_i, mut runner_up) = (None, None);
        let estimate = |combo: &Combo, fixed: f64| -> f64 {
            fixed + chosen(plan, combo).iter().map(|(_, o)| usage_estimate_usd(o, &base, load)).sum::<f64>()
        };
        let mut order: Vec<usize> = (0..combos.len()).collect();
        order.sort_by(|&a, &b| {
            estimate(&combos[a].0, combos[a].1).total_cmp(&estimate(&combos[b].0, combos[b].1)).then(a.cmp(&b))
        });
        for k in order {
            let (combo, price) = &combos[k];
            // Monotonicity: a combination at or below one certified short of
            // this load is short too.
            let short = upper(combo) < load
                || store.certified.iter().any(|c| c.certified.erl() < load && below(combo, &c.options));
            if short && !store.index.contains_key(combo) {
                pruned_any[k] = true;
                continue;
            }
            let i = store.get(combo, *price)?;
            if store.certified[i].certified.erl() >= load {
                if chosen_i.is_none() {
                    chosen_i = Some(i);
                } else {
                    runner_up = Some(i);
                    break;
                }
            }
        }
        let cost = match chosen_i {
            None => None,
            Some(i) => {
                let options = chosen(plan, &store.certified[i].options);
                let model = plan.model_of(&options)?;
                let scaled = model
                    .with_load_scale(load / model.offered_load_erl())
                    .map_err(|e| Error::input(&plan.path, "model", e))?;
                Some(month_cost(plan, &options, &scaled, &replicate(&scaled, 0)))
            }
        };
        let total_of = |i: usize| estimate(&store.certified[i].options, store.certified[i].monthly_usd);
        let runner_up_dearer_usd = chosen_i.zip(runner_up).map(|(c, u)| total_of(u) - total_of(c));
        let before = months.last().and_then(|p: &MonthPlan| p.chosen).filter(|&p| Some(p) != chosen_i);
        let upgrade_total_delta_usd = chosen_i.zip(before).map(|(c, p)| total_of(c) - total_of(p));
        months.push(MonthPlan {
            month: m as u32,
            load_erl: load,
            chosen: chosen_i,
            runner_up,
            runner_up_dearer_usd,
            upgrade_total_delta_usd,
            cost,
        });
    }
    // The ladder from the last month's choice (or the largest certified).
    let from = months.iter().rev().find_map(|m| m.chosen).or_else(|| {
        let c = &store.certified;
        (0..c.len()).max_by(|&a, &b| c[a].certified.erl().total_cmp(&c[b].certified.erl()))
    });
    let mut ladder = Vec::new();
    if let Some(f) = from {
        let base = store.certified[f].clone();
        for (ci, choice) in plan.choices.iter().enumerate() {
            let Some(next) = base.options[ci].checked_add(1).filter(|&n| n < choice.options.len()) else { continue };
            let mut combo = base.options.clone();
            combo[ci] = next;
            let price = combos.iter().find(|c| c.0 == combo).map_or(f64::NAN, |c| c.1);
            let i = store.get(&combo, price)?;
            let gain = (store.certified[i].certified.erl() - base.certified.erl()).max(0.0);
            let extra = price - base.monthly_usd;
            ladder.push(LadderStep {
                choice: choice.name.clone(),
                from: choice.options[base.options[ci]].name.clone(),
                to: choice.options[next].name.clone(),
                gain_erl: gain,
                extra_usd: extra,
                usd_per_erl: if gain > 0.0 { extra / gain } else { f64::INFINITY },
            });
        }
    }
    let pruned = skipped_dominated
        + pruned_any.iter().enumerate().filter(|(k, p)| **p && !store.index.contains_key(&combos[*k].0)).count();
    let mut result = PlanResult { combos: store.certified, months, ladder, total, pruned, risk: None };
    result.in_unit(plan.load_factor);
    result.risk = plan.forecast_range.as_ref().and_then(|f| {
        let chosen: Vec<Option<usize>> = result.months.iter().map(|m| m.chosen).collect();
        let capacities: Vec<(f64, f64)> =
            result.combos.iter().map(|c| (c.certified.pass_erl, c.certified.fail_erl)).collect();
        crate::upgrade::upgrade_risk(f, result.months.first()?.load_erl, &chosen, &capacities)
    });
    Ok(result)
}

/// "; trunk binds", naming a combination's binding limit, if known.
fn binds(c: &CertifiedCombo) -> String {
    c.certified.binding.as_ref().map_or(String::new(), |b| format!("; {b} binds"))
}

/// What the store keeps of one combination: its certified capacity.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredCertificate {
    /// The combination's key ([`Plan::certificate_key`]).
    pub key: String,
    /// Its certified capacity.
    pub certified: Certified,
}

impl crate::store::Stored for StoredCertificate {
    fn key(&self) -> &str {
        &self.key
    }
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

    /// How many certifications were read from the store.
    pub fn reused(&self) -> usize {
        self.reused.get()
    }

    /// The certification stored under `key`, when reusing.
    fn find(&self, key: &str) -> Result<Option<Certified>> {
        if !self.reuse {
            return Ok(None);
        }
        let found = self.store.load::<StoredCertificate>(key)?.map(|s| s.certified);
        self.reused.set(self.reused.get() + usize::from(found.is_some()));
        Ok(found)
    }
}

/// Combinations certified so far, each once.
struct Certifications<'a> {
    plan: &'a Plan,
    certified: Vec<CertifiedCombo>,
    index: BTreeMap<Combo, usize>,
    saved: Option<&'a Saved<'a>>,
    on_certified: &'a dyn Fn(usize),
}

impl Certifications<'_> {
    /// The index of `combo`'s certification, certifying it first if needed
    /// (or reading it from the store).
    fn get(&mut self, combo: &Combo, price: f64) -> Result<usize> {
        if let Some(&i) = self.index.get(combo) {
            return Ok(i);
        }
        let options = chosen(self.plan, combo);
        let key = match self.saved {
            Some(_) => Some(self.plan.certificate_key(&options)?),
            None => None,
        };
        let found = match (self.saved, &key) {
            (Some(s), Some(key)) => s.find(key)?,
            _ => None,
        };
        let c = match found {
            Some(c) => c,
            None => {
                let c = certify_combo(self.plan, &options)?;
                if let (Some(s), Some(key)) = (self.saved, key) {
                    s.store.save(&StoredCertificate { key, certified: c.clone() })?;
                }
                c
            }
        };
        self.certified.push(CertifiedCombo { options: combo.clone(), monthly_usd: price, certified: c });
        self.index.insert(combo.clone(), self.certified.len() - 1);
        (self.on_certified)(self.certified.len());
        Ok(self.certified.len() - 1)
    }
}

/// The certified capacity of `options`. Without `[[survive]]`, that of
/// their model as it is. With it, the lowest of: the model without the
/// incidents to survive, under its SLA; and, per incident to survive, the
/// model with that one of them, under the SLA through it. The lowest one
/// says which incident it is certified through; the effort is summed.
///
/// Errors when a model does not build or cannot be scaled.
fn certify_combo(plan: &Plan, options: &[(&Choice, &PlanOption)]) -> Result<Certified> {
    let run = |m: &crate::model::Model| certify(m, plan.tolerance).map_err(|e| Error::input(&plan.path, "model", e));
    let named: Vec<&str> = plan.survive.iter().map(|s| s.incident.as_str()).collect();
    let mut calm = plan.model_of(options)?;
    calm.incidents.retain(|i| !named.contains(&i.name.as_str()));
    let mut lowest = run(&calm)?;
    for s in &plan.survive {
        let mut m = plan.model_with(options, &s.sets)?;
        m.incidents.retain(|i| i.name == s.incident || !named.contains(&i.name.as_str()));
        let c = run(&m)?;
        let effort = (lowest.evaluations + c.evaluations, lowest.replications + c.replications);
        if c.pass_erl < lowest.pass_erl {
            lowest = Certified { through: Some(s.incident.clone()), ..c };
        }
        (lowest.evaluations, lowest.replications) = effort;
    }
    Ok(lowest)
}

/// The (choice, option) pairs of `combo`.
fn chosen<'a>(plan: &'a Plan, combo: &[usize]) -> Vec<(&'a Choice, &'a PlanOption)> {
    plan.choices.iter().zip(combo).map(|(c, &o)| (c, &c.options[o])).collect()
}
