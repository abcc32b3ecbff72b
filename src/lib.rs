//! simcall: a discrete-event simulator of telephone call traffic through a
//! chain of capacity limits (trunk channels, platform plans, AI-provider
//! connections, application pools), for sizing voice-AI systems.
//!
//! The modules follow the data: [`config`] (reads model, experiment and
//! plan files, CSV inputs and time-zone names; every problem of a file at
//! once, in the file where it is; [`config::bounds`] on every figure) →
//! [`model`] (a checked model, plain data) and [`study`] (what a user asks
//! of it: an experiment's grid, a plan's choices; plain data) → [`engine`]
//! (event list, random streams), [`arrivals`] (when first attempts come)
//! and [`dialer`] (which lead a campaign dials next) → [`simulation`] (one
//! replication of the call model through the limit chain) → [`record`]
//! (what a replication counted) → [`statistics`] (typed metric sets,
//! confidence intervals, the binding limit, a sweep's results; saveable) →
//! [`runs`] (replications and grids in parallel, each cell saved in the
//! [`store`] under the key of everything it depends on), [`capacity`],
//! [`plan`] and [`cost`] (certified capacity, the plan search, bills) →
//! [`report`] (what each command's outputs show, computed once) → `output`
//! (pure renders of a report to bytes, and the one writer; with the `cli`
//! feature) → `cli`. [`fit`] goes the other way: from a call log to a
//! model's traffic; [`work`] estimates what a model costs to run. Imports go
//! against this flow only to read a type; none goes downstream, so there is
//! no import circle.
//!
//! # Same-time ordering
//! Events are ordered by (time, insertion sequence): two events at the same
//! simulated instant are handled in the order they were scheduled. Within an
//! event, a released slot passes to the first waiting caller at once, and
//! callers handed slots are advanced through the rest of the chain in the
//! order they received them, before the next event.
//!
//! # Determinism contract
//! Same model, same seed ⇒ byte-identical outputs, whatever the thread
//! count, shard count or interruption. Each replication draws from its own
//! streams, derived from (seed, sweep point's key, replication, stream) by
//! SplitMix64 into xoshiro256++; a point's key is a hash of its axis values
//! ([`engine::point_key`]), not its place in the grid
//! ([`engine::rng`]); sources have separate streams for arrivals, holding
//! times, patience and redial delays, and tiers at one sweep point share
//! them (common random numbers). Replications run in parallel but their
//! results are collected in index order before any statistic is computed.

#![warn(missing_docs)]

/// The version of the results' numbers and format. Stored cells and plan
/// certifications are keyed by it (with everything else a result depends
/// on: the model after every override and the digests of the files it
/// reads), so a cell stored by a simcall whose numbers may differ is never
/// reused. Bump it with any change that may alter a stored result's
/// numbers or fields; `tests/suite/store.rs` fails when the golden results
/// change and it was not bumped.
pub const RESULTS_VERSION: u32 = 7;

pub mod arrivals;
pub mod backtest;
pub mod capacity;
pub mod cleanup;
pub mod config;
pub mod cost;
pub mod dialer;
pub mod engine;
pub mod error;
pub mod fit;
pub mod ids;
pub mod model;
pub mod plan;
pub mod record;
pub mod report;
pub mod runs;
pub mod selftest;
pub mod sensitivity;
pub mod simulation;
pub mod statistics;
pub mod store;
pub mod study;
pub mod units;
pub mod upgrade;
pub mod work;

#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "cli")]
pub mod output;
