//! The plan search: per month, the cheapest combination that carries the
//! month's load, racing the candidates ([`super::race`]).
//!
//! Combinations are taken, per month, in order of estimated monthly total
//! (fixed + usage at that month's load). Each is asked one question: does
//! it carry this load? It is answered without simulation where possible (a
//! combination dominated by one that failed at or below the load; an exact
//! Erlang bound below it, [`crate::capacity::erlang_bound`]; its own earlier
//! verdicts, the verdict assumed monotone in the load), else by judging the
//! combination at that load, once. The first that carries is chosen, the
//! next is the runner-up. Only then are the chosen combinations, and the
//! upgrade ladder's, certified to the tolerance, starting from the loads
//! already judged. Monotonicity is an assumption, stated with the plan file:
//! options are listed from the least capacity to the most.

use super::race::Racer;
use super::{chosen, CertifiedCombo, Combo, LadderStep, MonthPlan, PlanResult, Saved};
use crate::capacity::erlang_bound;
use crate::cost::{month_cost, usage_estimate_usd};
use crate::error::{Error, Result};
use crate::runs::replicate;
use crate::study::Plan;
use std::collections::BTreeMap;

/// Every combination of `plan` that is not dominated, with its monthly
/// price, cheapest first (ties: fewer upgrades, then option order), and how
/// many were dominated: an option that sets the same keys to the same
/// values as another in its choice, with the same usage prices but a
/// higher flat price, is never simulated.
fn combinations(plan: &Plan) -> Result<(Vec<(Combo, f64)>, usize)> {
    let sizes: Vec<usize> = plan.choices.iter().map(|c| c.options.len()).collect();
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
    let total = sizes.iter().product::<usize>();
    let mut combos = Vec::with_capacity(total);
    let mut skipped = 0;
    for k in 0..total {
        let mut rest = k;
        let mut combo: Combo = sizes
            .iter()
            .rev()
            .map(|&n| {
                let o = rest % n;
                rest /= n;
                o
            })
            .collect();
        combo.reverse();
        if combo.iter().enumerate().any(|(ci, &o)| dominated[ci][o]) {
            skipped += 1;
            continue;
        }
        let options = chosen(plan, &combo);
        let model = plan.model_of(&options)?;
        let price: f64 = options.iter().map(|(_, o)| Plan::option_price(o, &model)).sum();
        combos.push((combo, price));
    }
    combos
        .sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.iter().sum::<usize>().cmp(&b.0.iter().sum())).then(a.0.cmp(&b.0)));
    Ok((combos, skipped))
}

/// A combination's monthly total at `load_erl`: its `fixed` price plus each
/// option's usage estimated from the load (what ranks combinations; the
/// chosen one's bill is then simulated).
fn estimated_total(plan: &Plan, base: &crate::model::Model, combo: &Combo, fixed: f64, load_erl: f64) -> f64 {
    fixed + chosen(plan, combo).iter().map(|(_, o)| usage_estimate_usd(o, base, load_erl)).sum::<f64>()
}

/// The monthly price of `combo` among `combos` (NaN for one not listed: a
/// dominated option's).
fn price_of(combos: &[(Combo, f64)], combo: &Combo) -> f64 {
    combos.iter().find(|c| &c.0 == combo).map_or(f64::NAN, |c| c.1)
}

/// Searches `plan`. `on_tried` is called with the number of combinations
/// tried so far, each time one more is (for progress display). With
/// `saved`, every load judged is saved the moment it is; with its `reuse`,
/// loads judged by an earlier run are read instead of simulated again.
///
/// Errors when an option's keys do not build a model, the model cannot be
/// scaled (a trace), or the store cannot be read or written.
pub fn search(plan: &Plan, saved: Option<&Saved>, on_tried: &dyn Fn(usize)) -> Result<PlanResult> {
    let total = plan.choices.iter().map(|c| c.options.len()).product::<usize>();
    let (combos, dominated) = combinations(plan)?;
    let mut bounds: BTreeMap<&Combo, f64> = BTreeMap::new();
    for (combo, _) in &combos {
        if let Some(b) = erlang_bound(&plan.model_of(&chosen(plan, combo))?, plan.tolerance) {
            bounds.insert(combo, b);
        }
    }
    let mut racer = Racer::new(plan, saved, on_tried);
    // Each choice's largest option that is not dominated.
    let tops: Combo = (0..plan.choices.len())
        .map(|ci| combos.iter().map(|(c, _)| c[ci]).max().expect("a plan has a combination"))
        .collect();
    // Usage prices rank combinations by an estimate at each month's load;
    // the chosen one's bill is then simulated.
    let base = plan.model_of(&[])?;
    let mut picks: Vec<(Option<usize>, Option<usize>)> = Vec::new();
    let mut month_loads = plan.monthly_load_erl.clone();
    month_loads.sort_by(f64::total_cmp);
    month_loads.dedup();
    for &load in &plan.monthly_load_erl {
        let estimate = |combo: &Combo, fixed: f64| estimated_total(plan, &base, combo, fixed, load);
        let mut order: Vec<usize> = (0..combos.len()).collect();
        order.sort_by(|&a, &b| {
            estimate(&combos[a].0, combos[a].1).total_cmp(&estimate(&combos[b].0, combos[b].1)).then(a.cmp(&b))
        });
        let (mut first, mut second) = (None, None);
        for k in order {
            let (combo, price) = &combos[k];
            if bounds.get(combo).is_some_and(|&b| b < load) || racer.known_short(combo, load) {
                continue;
            }
            // Before judging a combination, judge its options' tops (the
            // option with every other choice at its largest): one that fails
            // rules out every combination with that option at this load.
            if racer.unknown(combo, load) && short_by_tops(&mut racer, &combos, &tops, combo, (load, &month_loads))? {
                continue;
            }
            let i = racer.candidate(combo, *price)?;
            if racer.carries(i, load)? {
                if first.is_none() {
                    first = Some(i);
                } else {
                    second = Some(i);
                    break;
                }
            }
        }
        picks.push((first, second));
    }
    // Certify what is shown with its capacity: each month's choice.
    let mut chosen_ones: Vec<usize> = picks.iter().filter_map(|p| p.0).collect();
    chosen_ones.dedup();
    for &i in &chosen_ones {
        racer.refine(i)?;
    }
    // The ladder from the last month's choice (or, with none, the
    // combination that passed the highest load).
    let from = picks.iter().rev().find_map(|p| p.0).or_else(|| {
        let c = &racer.candidates;
        (0..c.len()).max_by(|&a, &b| c[a].certified().pass_erl.total_cmp(&c[b].certified().pass_erl))
    });
    let mut ladder = Vec::new();
    if let Some(f) = from {
        racer.refine(f)?;
        let (base_combo, base_price) = (racer.candidates[f].combo.clone(), racer.candidates[f].price);
        let base_erl = racer.candidates[f].certified().erl();
        for (ci, choice) in plan.choices.iter().enumerate() {
            let Some(next) = base_combo[ci].checked_add(1).filter(|&n| n < choice.options.len()) else { continue };
            let mut combo = base_combo.clone();
            combo[ci] = next;
            let price = price_of(&combos, &combo);
            let i = racer.candidate(&combo, price)?;
            // The next option gains nothing at this resolution when it
            // fails a tolerance above where the current one first failed:
            // one load (far enough from a shared boundary to be decided
            // quickly), not a certification.
            let beyond_erl = racer.candidates[f].certified().fail_erl * (1.0 + plan.tolerance);
            if !beyond_erl.is_finite() || racer.carries(i, beyond_erl)? {
                racer.refine(i)?;
            }
            let gain = (racer.candidates[i].certified().erl() - base_erl).max(0.0);
            let extra = price - base_price;
            ladder.push(LadderStep {
                choice: choice.name.clone(),
                from: choice.options[base_combo[ci]].name.clone(),
                to: choice.options[next].name.clone(),
                gain_erl: gain,
                extra_usd: extra,
                usd_per_erl: if gain > 0.0 { extra / gain } else { f64::INFINITY },
            });
        }
    }
    let certified: Vec<CertifiedCombo> = racer
        .candidates
        .iter()
        .map(|c| CertifiedCombo {
            options: c.combo.clone(),
            monthly_usd: c.price,
            certified: c.certified(),
            refined: c.refined,
        })
        .collect();
    if let Some(s) = saved {
        s.set_reused(racer.reused());
    }
    let mut months = Vec::new();
    for (m, (&load, &(chosen_i, runner_up))) in plan.monthly_load_erl.iter().zip(&picks).enumerate() {
        let estimate = |c: &CertifiedCombo| estimated_total(plan, &base, &c.options, c.monthly_usd, load);
        let cost = match chosen_i {
            None => None,
            Some(i) => {
                let options = chosen(plan, &certified[i].options);
                let model = plan.model_of(&options)?;
                let scaled = model
                    .with_load_scale(load / model.offered_load_erl())
                    .map_err(|e| Error::input(&plan.path, "model", e))?;
                Some(month_cost(plan, &options, &scaled, &replicate(&scaled, 0)))
            }
        };
        let runner_up_dearer_usd =
            chosen_i.zip(runner_up).map(|(c, u)| estimate(&certified[u]) - estimate(&certified[c]));
        let before = months.last().and_then(|p: &MonthPlan| p.chosen).filter(|&p| Some(p) != chosen_i);
        let upgrade_total_delta_usd =
            chosen_i.zip(before).map(|(c, p)| estimate(&certified[c]) - estimate(&certified[p]));
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
    let pruned = dominated + combos.len() - certified.len();
    let mut result = PlanResult { combos: certified, months, ladder, total, pruned, risk: None };
    result.in_unit(plan.load_factor);
    result.risk = plan.forecast_range.as_ref().and_then(|f| {
        let chosen: Vec<Option<usize>> = result.months.iter().map(|m| m.chosen).collect();
        let capacities: Vec<(f64, f64)> =
            result.combos.iter().map(|c| (c.certified.pass_erl, c.certified.fail_erl)).collect();
        crate::upgrade::upgrade_risk(f, result.months.first()?.load_erl, &chosen, &capacities)
    });
    Ok(result)
}

/// Whether `combo` falls short of `load_erl` because one of its options'
/// tops does (that option with every other choice at its largest,
/// `tops`): each top not yet known is judged at the load, choice by
/// choice, until one fails.
///
/// Errors as [`Racer::carries`].
fn short_by_tops(
    racer: &mut Racer,
    combos: &[(Combo, f64)],
    tops: &Combo,
    combo: &Combo,
    (load_erl, month_loads): (f64, &[f64]),
) -> Result<bool> {
    for (ci, &o) in combo.iter().enumerate() {
        let mut top = tops.clone();
        top[ci] = o;
        if &top == combo {
            continue;
        }
        let price = price_of(combos, &top);
        if price.is_nan() {
            continue;
        }
        let i = racer.candidate(&top, price)?;
        // A top answers many months: it is judged by bisection over the
        // months' loads not yet decided from this one up, so each verdict
        // halves what is unknown of it.
        while racer.unknown(&top, load_erl) {
            let open: Vec<f64> =
                month_loads.iter().copied().filter(|&l| l >= load_erl && racer.unknown(&top, l)).collect();
            racer.carries(i, open[open.len() / 2])?;
        }
        if !racer.carries(i, load_erl)? {
            return Ok(true);
        }
    }
    Ok(false)
}
