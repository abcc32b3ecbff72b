//! Reads plan files (`experiments/plan.toml`) into a [`Plan`]: the
//! experiment's `name`, `model`, `run` and `sla`, then one `[[choices]]`
//! entry per provider or limit whose plan is chosen (each option sets model
//! keys and has a price), a `[forecast]` of monthly loads and the width of
//! a certified capacity.

use super::bounds::Reach;
use super::experiment::parse_percent;
use super::{locate, DocModels, ModelDoc};
use crate::error::{Diagnostic, Error, Problems, Result};
use crate::model::Model;
use crate::study::{Choice, InputFile, Models, Plan, PlanOption, Survive, UsagePrice, MAX_COMBINATIONS};
use serde::Deserialize;
use std::path::Path;
use std::sync::Arc;
use toml::{Table, Value};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct PlanFile {
    name: String,
    #[serde(default)]
    description: String,
    model: String,
    #[serde(default)]
    #[schemars(schema_with = "super::schema::overrides")]
    run: Table,
    #[serde(default)]
    #[schemars(schema_with = "super::schema::overrides")]
    sla: Table,
    /// Model keys set for every combination (the month-0 traffic, limits no choice covers).
    #[serde(default)]
    #[schemars(schema_with = "super::schema::overrides")]
    set: Table,
    #[serde(default)]
    #[schemars(schema_with = "super::schema::percentage")]
    capacity_tolerance: Option<Value>,
    #[serde(default)]
    value_per_lost_call: Option<f64>,
    forecast: ForecastFile,
    choices: Vec<ChoiceFile>,
    /// Incidents every combination must keep an SLA through.
    #[serde(default)]
    survive: Vec<SurviveFile>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct SurviveFile {
    /// An incident of the model (`[[incidents]]`).
    incident: String,
    /// The SLA through it: `[sla]` keys of the model set for this check.
    #[serde(default)]
    #[schemars(schema_with = "super::schema::overrides")]
    sla: Table,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct ForecastFile {
    /// `"10%/month"`, or a range `{ low, mid, high }` (p10/p50/p90) or `{ mid, cv }`.
    #[serde(default)]
    growth: Option<GrowthFile>,
    #[serde(default)]
    months: Option<u32>,
    #[serde(default)]
    loads: Option<Vec<String>>,
    /// Coefficient of variation of the starting load (lognormal).
    #[serde(default)]
    start_cv: Option<f64>,
    /// Upgrade before the chance of running out exceeds this (default "10%").
    #[serde(default)]
    #[schemars(schema_with = "super::schema::percentage")]
    buy_above: Option<Value>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
enum GrowthFile {
    Rate(String),
    Range(GrowthRangeFile),
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct GrowthRangeFile {
    #[serde(default)]
    low: Option<String>,
    mid: String,
    #[serde(default)]
    high: Option<String>,
    #[serde(default)]
    cv: Option<f64>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct ChoiceFile {
    name: String,
    options: Vec<OptionFile>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct OptionFile {
    name: String,
    #[serde(default)]
    #[schemars(schema_with = "super::schema::overrides")]
    set: Table,
    #[serde(default)]
    price: PriceFile,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct PriceFile {
    #[serde(default)]
    monthly: Option<f64>,
    #[serde(default)]
    per_slot_month: Option<SlotPriceFile>,
    /// The limit whose use the usage prices below bill.
    #[serde(default)]
    limit: Option<String>,
    #[serde(default)]
    per_minute: Option<f64>,
    #[serde(default)]
    billing_increment: Option<String>,
    #[serde(default)]
    minimum_per_call: Option<String>,
    #[serde(default)]
    included_minutes: Option<f64>,
    #[serde(default)]
    overage_per_minute: Option<f64>,
    #[serde(default)]
    per_call: Option<f64>,
    #[serde(default)]
    per_request: Option<f64>,
    #[serde(default)]
    per_1k_tokens: Option<f64>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct SlotPriceFile {
    price: f64,
    limit: String,
}

/// Reads the plan file `path`: the model it names with `run` and `sla`
/// applied, the choices, the forecast; `cli_sets` (`--set PATH=VALUE`) are
/// applied to every model last, and the soft bounds hold as far as `reach`
/// says.
///
/// Errors name the file, the key and what is allowed; every problem of
/// the plan's own keys is reported, and each option's model is built
/// (an option's keys must exist in the model).
pub fn load_plan(path: &Path, cli_sets: &[(String, Value)], reach: Reach) -> Result<Plan> {
    super::read_study(path, "plan", |text, f| read_plan(path, text, f, cli_sets, reach))
}

fn read_plan(path: &Path, text: &Arc<str>, f: PlanFile, cli_sets: &[(String, Value)], reach: Reach) -> Result<Plan> {
    let mut p = Problems::default();
    p.take(super::bounds::file_name(&f.name).map_err(|e| Error::input(path, "name", e)));
    let (model_path, mut base) = ModelDoc::load_for(path, &f.model, &f.run, &f.sla, reach)?;
    // Where each key a model gets came from, to report a mistake at its line.
    let mut origins = locate::override_origins(&f.run, &f.sla);
    for (k, v) in &f.set {
        let key = format!("set.{}", locate::quoted(k));
        p.take(base.set(k, v.clone()).map_err(|e| locate::repoint(e, &[(k.clone(), key.clone())], path)));
        origins.push((k.clone(), key));
    }
    for (k, v) in cli_sets {
        base.set(k, v.clone())?;
    }
    let (model, read) = base.build_reading().map_err(|e| locate::repoint(e, &origins, path))?;
    let mut inputs = vec![InputFile::of(path, text.as_bytes()), base.file()];
    inputs.extend(read);
    let tolerance = match &f.capacity_tolerance {
        None => Some(0.02),
        Some(v) => p.take(parse_percent(v).filter(|t| (0.001..=0.5).contains(t)).ok_or_else(|| {
            Error::input(
                path,
                "capacity_tolerance",
                format!("{v} is not allowed: a width from 0.1% to 50% such as \"2%\""),
            )
        })),
    };
    if f.value_per_lost_call.is_some_and(|v| !(v.is_finite() && v >= 0.0)) {
        p.push(Diagnostic::error(path, "value_per_lost_call", "must be a number of dollars ≥ 0"));
    }
    let base_erl = model.offered_load_erl();
    // Loads are in the unit the SLA is judged in: busy-hour Erlangs when
    // it is judged at the busy hour (the profile's shape scales with it).
    let (load_factor, load_unit) = model.judged_load();
    let forecast_range = p.take(forecast_range(path, &f.forecast)).flatten();
    let monthly_load_erl = p.take(forecast(path, &f.forecast, base_erl, load_factor));
    let judged_over = format!("{} ({})", model.sla.place(), model.sla.over_why.describe());
    if f.choices.is_empty() {
        p.push(Diagnostic::error(path, "choices", "a plan needs at least one [[choices]] entry"));
    }
    let mut combinations = 1usize;
    let models = DocModels::new(base.clone());
    let mut choices = Vec::new();
    for c in f.choices {
        let choice_key = format!("choices.{}", locate::quoted(&c.name));
        if c.options.is_empty() {
            p.push(Diagnostic::error(path, &choice_key, "needs at least one option"));
        }
        combinations = combinations.saturating_mul(c.options.len().max(1));
        let mut options = Vec::new();
        for o in c.options {
            let key = format!("{choice_key}.options.{}", locate::quoted(&o.name));
            let monthly = o.price.monthly.unwrap_or(0.0);
            if !(monthly.is_finite() && monthly >= 0.0) {
                p.push(Diagnostic::error(path, &format!("{key}.price.monthly"), "must be a number ≥ 0"));
            }
            let usage = p.take(usage_price(path, &key, &o.price, &model));
            let per_slot = o.price.per_slot_month.map(|s| (s.price, s.limit));
            if let Some((price, limit)) = &per_slot {
                if !(price.is_finite() && *price >= 0.0 && model.limits.iter().any(|l| &l.name == limit)) {
                    p.push(Diagnostic::error(
                        path,
                        &format!("{key}.price.per_slot_month"),
                        format!("needs a price ≥ 0 and the name of a limit of the model (not {limit:?})"),
                    ));
                }
            }
            let set: Vec<(String, Value)> = o.set.into_iter().collect();
            // Every option's keys must exist and build: each is checked alone.
            let mut own = origins.clone();
            own.extend(set.iter().map(|(k, _)| (k.clone(), format!("{key}.set.{}", locate::quoted(k)))));
            if let Some((_, files)) = p.take(models.build(&set).map_err(|e| locate::repoint(e, &own, path))) {
                InputFile::add_new(&mut inputs, files);
            }
            options.push(PlanOption {
                name: o.name,
                set,
                monthly_usd: monthly,
                per_slot_month: per_slot,
                usage: usage.flatten(),
            });
        }
        choices.push(Choice { name: c.name, options });
    }
    if combinations > MAX_COMBINATIONS {
        p.push(Diagnostic::error(
            path,
            "choices",
            format!("{combinations} combinations of options: at most {MAX_COMBINATIONS}"),
        ));
    }
    let mut survive = Vec::new();
    for (i, s) in f.survive.into_iter().enumerate() {
        let key = format!("survive[{i}]");
        if !model.incidents.iter().any(|m| m.name == s.incident) {
            let names: Vec<&str> = model.incidents.iter().map(|m| m.name.as_str()).collect();
            let have = if names.is_empty() {
                "the model has none".to_string()
            } else {
                format!("incidents: {}", names.join(", "))
            };
            p.push(Diagnostic::error(
                path,
                &format!("{key}.incident"),
                format!("no incident is named {:?} ({have})", s.incident),
            ));
            continue;
        }
        let sets: Vec<(String, Value)> = s.sla.into_iter().map(|(k, v)| (format!("sla.{k}"), v)).collect();
        let own: Vec<(String, String)> =
            sets.iter().map(|(k, _)| (k.clone(), format!("{key}.sla.{}", &k["sla.".len()..]))).collect();
        p.take(models.build(&sets).map_err(|e| locate::repoint(e, &own, path)));
        survive.push(Survive { incident: s.incident, sets });
    }
    let header = base.header();
    p.finish(|| Plan {
        name: f.name,
        description: f.description,
        path: path.to_path_buf(),
        model_path,
        model_header: header,
        models: Arc::new(models),
        choices,
        monthly_load_erl: monthly_load_erl.unwrap_or_default(),
        load_factor,
        load_unit: load_unit.to_string(),
        by_month: f.forecast.loads.is_none(),
        forecast_range,
        judged_over,
        tolerance: tolerance.unwrap_or(0.02),
        survive,
        value_per_lost_call: f.value_per_lost_call.unwrap_or(0.0),
        inputs,
    })
}

/// The usage prices of an option (`key` names it), checked against `model`'s limits.
fn usage_price(path: &Path, key: &str, p: &PriceFile, model: &Model) -> Result<Option<UsagePrice>> {
    let amounts = [p.per_minute, p.included_minutes, p.overage_per_minute, p.per_call, p.per_request, p.per_1k_tokens];
    let timing = p.billing_increment.is_some() || p.minimum_per_call.is_some();
    let k = |sub: &str| format!("{key}.price.{sub}");
    if amounts.iter().all(Option::is_none) && !timing {
        return match &p.limit {
            None => Ok(None),
            Some(_) => Err(Error::input(path, &k("limit"), "names the limit of usage prices, but none is given")),
        };
    }
    let Some(limit) = p.limit.clone() else {
        return Err(Error::input(path, &k("limit"), "usage prices need `limit`, the limit whose use they bill"));
    };
    if !model.limits.iter().any(|l| l.name == limit) {
        let names: Vec<&str> = model.limits.iter().map(|l| l.name.as_str()).collect();
        return Err(Error::input(
            path,
            &k("limit"),
            format!("no limit is named {limit:?} (limits: {})", names.join(", ")),
        ));
    }
    let keys = ["per_minute", "included_minutes", "overage_per_minute", "per_call", "per_request", "per_1k_tokens"];
    for (name, v) in keys.iter().zip(amounts) {
        if v.is_some_and(|x| !(x.is_finite() && x >= 0.0)) {
            return Err(Error::input(path, &k(name), "must be a number ≥ 0"));
        }
    }
    let duration = |name: &str, v: &Option<String>| -> Result<f64> {
        v.as_deref().map_or(Ok(0.0), |t| crate::units::parse_duration_s(t).map_err(|e| Error::input(path, &k(name), e)))
    };
    Ok(Some(UsagePrice {
        limit,
        per_minute: p.per_minute.unwrap_or(0.0),
        billing_increment_s: duration("billing_increment", &p.billing_increment)?,
        minimum_per_call_s: duration("minimum_per_call", &p.minimum_per_call)?,
        included_minutes: p.included_minutes.unwrap_or(0.0),
        overage_per_minute: p.overage_per_minute.unwrap_or(0.0),
        per_call: p.per_call.unwrap_or(0.0),
        per_request: p.per_request.unwrap_or(0.0),
        per_1k_tokens: p.per_1k_tokens.unwrap_or(0.0),
    }))
}

/// `"10%/month"` as 0.10, from −50% to +1000% a month.
///
/// Errors at `key` otherwise.
fn monthly_rate(path: &Path, key: &str, g: &str) -> Result<f64> {
    g.trim()
        .strip_suffix("/month")
        .and_then(|p| parse_percent(&Value::String(p.trim().to_string())))
        .filter(|r| (-0.5..=10.0).contains(r))
        .ok_or_else(|| Error::input(path, key, format!("{g:?} is not a growth such as \"10%/month\"")))
}

/// The forecast's range: `growth = { low, mid, high }` (p10/p50/p90, low ≤
/// mid ≤ high) or `{ mid, cv }`, with `start_cv` and `buy_above`; `None`
/// for a single known rate (or a list of loads) without `start_cv`.
///
/// Errors at the key: both `cv` and `low`/`high`, one of `low`/`high`
/// without the other, rates out of order, a cv outside [0, 10], a
/// `buy_above` that is not a probability in (0, 1), `start_cv` with `loads`.
fn forecast_range(path: &Path, f: &ForecastFile) -> Result<Option<crate::study::ForecastRange>> {
    use crate::study::{ForecastRange, GrowthRange};
    let cv_ok = |key: &str, cv: f64| {
        if cv.is_finite() && (0.0..=10.0).contains(&cv) {
            Ok(cv)
        } else {
            Err(Error::input(path, key, format!("{cv} is not allowed: a coefficient of variation from 0 to 10")))
        }
    };
    let start_cv = f.start_cv.map(|c| cv_ok("forecast.start_cv", c)).transpose()?.unwrap_or(0.0);
    let buy_above = match &f.buy_above {
        None => 0.10,
        Some(v) => parse_percent(v).filter(|p| *p > 0.0 && *p < 1.0).ok_or_else(|| {
            Error::input(path, "forecast.buy_above", format!("{v} is not a probability such as \"10%\""))
        })?,
    };
    let growth = match &f.growth {
        None if start_cv > 0.0 => {
            return Err(Error::input(path, "forecast.start_cv", "goes with a `growth` forecast, not a list of `loads`"))
        }
        None => return Ok(None),
        Some(GrowthFile::Rate(g)) if start_cv > 0.0 => GrowthRange::Quantiles {
            low: monthly_rate(path, "forecast.growth", g)?,
            mid: monthly_rate(path, "forecast.growth", g)?,
            high: monthly_rate(path, "forecast.growth", g)?,
        },
        Some(GrowthFile::Rate(_)) => return Ok(None),
        Some(GrowthFile::Range(r)) => {
            let mid = monthly_rate(path, "forecast.growth.mid", &r.mid)?;
            match (&r.low, &r.high, r.cv) {
                (Some(_), _, Some(_)) | (_, Some(_), Some(_)) => {
                    return Err(Error::input(path, "forecast.growth.cv", "give `low` and `high`, or `cv`, not both"))
                }
                (None, None, Some(cv)) => GrowthRange::RandomWalk { mid, cv: cv_ok("forecast.growth.cv", cv)? },
                (Some(low), Some(high), None) => {
                    let (low, high) = (
                        monthly_rate(path, "forecast.growth.low", low)?,
                        monthly_rate(path, "forecast.growth.high", high)?,
                    );
                    if !(low <= mid && mid <= high) {
                        return Err(Error::input(
                            path,
                            "forecast.growth",
                            "needs low ≤ mid ≤ high (the p10, p50 and p90 of the monthly growth)",
                        ));
                    }
                    GrowthRange::Quantiles { low, mid, high }
                }
                (None, None, None) => GrowthRange::Quantiles { low: mid, mid, high: mid },
                _ => {
                    return Err(Error::input(
                        path,
                        "forecast.growth",
                        "give both `low` and `high` (the p10 and p90 of the monthly growth), or `cv`",
                    ))
                }
            }
        }
    };
    Ok(Some(ForecastRange { growth, start_cv, buy_above }))
}

/// Monthly loads from `[forecast]` (the model's offered load, Erlangs):
/// `growth = "10%/month"` with `months` (month 0 = `base_erl`), or `loads =
/// ["45 erl", …]` in the plan's unit (`load_factor` × the model's offered
/// load: busy-hour Erlangs when the SLA is judged at the busy hour).
fn forecast(path: &Path, f: &ForecastFile, base_erl: f64, load_factor: f64) -> Result<Vec<f64>> {
    match (&f.growth, &f.loads) {
        (Some(g), None) => {
            let rate = match g {
                GrowthFile::Rate(g) => monthly_rate(path, "forecast.growth", g)?,
                GrowthFile::Range(r) => monthly_rate(path, "forecast.growth.mid", &r.mid)?,
            };
            let months = f.months.unwrap_or(12);
            if !(1..=120).contains(&months) {
                return Err(Error::input(path, "forecast.months", format!("{months} is not allowed: 1 to 120")));
            }
            Ok((0..=months).map(|m| base_erl * (1.0 + rate).powi(m as i32)).collect())
        }
        (None, Some(loads)) if !loads.is_empty() => loads
            .iter()
            .map(|l| {
                crate::units::parse_load_erl(l)
                    .map(|erl| erl / load_factor)
                    .map_err(|e| Error::input(path, "forecast.loads", e))
            })
            .collect(),
        _ => Err(Error::input(
            path,
            "forecast",
            "give `growth = \"10%/month\"` with `months = 12`, or `loads = [\"45 erl\", …]` (one per month from month 0)",
        )),
    }
}
