//! What a user asks of a model, as plain data: an experiment's grid of
//! sweep points × tiers ([`Experiment`]), a plan's choices, options, prices
//! and forecast ([`Plan`]), and the files they were read from
//! ([`InputFile`]). Nothing here reads a file: `config` reads files into
//! these types and hands them the means to build their models
//! ([`Models`]).

mod experiment;
pub mod forecast;
mod inputs;
mod plan;

pub use experiment::{cell_sets, value_label, Axis, Cell, Experiment, Tier};
pub use forecast::{ForecastRange, GrowthRange};
pub use inputs::{result_key, InputFile, Models};
pub use plan::{Choice, Plan, PlanOption, Survive, UsagePrice, MAX_COMBINATIONS};
