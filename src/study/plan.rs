//! A plan: the provider plans that can be bought for a model (choices and
//! their options with prices), a forecast of the load by month, and the
//! tolerance of certified capacities.

use super::{InputFile, Models};
use crate::error::Result;
use crate::model::Model;
use std::path::PathBuf;
use std::sync::Arc;
use toml::Value;

/// One option of a choice: the model keys it sets and its monthly price.
#[derive(Debug, Clone)]
pub struct PlanOption {
    /// Its name ("Growth", "30 channels").
    pub name: String,
    /// Model keys it sets, by dotted path.
    pub set: Vec<(String, Value)>,
    /// A flat monthly price (USD).
    pub monthly_usd: f64,
    /// A price per unit of capacity per month: (USD, limit name): the
    /// limit's capacity × pool in the built model is the number of units.
    pub per_slot_month: Option<(f64, String)>,
    /// Prices on the use of one limit, if any.
    pub usage: Option<UsagePrice>,
}

/// Prices on the use of one limit, as providers bill them (USD).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UsagePrice {
    /// The limit whose use is billed.
    pub limit: String,
    /// Per minute a call holds the limit, each call rounded up to
    /// `billing_increment_s` and at least `minimum_per_call_s`.
    pub per_minute: f64,
    /// Billing increment (s; 0 = per second exactly).
    pub billing_increment_s: f64,
    /// Minimum billed per call (s).
    pub minimum_per_call_s: f64,
    /// Minutes the monthly price includes, and the price of each beyond.
    pub included_minutes: f64,
    /// Per minute beyond `included_minutes`.
    pub overage_per_minute: f64,
    /// Per admission (a call through the limit).
    pub per_call: f64,
    /// Per request (admissions of a request-scoped limit).
    pub per_request: f64,
    /// Per 1,000 tokens through a token limit.
    pub per_1k_tokens: f64,
}

impl UsagePrice {
    /// Whether it bills minutes (so holds must be recorded).
    pub fn bills_minutes(&self) -> bool {
        self.per_minute > 0.0 || self.overage_per_minute > 0.0
    }
}

/// A provider or limit whose plan is chosen; options are listed from the
/// least capacity to the most (the search assumes it).
#[derive(Debug, Clone)]
pub struct Choice {
    /// Its name ("platform", "trunk").
    pub name: String,
    /// Its options, least capacity first.
    pub options: Vec<PlanOption>,
}

/// A plan file, read and checked.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Output goes to `output/<name>/`.
    pub name: String,
    /// What it asks.
    pub description: String,
    /// Where it was read from.
    pub path: PathBuf,
    /// The model file it names.
    pub model_path: PathBuf,
    /// The comment block at the top of the model file (the sources it
    /// cites), as read.
    pub model_header: String,
    /// The choices, in file order.
    pub choices: Vec<Choice>,
    /// Offered load per month (Erlangs), month 0 first (the model as written,
    /// unless `loads` says otherwise).
    pub monthly_load_erl: Vec<f64>,
    /// The unit loads and capacities are shown in, over the model's offered
    /// load: the busy hour's load over the mean hour's when the SLA is
    /// judged at the busy hour ([`crate::model::Model::busy_hour_ratio`]), else 1.
    pub load_factor: f64,
    /// That unit's name: "busy-hour Erl" or "Erl".
    pub load_unit: String,
    /// Where the model's SLA is judged and why, for the outputs: "the busy
    /// hour (by default, since …)".
    pub judged_over: String,
    /// How uncertain a growth forecast is (`growth = { low, mid, high }`
    /// or `{ mid, cv }`, `start_cv`); `None`: one growth rate, known.
    pub forecast_range: Option<super::ForecastRange>,
    /// Whether the forecast is a monthly growth (its steps are months);
    /// else a list of loads (its steps are loads, not necessarily a month apart).
    pub by_month: bool,
    /// Incidents each combination must keep an SLA through (`[[survive]]`):
    /// its capacity is the lowest of the model's without them and of each's
    /// with it.
    pub survive: Vec<Survive>,
    /// Relative width of a certified capacity's interval (default 2%).
    pub tolerance: f64,
    /// What a lost caller costs (USD), added to each month's bill; 0 = not counted.
    pub value_per_lost_call: f64,
    /// Every file the plan read, with its digest taken when it was read:
    /// the plan file, the model file, then the input files the models read.
    pub inputs: Vec<InputFile>,
    /// Builds the model of a combination of options.
    pub models: Arc<dyn Models>,
}

/// An incident a plan's combinations must keep an SLA through.
#[derive(Debug, Clone)]
pub struct Survive {
    /// The model's incident.
    pub incident: String,
    /// The SLA through it, as model keys (`sla.max_failure` = "5%"); none =
    /// the model's own SLA.
    pub sets: Vec<(String, Value)>,
}

/// The most combinations a plan may have (the product of its options).
pub const MAX_COMBINATIONS: usize = 100_000;

impl Plan {
    /// What one step of the forecast is called: "month" for a growth
    /// forecast, "load" for a list of loads.
    pub fn step_name(&self) -> &'static str {
        if self.by_month {
            "month"
        } else {
            "load"
        }
    }

    /// The model keys `options` set, in choice order.
    fn sets(options: &[(&Choice, &PlanOption)]) -> Vec<(String, Value)> {
        options.iter().flat_map(|(_, o)| o.set.iter().cloned()).collect()
    }

    /// The model with the given options' keys set (in choice order).
    ///
    /// Errors when a key does not exist or the model it makes is invalid.
    pub fn model_of(&self, options: &[(&Choice, &PlanOption)]) -> Result<Model> {
        self.model_with(options, &[])
    }

    /// [`Plan::model_of`] with `more` keys set after the options'.
    ///
    /// Errors as [`Plan::model_of`].
    pub fn model_with(&self, options: &[(&Choice, &PlanOption)], more: &[(String, Value)]) -> Result<Model> {
        let mut sets = Self::sets(options);
        sets.extend(more.iter().cloned());
        let (mut model, _) = self.models.build(&sets)?;
        model.run.record_holds = self.bills_minutes();
        Ok(model)
    }

    /// The store key of the certification of `options` ([`super::result_key`]
    /// of the tolerance, the model document after the options' keys and the
    /// files that model reads), so a plan run again (another forecast,
    /// another price, an option added) finds every combination it already
    /// certified, and one whose inputs changed certifies it again.
    ///
    /// Errors as [`Plan::model_of`].
    pub fn certificate_key(&self, options: &[(&Choice, &PlanOption)]) -> Result<String> {
        let (document, read) = self.models.keyed(&Self::sets(options))?;
        let survive: Vec<String> = self.survive.iter().map(|s| format!("{} {:?}", s.incident, s.sets)).collect();
        let what = format!("certify to {} with holds {} surviving {survive:?}", self.tolerance, self.bills_minutes());
        Ok(super::result_key(&what, &document, &read))
    }

    /// What `[[survive]]` requires, one line each: "every combination must
    /// also keep sla.max_failure = "5%" through incident llm-throttle".
    pub fn survive_lines(&self) -> Vec<String> {
        self.survive
            .iter()
            .map(|s| {
                let sla = if s.sets.is_empty() {
                    "the model's SLA".to_string()
                } else {
                    s.sets.iter().map(|(k, v)| format!("{k} = {v}")).collect::<Vec<_>>().join(", ")
                };
                format!(
                    "every combination must also keep {sla} through incident {} (its capacity is the lower of the two)",
                    s.incident
                )
            })
            .collect()
    }

    /// Whether some option bills minutes (so its runs record holds).
    pub fn bills_minutes(&self) -> bool {
        self.choices.iter().flat_map(|c| &c.options).any(|o| o.usage.as_ref().is_some_and(UsagePrice::bills_minutes))
    }

    /// The monthly price of `option` in `model` (flat plus per slot).
    pub fn option_price(option: &PlanOption, model: &Model) -> f64 {
        let slots = option.per_slot_month.as_ref().map_or(0.0, |(price, limit)| {
            model.limits.iter().find(|l| &l.name == limit).map_or(0.0, |l| price * l.capacity() * l.pool as f64)
        });
        option.monthly_usd + slots
    }
}
